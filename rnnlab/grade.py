"""Autograde a folder of submissions: a grade sheet and feedback for every student.

    rnnlab-grade SUBMISSIONS OUT [--timeout SECONDS] [--jobs N] [--assignments ID ...]

``SUBMISSIONS`` holds one folder per student (the folder name is the student id) with that
student's notebooks, named as in ``course/`` (e.g. ``03_rnn_model.ipynb``, at any depth).
``OUT`` receives ``grades.csv`` (a row per student; a column per notebook and per graded
exercise; a ``problems`` column), ``feedback/<student>/<notebook>.html`` (hidden tests removed)
and ``autograded/<student>/<notebook>.ipynb`` (for the instructor; it holds hidden tests).

Each student is graded in a course folder of their own, with a copy of the gradebook, in a
separate nbgrader process: a submission that crashes, hangs or writes into its folder affects
only its own grades. A notebook that is missing or cannot be read scores zero and is named in
``problems``; the batch goes on.
"""

import argparse
import concurrent.futures
import csv
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests

from .build import make_course_root, run_nbgrader, written_assignments

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*")
# What nbclient says when a notebook's kernel did not start in time: the machine was busy, so the
# notebook is graded once more on its own rather than scored zero.
KERNEL_NOT_STARTED = ("Kernel didn't respond", "Kernel died before replying to kernel_info")


class HideHiddenTests(ClearHiddenTests):
    """Feedback preprocessor: remove hidden tests and the tracebacks that would quote them.

    A failing test cell keeps only its error's name and message (the checking helpers put what
    is wrong there), so no line of a hidden test reaches the student.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


def grade_columns(gradebook_path, assignments):
    """``{assignment: [(grade_id, max_score), ...]}`` from a gradebook made by ``make_course_root``.

    Cells worth no points (the hidden set-up cells of the tests) get no column.
    """
    with Gradebook(f"sqlite:///{gradebook_path}") as gradebook:
        return {assignment: [(cell.name, cell.max_score)
                             for notebook in gradebook.find_assignment(assignment).notebooks
                             for cell in sorted(notebook.grade_cells, key=lambda c: c.name)
                             if cell.max_score > 0]
                for assignment in assignments}


def find_submission(student_folder, assignment):
    """The student's notebook for ``assignment`` (the first match at any depth), or None."""
    matches = sorted(student_folder.rglob(f"{assignment}.ipynb"), key=lambda p: (len(p.parts), str(p)))
    return matches[0] if matches else None


def readable(path):
    """None when ``path`` is a notebook nbformat can read and validate, else the reason."""
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as error:  # any unreadable file is reported, never raised
        return f"cannot be read ({type(error).__name__}: {str(error).splitlines()[0][:120]})"
    return None


def grade_student(student, student_folder, release_root, out, columns, timeout):
    """Grade one student's notebooks in their own course folder; returns ``(scores, problems)``.

    ``scores`` maps ``(assignment, grade_id)`` to points.
    """
    work = out / "work" / student
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy(release_root / "nbgrader_config.py", work / "nbgrader_config.py")
    (work / "source").symlink_to(release_root / "source", target_is_directory=True)
    shutil.copy(release_root / "gradebook.db", work / "gradebook.db")

    problems, to_grade = [], []
    for assignment in columns:
        path = find_submission(student_folder, assignment)
        reason = "is missing" if path is None else readable(path)
        if reason:
            problems.append(f"{assignment}.ipynb {reason}")
            continue
        target = work / "submitted" / student / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        to_grade.append(assignment)

    def autograde(target):
        """Autograde ``target`` and write its feedback; returns nbgrader's log."""
        options = [target, "--student", student, "--force", f"--Execute.timeout={timeout}"]
        notebooks = len(to_grade) if target == "*" else 1
        try:
            log = run_nbgrader(["autograde", *options], work, timeout=max(600, 40 * timeout) * notebooks).stderr
            run_nbgrader(["generate_feedback", *options], work, timeout=600)
            return log
        except Exception as error:  # a hung or crashed grader must not stop the batch
            return f"{type(error).__name__}: {error}"

    def graded(assignment):
        return (work / "autograded" / student / assignment / f"{assignment}.ipynb").exists()

    # One nbgrader process autogrades all of the student's notebooks ("*" matches every submitted
    # one) and one writes all their feedback: two process start-ups per student, not two per notebook.
    detail = autograde(to_grade[0] if len(to_grade) == 1 else "*") if to_grade else ""
    reasons = {assignment: failure_reason(detail, assignment) for assignment in to_grade if not graded(assignment)}
    for assignment, reason in list(reasons.items()):
        if any(sign in reason for sign in KERNEL_NOT_STARTED):  # a loaded machine, not the submission: once more
            detail = autograde(assignment)
            reasons[assignment] = None if graded(assignment) else failure_reason(detail, assignment)

    scores = {}
    for assignment in to_grade:
        if reasons.get(assignment):
            problems.append(f"{assignment}.ipynb could not be fully graded ({reasons[assignment]})")
        with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
            for grade_id, _ in columns[assignment]:
                try:
                    grade = gradebook.find_grade(grade_id, assignment, assignment, student)
                    scores[assignment, grade_id] = float(grade.score or 0)
                except MissingEntry:
                    scores[assignment, grade_id] = 0.0
        for kind, suffix in (("autograded", ".ipynb"), ("feedback", ".html")):
            made = work / kind / student / assignment / f"{assignment}{suffix}"
            if made.exists():
                (out / kind / student).mkdir(parents=True, exist_ok=True)
                shutil.copy(made, out / kind / student / f"{assignment}{suffix}")
    return scores, problems


