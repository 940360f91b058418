"""Red team: crafted submissions attack the grader, graded in one batch with a right and a wrong classmate.

Each attack gets the outcome a fair grader gives it, and the classmates get exactly the grades they
get when graded alone. (The attacks on test cells, bad JSON, missing notebooks, endless loops,
os._exit and stderr are in test_grading.py.)
"""

import copy
import csv
import hashlib
import html
import os
import re
import time

import nbformat
import pytest

from conftest import REPO
from rnnlab import sandbox
from rnnlab.grade import grade_all
from test_build import source_lines
from test_grading import edited, read

NOTEBOOK = "03_rnn_model"
FULL = {"test_count_parameters": 1.0, "test_rnn_step": 3.0, "test_rnn_unroll": 3.0}
WRONG = {**FULL, "test_rnn_step": 0.0}     # the wrong classmate: softmax over the examples
NO_UNROLL = {**FULL, "test_rnn_unroll": 0.0}  # the loop hangs or crashes
NOTHING = dict.fromkeys(FULL, 0.0)
MARKER = "redteam-detached"
PWNED = REPO / "autograder" / "redteam-pwned.txt"

NO_SANDBOX = sandbox.unavailable()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox: {NO_SANDBOX}")


def student_cell(notebook, code, at=0):
    """A copy of ``notebook`` with a code cell of the student's (no nbgrader metadata) at index ``at``."""
    notebook = copy.deepcopy(notebook)
    notebook.cells.insert(at if at >= 0 else len(notebook.cells), nbformat.v4.new_code_cell(code))
    return notebook


def with_test_metadata(notebook, change):
    """A copy of ``notebook`` with ``change(cell)`` applied to every test cell."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_"):
            change(cell)
    return notebook


def attacks(out, submissions):
    """``{student: (notebook or None, fair scores)}``: what each attacker hands in and deserves."""
    solved, untouched = read("solutions", NOTEBOOK), read("course", NOTEBOOK)
    wrong = edited(solved, "rnn_step", "axis=0", "axis=1")
    gradebooks = [out / "work" / name / "gradebook.db" for name in ("write_files", "correct", "_release")]
    victims = [out / "grades.csv", out / "feedback" / "correct" / f"{NOTEBOOK}.html",
               submissions / "correct" / f"{NOTEBOOK}.ipynb", *gradebooks]
    read_files = f"""
import base64, os, sys
public = (os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
          {str(REPO / "assets")!r}, {str(REPO / "rnnlab")!r})
targets = {[str(p) for p in (REPO / "autograder" / "source" / NOTEBOOK / f"{NOTEBOOK}.ipynb",
                             REPO / "solutions" / f"{NOTEBOOK}.ipynb", *gradebooks)]!r}
targets += ["../source/{NOTEBOOK}/{NOTEBOOK}.ipynb", "../../../source/{NOTEBOOK}/{NOTEBOOK}.ipynb", "/etc/shadow"]
for top in ("/work", "/root", "/home", "/tmp", "/srv", "/opt", "/mnt"):
    for folder, _, names in os.walk(top):
        if os.path.realpath(folder).startswith(public):  # what every student has anyway
            continue
        targets += [os.path.join(folder, n) for n in names if n.endswith((".db", ".csv", ".ipynb", ".html"))]
for path in targets:
    try:
        with open(path, "rb") as handle:
            print("STOLEN", path, base64.b64encode(handle.read(60)).decode())
    except OSError as error:
        print("denied", path, type(error).__name__)
"""
    write_files = f"""
import sqlite3
for path in {[str(p) for p in victims]!r}:
    try:
        if path.endswith(".db"):
            with sqlite3.connect(f"file:{{path}}?mode=rw", uri=True) as db:
                db.execute("UPDATE grade SET manual_score = 307")
        else:
            open(path, "a").write("hacked")
        print("WROTE", path)
    except Exception as error:
        print("denied", path, type(error).__name__)
try:
    open({str(PWNED)!r}, "w").write("pwned")
except OSError as error:
    print("denied", type(error).__name__)
