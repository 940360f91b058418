"""Build ``course/`` and ``solutions/`` from the single source in ``autograder/source/``.

    rnnlab-build                 # regenerate course/ and solutions/ (solutions executed)
    rnnlab-build --no-execute    # the same without running the solutions (fast)
    rnnlab-build --out DIR       # write DIR/course and DIR/solutions instead
    rnnlab-build --out DIR --only 02_notation   # just these notebooks (to check one being written)

``course/`` holds nbgrader's student version (stubs, visible tests, no outputs);
``solutions/`` holds the worked code without hidden tests, executed, with its outputs.
Both open on a start page made from ``autograder/syllabus.toml`` (a Markdown file: it has no code,
so opening it starts no kernel). Every notebook carries the kernel metadata that JupyterLab would
write when it opens it, so opening and closing an untouched notebook leaves it unchanged.
"""

import argparse
import copy
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.preprocessors import ClearHiddenTests

from .settings import REPO, START_PAGE, course_environment

AUTOGRADER = REPO / "autograder"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
KERNEL = "python3"


def kernel_metadata():
    """The notebook metadata JupyterLab writes when a notebook's kernel starts: ``kernelspec`` and
    ``language_info`` as this environment's ``python3`` kernel reports them."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    return {"kernelspec": {"name": KERNEL, "display_name": spec.display_name, "language": spec.language},
            "language_info": copy.deepcopy(IPythonKernel.language_info)}


def load_syllabus():
    """The course plan: ``{"title", "objectives", "part": [{"name", "notebook": [{"id", "title"}]}]}``."""
    return tomllib.loads((AUTOGRADER / "syllabus.toml").read_text())


def written_assignments():
    """Ids of the syllabus entries whose source notebook exists, in course order."""
    ids = [entry["id"] for part in load_syllabus()["part"] for entry in part["notebook"]]
    unknown = sorted({p.name for p in (AUTOGRADER / "source").iterdir() if p.is_dir()} - set(ids))
    if unknown:
        raise SystemExit(f"autograder/source has assignments missing from syllabus.toml: {unknown}")
    return [i for i in ids if (AUTOGRADER / "source" / i / f"{i}.ipynb").exists()]


def die_with_parent():
    """In a child process: be killed when the process that started it dies (Linux; a no-op elsewhere).
    A grading worker that is killed then leaves no nbgrader, and so no kernel, behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_nbgrader(args, root, environment=None, timeout=None):
    """Run ``nbgrader ARGS`` in the course root ``root``, with ``environment`` added to this one's
    (several commands in one process when ``ARGS`` separates them with ``---``: rnnlab.nbgrader_steps).

    Returns the CompletedProcess, with the last 200 kB of its stdout and stderr. It runs in a
    process group of its own, which is killed when it ends or runs past ``timeout`` (then
    ``subprocess.TimeoutExpired`` is raised).
    """
    # nbgrader runs `alembic` (installed beside it) by name: put this environment's bin/ first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, **course_environment(), "PATH": path, **(environment or {})}
    command = [sys.executable, "-m", "rnnlab.nbgrader_steps", *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=err, start_new_session=True,
                                   preexec_fn=die_with_parent)
        try:
            process.wait(timeout=timeout)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

        def tail(handle):
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 200_000))
            return handle.read().decode(errors="replace")

        return subprocess.CompletedProcess(command, process.returncode, tail(out), tail(err))