def failure_reason(log, assignment):
    """Why nbgrader's ``log`` says ``assignment`` failed: the exception it names, or its error line."""
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if "ERROR" in line and f"/{assignment}" in line:  # the first error line naming the notebook's path
            rest = lines[index + 1:]
            end = next((k for k, later in enumerate(rest) if later.startswith("[") and "Traceback" not in later),
                       len(rest))
            traceback = rest[:end]
            named = [later for later in traceback if "Error" in later]
            return (named[-1] if named else line.split("] ", 1)[-1]).strip()[:200]
    errors = [line for line in lines if "Error" in line or "ERROR" in line]
    return (errors or ["unknown error"])[-1].strip()[:200]


def write_sheet(path, rows, columns):
    """The grade sheet: student, total, then per notebook its total and each exercise's points."""
    header = ["student", "total"]
    for assignment, cells in columns.items():
        header += [assignment] + [f"{assignment}:{grade_id}" for grade_id, _ in cells]
    header.append("problems")
    maximum = {"student": "(max)", "problems": ""}
    for assignment, cells in columns.items():
        maximum[assignment] = sum(points for _, points in cells)
        maximum.update({f"{assignment}:{grade_id}": points for grade_id, points in cells})
    maximum["total"] = sum(maximum[assignment] for assignment in columns)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerow(maximum)
        for student, (scores, problems) in rows.items():
            row = {"student": student, "problems": "; ".join(problems)}
            for assignment, cells in columns.items():
                row[assignment] = sum(scores.get((assignment, grade_id), 0.0) for grade_id, _ in cells)
                row.update({f"{assignment}:{grade_id}": scores.get((assignment, grade_id), 0.0)
                            for grade_id, _ in cells})
            row["total"] = sum(row[assignment] for assignment in columns)
            writer.writerow(row)


def grade_all(submissions, out, timeout=60, jobs=1, assignments=None, log=print):
    """Grade every student folder in ``submissions`` into ``out``; returns ``{student: (scores, problems)}``.

    ``assignments`` limits grading to those notebook ids (default: every notebook of the course).
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise SystemExit(f"{submissions} is not a folder of student folders")
    known = written_assignments()
    unknown = sorted(set(assignments or []) - set(known))
    if unknown:
        raise SystemExit(f"unknown notebook id(s) {unknown}; the course has {known}")
    assignments = [a for a in known if a in assignments] if assignments else known
    release_root = out / "work" / "_release"
    if release_root.exists():
        shutil.rmtree(release_root)
    make_course_root(release_root, assignments)
    columns = grade_columns(release_root / "gradebook.db", assignments)

    rows, students = {}, []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir()):
        if STUDENT_ID.fullmatch(folder.name):
            students.append(folder)
        else:
            rows[folder.name] = ({}, ["folder name is not a valid student id (letters, digits, _ . @ -)"])

    def grade(folder):
        started = time.perf_counter()
        result = grade_student(folder.name, folder, release_root, out, columns, timeout)
        log(f"graded {folder.name} in {time.perf_counter() - started:.1f} s"
            + (f" ({'; '.join(result[1])})" if result[1] else ""))
        return folder.name, result

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for student, result in pool.map(grade, students):
            rows[student] = result
    rows = dict(sorted(rows.items()))
    write_sheet(out / "grades.csv", rows, columns)
    log(f"wrote {out / 'grades.csv'} ({len(rows)} students)")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder with one folder of notebooks per student")
    parser.add_argument("out", type=Path, help="folder for grades.csv, feedback/ and autograded/")
    parser.add_argument("--timeout", type=int, default=60, help="seconds a cell may run (default 60)")
    parser.add_argument("--jobs", type=int, default=1, help="students graded at once (default 1)")
    parser.add_argument("--assignments", nargs="+", metavar="ID",
                        help="grade only these notebooks, e.g. 03_rnn_model (default: all)")
    args = parser.parse_args(argv)
    grade_all(args.submissions, args.out, args.timeout, args.jobs, args.assignments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