"""
    detached = f"""
import subprocess, sys
late = '''
import os, sqlite3, sys, time
for _ in range(300):
    time.sleep(0.2)
    for path in {[str(p) for p in victims]!r}:
        try:
            if path.endswith(".db"):
                with sqlite3.connect(path) as db:
                    db.execute("UPDATE grade SET manual_score = 307")
            else:
                open(path, "a").write("late")
        except Exception:
            pass
'''
for _ in range(3):
    subprocess.Popen([sys.executable, "-c", late, "{MARKER}"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("left behind")
"""
    hook = """
seen = []
def show(info):
    print(info.raw_cell)
    seen.append(info.raw_cell)
get_ipython().events.register("pre_run_cell", show)
"""
    patch = """
import rnnlab.checks
def passes(*args, **kwargs):
    return None
for name in dir(rnnlab.checks):
    if name.startswith("check_") and name != "check_returns":  # that one hands back the result
        setattr(rnnlab.checks, name, passes)
        globals()[name] = passes
"""
    on_first_call = """
_wrong_rnn_step = rnn_step
def rnn_step(xt, a_prev, parameters):
    import rnnlab.checks
    for name in dir(rnnlab.checks):  # the helpers of the kernel, and the notebook's names for them
        if name.startswith("check_") and name != "check_returns":
            setattr(rnnlab.checks, name, lambda *args, **kwargs: None)
            get_ipython().user_ns[name] = lambda *args, **kwargs: None
    return _wrong_rnn_step(xt, a_prev, parameters)
"""
    numpy_patch = """
import numpy as np
for name in ("allclose", "isclose", "all", "any", "array_equal", "isfinite"):
    setattr(np, name, lambda *args, _name=name, **kwargs: _name != "any")
"""
    lookup = patch + """
import gc
_wrong_rnn_step = rnn_step
def rnn_step(xt, a_prev, parameters):
    # the hidden tests' reference, wherever the kernel holds it
    found = [f for f in gc.get_objects() if callable(f) and getattr(f, "__name__", "") == "_rnn_step_variants"]
    return found[0](xt, a_prev, parameters)[0] if found else _wrong_rnn_step(xt, a_prev, parameters)
"""
    memory = """
import numpy as np
def bomb():
    blocks = []
    try:
        while True:
            blocks.append(np.ones(1 << 25))  # 256 MiB, written
    except MemoryError:
        print("MemoryError after", len(blocks) * 256, "MiB")
bomb()
"""
    fork_memory = """
import os, time, numpy as np
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        try:
            block = np.ones(1 << 26)  # 512 MiB, written
            time.sleep(1)
        finally:
            os._exit(0)
    children.append(pid)
print("children killed:", sum(os.waitpid(pid, 0)[1] & 0x7f == 9 for pid in children))
"""
    flood = 'for _ in range(200):\n    print("x" * 1_000_000)'
    forks = """
import os, time
children = 0
try:
    for _ in range(5000):
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
except OSError as error:
    print("fork refused after", children, "children:", type(error).__name__)
"""
    network = """
import socket
for host, port in [("127.0.0.1", 22), ("10.0.0.1", 80), ("1.1.1.1", 443), ("pypi.org", 443)]:
    try:
        socket.create_connection((host, port), timeout=3)
        print("NET-OK", host)
    except OSError as error:
        print("no network:", host, type(error).__name__)
"""
    endless = ("    import signal\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass\n"
               "    n_a, m = a0.shape")
    segfault = "    import ctypes\n    ctypes.string_at(0)\n    n_a, m = a0.shape"
    # the same, only on the inputs of a hidden test: the kernel dies or hangs while the grader judges
    on_hidden = "    if x.shape == (4, 5, 7):  # the first hidden case\n{}\n    n_a, m = a0.shape"
    segfault_when_judged = on_hidden.format("        import ctypes\n        ctypes.string_at(0)")
    endless_when_judged = on_hidden.format("        import signal\n        signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                           "        while True:\n            pass")

    def points(cell):
        cell.metadata["nbgrader"]["points"] = 100

    def markdown(cell):
        if cell.metadata["nbgrader"]["grade_id"] == "test_rnn_step":
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            cell.metadata["nbgrader"]["locked"] = False

    after_rnn_step = 1 + next(index for index, cell in enumerate(wrong.cells)
                              if cell.metadata.get("nbgrader", {}).get("grade_id") == "rnn_step")
    swapped = copy.deepcopy(wrong)
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in swapped.cells if "nbgrader" in c.metadata}
    tests["test_rnn_step"].metadata["nbgrader"]["grade_id"] = "test_rnn_unroll"
    tests["test_rnn_unroll"].metadata["nbgrader"]["grade_id"] = "test_rnn_step"

    return {
        "correct": (solved, FULL),
        "wrong": (wrong, WRONG),
        "read_files": (student_cell(solved, read_files), FULL),
        "write_files": (student_cell(untouched, write_files), NOTHING),
        "detached": (student_cell(untouched, detached), NOTHING),
        "hook": (student_cell(student_cell(solved, hook), "print('\\n'.join(seen))", at=-1), FULL),
        "patch": (student_cell(wrong, patch), WRONG),
        "on_first_call": (student_cell(wrong, on_first_call, at=after_rnn_step), WRONG),
        "numpy_patch": (student_cell(wrong, numpy_patch), WRONG),
        "lookup": (student_cell(wrong, lookup, at=after_rnn_step), WRONG),
        "endless": (edited(solved, "rnn_unroll", "    n_a, m = a0.shape", endless), NO_UNROLL),
        "memory": (student_cell(solved, memory), FULL),
        "fork_memory": (student_cell(solved, fork_memory), FULL),
        "flood": (student_cell(solved, flood), FULL),
        "forks": (student_cell(solved, forks, at=-1), FULL),
        "signal": (student_cell(solved, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"), FULL),
        "segfault": (edited(solved, "rnn_unroll", "    n_a, m = a0.shape", segfault), NO_UNROLL),
        "segfault_when_judged": (edited(solved, "rnn_unroll", "    n_a, m = a0.shape", segfault_when_judged), NO_UNROLL),
        "endless_when_judged": (edited(solved, "rnn_unroll", "    n_a, m = a0.shape", endless_when_judged), NO_UNROLL),
        "network": (student_cell(solved, network), FULL),
        "points": (with_test_metadata(wrong, points), WRONG),
        "markdown": (with_test_metadata(wrong, markdown), WRONG),
        "grade_ids": (swapped, None),  # at most what the wrong answer earns: see its test
        "empty_file": (None, NOTHING),
        "no_cells": (nbformat.v4.new_notebook(), NOTHING),
        "renamed": (None, NOTHING),
        "link": (None, NOTHING),
        "linked_folder": (None, None),
        "ok.name@uni": (solved, FULL),
        "-rf": (solved, None),
        "a b": (solved, None),
        "élève": (solved, None),
    }


def hand_in(submissions, cases):
    for student, (notebook, _) in cases.items():
        folder = submissions / student
        folder.mkdir(parents=True)
        if notebook is not None:
            nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")
    (submissions / "empty_file" / f"{NOTEBOOK}.ipynb").write_bytes(b"")
    nbformat.write(read("solutions", NOTEBOOK), submissions / "renamed" / f"{NOTEBOOK} (1).ipynb")
    (submissions / "link" / f"{NOTEBOOK}.ipynb").symlink_to(REPO / "solutions" / f"{NOTEBOOK}.ipynb")
    if "linked_folder" in cases:
        (submissions / "linked_folder").rmdir()
        (submissions / "linked_folder").symlink_to(REPO / "solutions", target_is_directory=True)


def sheet(out):
    with open(out / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def scores(row):
    return {grade_id: float(row[f"{NOTEBOOK}:{grade_id}"]) for grade_id in FULL}


def sandboxed_processes():
    """Processes that run as a sandbox user id (root only) or carry the detached attacker's marker."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            owner = os.stat(f"/proc/{pid}").st_uid
            command = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if owner >= sandbox.UID_BASE or MARKER in command:
            found.append((pid, owner, command.replace("\0", " ")[:80]))
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The class graded together, the two classmates graded alone, and what was left running after."""
    submissions, out = tmp_path_factory.mktemp("attacks"), tmp_path_factory.mktemp("attacked")
    PWNED.unlink(missing_ok=True)
    cases = attacks(out, submissions)
    hand_in(submissions, cases)
    limits = sandbox.Limits(memory=2 << 30, processes=128)
    grade_all(submissions, out, timeout=15, jobs=2, assignments=[NOTEBOOK], limits=limits)
    left_running = sandboxed_processes()
    digest = hashlib.sha256((out / "grades.csv").read_bytes()).hexdigest()
    alone_submissions, alone = tmp_path_factory.mktemp("classmates"), tmp_path_factory.mktemp("alone")
    for name in ("correct", "wrong"):
        (alone_submissions / name).mkdir()
        nbformat.write(cases[name][0], alone_submissions / name / f"{NOTEBOOK}.ipynb")
    grade_all(alone_submissions, alone, timeout=15, jobs=2, assignments=[NOTEBOOK], limits=limits)
    return {"cases": cases, "out": out, "rows": sheet(out), "alone": sheet(alone), "left_running": left_running,
            "digest": digest}


def autograded(batch, student):
    """All the output text of the instructor's autograded notebook of ``student`` (nothing removed)."""
    notebook = nbformat.read(batch["out"] / "autograded" / student / f"{NOTEBOOK}.ipynb", as_version=4)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts += [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    return "\n".join(texts)


def feedback(batch, student):
    page = (batch["out"] / "feedback" / student / f"{NOTEBOOK}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_every_attack_gets_what_a_fair_grader_gives(batch):
    unfair = {}
    for student, (_, fair) in batch["cases"].items():
        if fair is None or student == "patch":
            continue
        got = scores(batch["rows"][student])
        if got != fair:
            unfair[student] = (got, fair)
    assert not unfair, f"scores differ from the fair ones (got, fair): {unfair}"


def test_classmates_get_exactly_what_they_get_alone(batch):
    for name in ("correct", "wrong"):
        # the same row, whatever the grading seed (each batch chose its own)
        assert {**batch["rows"][name], "seed": ""} == {**batch["alone"][name], "seed": ""}, name


def test_nothing_hidden_is_read_from_disk(batch):
    text = autograded(batch, "read_files")
    assert "denied" in text and "STOLEN" not in text


def test_no_file_outside_the_sandbox_is_written(batch):
    text = autograded(batch, "write_files")
    assert "denied" in text and "WROTE" not in text
    assert not PWNED.exists()
    assert scores(batch["rows"]["write_files"]) == NOTHING


def test_no_process_outlives_its_student_and_the_sheet_stays_as_written(batch):
    assert "left behind" in autograded(batch, "detached")
    assert batch["left_running"] == []
    time.sleep(2)  # what a surviving process would have had to write the sheet
    assert hashlib.sha256((batch["out"] / "grades.csv").read_bytes()).hexdigest() == batch["digest"]
    assert "late" not in (batch["out"] / "feedback" / "correct" / f"{NOTEBOOK}.html").read_text()[-100:]


def test_a_hook_that_prints_the_cells_being_run_sees_no_hidden_test(batch):
    printed = autograded(batch, "hook")  # the instructor's copy: nothing removed
    assert 'check_all_passed("rnn_step")' in printed, "the hook printed the visible tests it saw run"
    hidden = source_lines("HIDDEN TESTS")
    assert not hidden & {line.strip() for line in printed.splitlines()}, "hidden tests never enter the kernel"
    assert not hidden & {line.strip() for line in feedback(batch, "hook").splitlines()}
    # the solution's lines, which the hook printed too, are removed from the feedback
    assert "a line of the hidden tests or of the solution was removed here" in feedback(batch, "hook")


@pytest.mark.parametrize("student", ["patch", "on_first_call", "numpy_patch", "lookup"])
def test_what_student_code_does_to_the_kernel_cannot_turn_a_wrong_answer_right(batch, student):
    # the helpers patched in a cell or by the student's function, numpy patched, the hidden reference
    # looked for (it is not in the kernel): the grader judges the results itself, so the wrong answer
    # scores what it scores plain
    assert scores(batch["rows"][student]) == WRONG == scores(batch["rows"]["wrong"])
    # each passed the visible tests in its own kernel: the sheet flags the student
    assert "test_rnn_step: UnconfirmedPass" in batch["rows"][student]["problems"]
    assert batch["rows"][student]["flagged"] == "yes"
    assert batch["rows"]["wrong"]["flagged"] == batch["rows"]["correct"]["flagged"] == ""


def test_a_kernel_that_ignores_interrupts_is_restarted_and_the_rest_graded(batch):
    problems = batch["rows"]["endless"]["problems"]
    assert "test_rnn_unroll: CellTimeoutError" in problems


def test_memory_is_capped(batch):
    found = re.search(r"MemoryError after (\d+) MiB", autograded(batch, "memory"))
    assert found and int(found.group(1)) <= 2048
    # eight processes of 512 MiB each against 2 GiB for them all: some are stopped (where the grader
    # can make control groups; elsewhere the cap is per process)
    killed = re.search(r"children killed: (\d+)", autograded(batch, "fork_memory"))
    assert killed
    if os.geteuid() == 0 and sandbox.control_groups_work():
        assert int(killed.group(1)) >= 3


def test_an_output_flood_is_cut_and_the_feedback_stays_small(batch):
    assert "characters of output were cut here" in autograded(batch, "flood")
    assert (batch["out"] / "feedback" / "flood" / f"{NOTEBOOK}.html").stat().st_size < 1_000_000
    assert (batch["out"] / "autograded" / "flood" / f"{NOTEBOOK}.ipynb").stat().st_size < 1_000_000


def test_processes_are_capped(batch):
    found = re.search(r"fork refused after (\d+) children", autograded(batch, "forks"))
    assert found and int(found.group(1)) < 128


def test_a_dead_kernel_costs_only_the_cell_it_was_running(batch):
    assert "cell 1: KernelDiedError" in batch["rows"]["signal"]["problems"]
    assert "test_rnn_unroll: KernelDiedError" in batch["rows"]["segfault"]["problems"]


def test_a_kernel_lost_while_the_grader_judges_costs_only_that_exercise(batch):
    # the visible tests pass in the kernel; the kernel dies, or hangs, on a hidden test's inputs
    assert batch["rows"]["segfault_when_judged"]["problems"] == (
        f"{NOTEBOOK}.ipynb: test_rnn_unroll: KernelDiedError (the kernel stopped while this cell ran (a crash, "
        "os._exit, a signal or the memory limit); it was restarted for the cells after it)")
    assert batch["rows"]["endless_when_judged"]["problems"] == (
        f"{NOTEBOOK}.ipynb: test_rnn_unroll: CellTimeoutError (this cell ran out of time; the kernel was "
        "restarted for the cells after it)")


def test_no_network(batch):
    text = autograded(batch, "network")
    assert text.count("no network:") == 4 and "NET-OK" not in text


def test_swapped_grade_ids_earn_no_more_than_the_answers(batch):
    got = scores(batch["rows"]["grade_ids"])
    assert all(got[grade_id] <= WRONG[grade_id] for grade_id in FULL), got


def test_bad_notebooks_and_names_are_reported(batch):
    rows = batch["rows"]
    assert "cannot be read" in rows["empty_file"]["problems"]
    assert "none of the exercises' test cells" in rows["no_cells"]["problems"]
    assert "is missing" in rows["renamed"]["problems"]
    assert "is a link" in rows["link"]["problems"] and "is a link" in rows["linked_folder"]["problems"]
    for name in ("-rf", "a b", "élève"):
        assert "not a valid student id" in rows[name]["problems"]
    assert all(row["sandbox"] == "bubblewrap" for name, row in rows.items() if name != "(max)")