def make_course_root(root, assignments):
    """Make ``root`` an nbgrader course (config, source, gradebook) with ``assignments`` released.

    Its ``source/`` holds what runs in a student's kernel: the notebooks without their hidden tests,
    which the grader runs itself (``rnnlab.judge``) from ``autograder/source``. Returns the path of
    the release folder: ``release/<id>/<id>.ipynb``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(AUTOGRADER / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in assignments:  # the kernel's part of each notebook: no hidden tests (the grader runs them)
        source = nbformat.read(AUTOGRADER / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        target = root / "source" / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(ClearHiddenTests().preprocess(source, {})[0], target)
    # One nbgrader process releases them all ("*" matches every folder of source/).
    result = run_nbgrader(["generate_assignment", "*", "--force"], root)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stderr}")
    return root / "release"


def solution_notebook(source):
    """The worked version of a source notebook: solution markers and hidden tests removed."""
    notebook = copy.deepcopy(source)
    notebook, _ = ClearHiddenTests().preprocess(notebook, {})
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return notebook


def execute(notebook, folder, timeout=600):
    """Run ``notebook`` with ``folder`` as working directory, keeping outputs and widget state."""
    os.environ.update(course_environment())
    client = NotebookClient(notebook, timeout=timeout, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(folder)}}, store_widget_state=True)
    client.execute()
    return notebook


def start_page(kind, available):
    """The Markdown start page of ``course/`` (``kind="course"``), ``solutions/`` or the static ``site``,
    listing every notebook."""
    syllabus = load_syllabus()
    intro = {
        "course": "This folder holds the notebooks you work in. Each one explains an idea, lets you "
                  "play with it in a widget, and asks you to write a few functions; the test cell "
                  "under each exercise tells you whether your code is right and, if not, what to look "
                  "at. Work through them in order: later notebooks build on earlier ones.",
        "solutions": "This folder holds the worked notebooks, executed, with every plot and widget "
                     "picture in place: read them without running anything, or run them to play with "
                     "the widgets. The exercises of `course/` are solved here.",
        "site": "This is the reading edition of the course: the worked notebooks, executed, with every "
                "plot, widget picture and sound in place. Each page explains an idea, shows it moving in "
                "a widget and solves the exercises that the course asks you to write. To play with the "
                "widgets and write the exercises yourself, run the course in JupyterLab (below).",
    }[kind]
    lines = [f"# {syllabus['title']}", "", intro, ""]
    for part in syllabus["part"]:
        lines += [f"## {part['name']}", ""]
        for number, entry in enumerate(part["notebook"], 1):
            written = entry["id"] in available
            name = f"[{entry['title']}]({entry['id']}.ipynb)" if written else f"{entry['title']} *(in preparation)*"
            lines.append(f"{number}. {name}")
        lines.append("")
    lines += ["## What you will be able to do", ""]
    lines += [f"{number}. {objective}" for number, objective in enumerate(syllabus["objectives"], 1)]
    return "\n".join(lines).strip() + "\n"


def write(notebook, path):
    """Write a notebook with the kernel metadata of this environment, creating the folder; cell ids
    are kept as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook.metadata.update(kernel_metadata())
    nbformat.write(notebook, path)


def build(out=REPO, execute_solutions=True, only=None, log=print):
    """Regenerate ``out/course`` and ``out/solutions``; returns ``{id: seconds to execute}``.

    ``only`` restricts the build to those notebook ids (for checking work in progress).
    """
    out = Path(out)
    assignments = [a for a in written_assignments() if not only or a in only]
    timings = {}
    for kind in ("course", "solutions"):
        folder = out / kind
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / START_PAGE).write_text(start_page(kind, assignments))
    with tempfile.TemporaryDirectory() as scratch:
        release = make_course_root(scratch, assignments)
        for assignment in assignments:
            student = nbformat.read(release / assignment / f"{assignment}.ipynb", as_version=4)
            write(student, out / "course" / f"{assignment}.ipynb")
    for assignment in assignments:
        source = nbformat.read(AUTOGRADER / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        notebook = solution_notebook(source)
        if execute_solutions:
            started = time.perf_counter()
            execute(notebook, out / "solutions")
            timings[assignment] = time.perf_counter() - started
            log(f"executed {assignment} in {timings[assignment]:.1f} s")
        write(notebook, out / "solutions" / f"{assignment}.ipynb")
    log(f"built {len(assignments)} notebook(s) into {out / 'course'} and {out / 'solutions'}")
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO, help="folder to write course/ and solutions/ into")
    parser.add_argument("--no-execute", action="store_true", help="do not execute the solutions")
    parser.add_argument("--only", nargs="+", metavar="ID", help="build only these notebooks")
    args = parser.parse_args(argv)
    if args.only and args.out.resolve() == REPO:
        parser.error("--only writes incomplete course/ and solutions/ folders: use it with --out")
    build(args.out, execute_solutions=not args.no_execute, only=args.only)


if __name__ == "__main__":
    main()
