"""Start JupyterLab on the course, as a student or as an instructor.

    rnnlab-lab                 # the student's JupyterLab: course/00_start_here.md, no instructor tools
    rnnlab-lab --instructor    # JupyterLab in autograder/ with nbgrader's Formgrader and Create Assignment
    rnnlab-lab --port 8899     # any other option goes to `jupyter lab`

The student's JupyterLab reads the course's own settings from ``deploy/student/`` (added to
``JUPYTER_CONFIG_PATH`` for this process only; the user's own Jupyter configuration is left as it
is): nbgrader's Formgrader, Course List, Assignment List and Create Assignment are switched off, and
only its "Validate" button is kept; no "Jupyter news" prompt; Markdown files open as rendered pages.
"""

import argparse
import os
import sys

from .settings import REPO, START_PAGE, course_environment

STUDENT_SETTINGS = REPO / "deploy" / "student"


def lab_command(root, default_url=None, student=True):
    """The ``jupyter lab`` command line serving ``root`` (a list of strings, before extra options)."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if default_url:
        command.append(f"--LabApp.default_url={default_url}")
    if student:
        command.append(f"--LabApp.app_settings_dir={STUDENT_SETTINGS / 'lab-settings'}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def lab_environment(student=True, base=None):
    """The environment of the JupyterLab process: the course's settings, quiet TensorFlow, its own
    matplotlib cache."""
    env = {**(os.environ if base is None else base), **course_environment()}
    if student:
        paths = [str(STUDENT_SETTINGS), *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instructor", action="store_true",
                        help="open autograder/ with nbgrader's instructor tools (Formgrader, Create Assignment)")
    args, extra = parser.parse_known_args(argv)
    if args.instructor:
        root, url = REPO / "autograder", None
    else:
        root, url = REPO, f"/lab/tree/course/{START_PAGE}"
    command = lab_command(root, url, student=not args.instructor) + extra
    os.chdir(root)  # nbgrader's tools find nbgrader_config.py in the folder JupyterLab starts in
    os.execvpe(command[0], command, lab_environment(student=not args.instructor))


if __name__ == "__main__":
    main()
