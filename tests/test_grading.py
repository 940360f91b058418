"""The autograder end to end: right scores, a batch that survives bad submissions, no leaks."""

import copy
import csv
import html
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import REPO
from rnnlab import grade
from rnnlab.grade import grade_all
from test_build import source_lines

NOTEBOOK = "03_rnn_model"
FULL = {"test_count_parameters": 1.0, "test_rnn_step": 3.0, "test_rnn_unroll": 3.0}
ASSIGNMENT = "A1_rnn_step_by_step"
FULL_A1 = {"test_rnn_cell_forward": 2.0, "test_rnn_forward": 2.0, "test_lstm_cell_forward": 3.0,
           "test_lstm_forward": 2.0, "test_rnn_cell_backward": 3.0, "test_rnn_backward": 3.0,
           "test_lstm_cell_backward": 4.0, "test_lstm_backward": 3.0}


def edited(notebook, grade_id, old, new):
    """A copy of ``notebook`` with ``old`` replaced by ``new`` in the cell ``grade_id``."""
    notebook = copy.deepcopy(notebook)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    assert old in cell.source, f"{old!r} not in cell {grade_id}"
    cell.source = cell.source.replace(old, new)
    return notebook


def read(kind, name):
    return nbformat.read(REPO / kind / f"{name}.ipynb", as_version=4)


def make_submissions(folder):
    """One student folder per situation the grader must handle."""
    solved, untouched = read("solutions", NOTEBOOK), read("course", NOTEBOOK)
    skipped = copy.deepcopy(untouched)
    for cell in skipped.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata["tags"] = ["skip-execution", "raises-exception"]
    noise = ("    import sys, warnings\n    import tensorflow\n    warnings.warn('this step is slow')\n"
             "    print('W0000 00:00:00 absl] a log line', file=sys.stderr)\n    Wax, Waa, Wya =")
    notebooks = {
        "solved": solved,
        "solved_again": solved,
        "untouched": untouched,
        # the softmax normalised over the examples instead of the classes
        "mistake": edited(solved, "rnn_step", "axis=0", "axis=1"),
        "endless": edited(solved, "rnn_unroll", "    for t in range(T_x):",
                          "    while True:\n        pass\n    for t in range(T_x):"),
        "skip_tag": skipped,
        # stderr from warnings, absl-style logs and TensorFlow's import in a test cell
        "noisy": edited(solved, "rnn_step", "    Wax, Waa, Wya =", noise),
        "crash": edited(solved, "rnn_unroll", "    n_a, m = a0.shape", "    import os\n    os._exit(1)"),
    }
    # a wrong rnn_step whose locked test cell was emptied, or deleted altogether
    wrong = edited(solved, "rnn_step", "np.tanh(", "(")
    notebooks["tampered"], notebooks["deleted"] = copy.deepcopy(wrong), copy.deepcopy(wrong)
    for cell in notebooks["tampered"].cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_rnn_step":
            cell.source = "pass"
    notebooks["deleted"].cells = [cell for cell in wrong.cells
                                  if cell.metadata.get("nbgrader", {}).get("grade_id") != "test_rnn_step"]
    for student, notebook in notebooks.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(notebook, folder / student / f"{NOTEBOOK}.ipynb")
    # the programming assignment, for the students who hand in everything
    a1 = {"solved": read("solutions", ASSIGNMENT), "solved_again": read("solutions", ASSIGNMENT),
          "untouched": read("course", ASSIGNMENT),
          # the forget gate's gradient taken with c_next instead of c_prev
          "mistake": edited(read("solutions", ASSIGNMENT), "lstm_cell_backward", "dc * c_prev", "dc * c_next")}
    for student, notebook in a1.items():
        (folder / student / "assignments").mkdir()
        nbformat.write(notebook, folder / student / "assignments" / f"{ASSIGNMENT}.ipynb")
    (folder / "broken").mkdir()
    (folder / "broken" / f"{NOTEBOOK}.ipynb").write_text("{ this is not a notebook")
    (folder / "missing").mkdir()
    (folder / "missing" / "notes.txt").write_text("I forgot to upload it")
    (folder / "bad name").mkdir()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")
    make_submissions(submissions)
    out = tmp_path_factory.mktemp("graded")
    # 20 s per cell: short for the endless loop, long enough for the noisy student's TensorFlow import
    # on a busy machine (a timeout during that import kills the kernel).
    grade_all(submissions, out, timeout=20, jobs=2, assignments=[NOTEBOOK, ASSIGNMENT])
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return out, rows


def scores(row, notebook=NOTEBOOK, full=FULL):
    return {grade_id: float(row[f"{notebook}:{grade_id}"]) for grade_id in full}


def test_grade_sheet_has_a_row_per_student_and_a_column_per_exercise(graded):
    _, rows = graded
    assert set(rows) == {"(max)", "solved", "solved_again", "untouched", "mistake", "endless", "skip_tag",
                         "noisy", "crash", "tampered", "deleted", "broken", "missing", "bad name"}
    assert scores(rows["(max)"]) == FULL and scores(rows["(max)"], ASSIGNMENT, FULL_A1) == FULL_A1
    assert float(rows["(max)"]["total"]) == 7 + 22
    assert "A1_rnn_step_by_step:grading_references" not in rows["(max)"], "no column for a 0-point cell"


def test_solution_scores_full_marks_every_time(graded):
    _, rows = graded
    for student in ("solved", "solved_again"):
        assert scores(rows[student]) == FULL and scores(rows[student], ASSIGNMENT, FULL_A1) == FULL_A1
        assert float(rows[student]["total"]) == 29 and rows[student]["problems"] == ""


def test_untouched_student_version_scores_zero(graded):
    _, rows = graded
    assert float(rows["untouched"]["total"]) == 0 and rows["untouched"]["problems"] == ""


def test_typical_mistake_loses_that_exercise_only(graded):
    out, rows = graded
    assert scores(rows["mistake"]) == {**FULL, "test_rnn_step": 0.0}
    feedback = (out / "feedback" / "mistake" / f"{NOTEBOOK}.html").read_text()
    assert "should sum to 1 along axis 0" in feedback
    assert scores(rows["mistake"], ASSIGNMENT, FULL_A1) == {**FULL_A1, "test_lstm_cell_backward": 0.0}
    feedback = html.unescape((out / "feedback" / "mistake" / f"{ASSIGNMENT}.html").read_text())
    assert "dWf: has the right shape" in feedback and "the forget gate multiplied c<t-1>" in feedback


def test_infinite_loop_times_out_and_the_rest_is_graded(graded):
    out, rows = graded
    assert scores(rows["endless"]) == {**FULL, "test_rnn_unroll": 0.0}
    assert "CellTimeoutError" in (out / "feedback" / "endless" / f"{NOTEBOOK}.html").read_text()


def test_emptied_or_deleted_test_cell_earns_nothing(graded):
    _, rows = graded
    for student in ("tampered", "deleted"):
        assert scores(rows[student]) == {**FULL, "test_rnn_step": 0.0}, student


def test_skip_execution_tag_earns_nothing(graded):
    _, rows = graded
    assert float(rows["skip_tag"]["total"]) == 0


def test_stderr_in_a_test_cell_does_not_zero_a_correct_answer(graded):
    _, rows = graded
    assert scores(rows["noisy"]) == FULL


def test_bad_submissions_are_named_and_the_batch_goes_on(graded):
    _, rows = graded
    assert "cannot be read (NotJSONError" in rows["broken"]["problems"]
    assert "is missing" in rows["missing"]["problems"]
    assert "not a valid student id" in rows["bad name"]["problems"]
    for student in ("broken", "missing", "bad name"):
        assert float(rows[student]["total"]) == 0


def test_a_kernel_that_dies_costs_only_the_exercise_it_was_running(graded):
    _, rows = graded
    assert scores(rows["crash"]) == {**FULL, "test_rnn_unroll": 0.0}
    assert "test_rnn_unroll: KernelDiedError" in rows["crash"]["problems"]


def test_feedback_never_shows_hidden_tests(graded):
    out, _ = graded
    hidden = source_lines("HIDDEN TESTS")
    pages = list((out / "feedback").rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text()
        assert "HIDDEN TESTS" not in text
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        leaked = hidden & {line.strip() for line in plain.splitlines()}
        assert not leaked, f"{page} shows hidden-test lines: {sorted(leaked)[:2]}"


def test_a_notebook_has_a_time_budget(tmp_path):
    """Cells share the notebook's budget: the one that exhausts it times out, the rest do not run."""
    cells = ["import time\nx = 1", "time.sleep(30)", "print(x)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in cells])
    executor = grade.GuardedExecute(timeout=20, notebook_timeout=4, kernel_name="python3")
    started = time.monotonic()
    executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    assert time.monotonic() - started < 15
    assert [event.split(" (")[0] for event in grade.kernel_events(notebook)] == [
        "cell 2: CellTimeoutError", "cell 3: NotebookTimeoutError"]


def test_scores_come_from_the_autograder_alone(graded, monkeypatch):
    """A manual_score in a student's gradebook (nbgrader would prefer it) does not count."""
    out, _ = graded
    # nbgrader's Gradebook runs `alembic` by name: the one installed beside it.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    gradebook = out / "work" / "copy.db"  # the release's gradebook, with an ungraded submission
    gradebook.write_bytes((out / "work" / "_release" / "gradebook.db").read_bytes())
    with Gradebook(f"sqlite:///{gradebook}") as book:
        book.add_student("untouched")
        book.add_submission(NOTEBOOK, "untouched")
    with sqlite3.connect(gradebook) as db:
        assert db.execute("UPDATE grade SET manual_score = 307").rowcount >= 3
    cells = [(grade_id, points) for grade_id, points in FULL.items()]
    assert grade.read_scores(gradebook, NOTEBOOK, "untouched", cells) == {(NOTEBOOK, g): 0.0 for g in FULL}
    assert grade.read_scores(gradebook, NOTEBOOK, "nobody", cells) == {(NOTEBOOK, g): 0.0 for g in FULL}


def test_no_sandbox_no_grading_unless_asked(tmp_path, monkeypatch):
    """Where no sandbox can be made, grading stops; --unsandboxed grades and the sheet says so."""
    monkeypatch.setattr(grade.sandbox, "unavailable", lambda: "bubblewrap (bwrap) is not installed")
    monkeypatch.setattr(grade, "make_course_root", lambda root, assignments: root.mkdir(parents=True))
    monkeypatch.setattr(grade, "grade_columns", lambda path, assignments: {NOTEBOOK: [("test_rnn_step", 3.0)]})
    monkeypatch.setattr(grade, "grade_student", lambda *args: ({}, []))
    (tmp_path / "submissions" / "ada").mkdir(parents=True)
    with pytest.raises(SystemExit, match="cannot sandbox student code: bubblewrap"):
        grade_all(tmp_path / "submissions", tmp_path / "out", assignments=[NOTEBOOK], log=lambda line: None)
    grade_all(tmp_path / "submissions", tmp_path / "out", assignments=[NOTEBOOK], unsandboxed=True, log=lambda line: None)
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert rows["ada"]["sandbox"].startswith("NONE")


def test_a_kernel_that_does_not_start_in_time_gets_one_more_try(tmp_path, monkeypatch):
    """On a loaded machine a notebook's kernel may not answer within the start-up timeout: that
    notebook is graded again on its own instead of scoring zero; a second failure is reported."""
    release = tmp_path / "release"
    release.mkdir()
    (release / "nbgrader_config.py").write_text("")
    (release / "source").mkdir()
    # nbgrader's Gradebook runs `alembic` by name: the one installed beside it.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    with Gradebook(f"sqlite:///{release / 'gradebook.db'}"):  # an empty gradebook: every score is 0
        pass
    student = tmp_path / "submissions" / "ada"
    student.mkdir(parents=True)
    nbformat.write(read("course", NOTEBOOK), student / f"{NOTEBOOK}.ipynb")
    calls = []

    def fake_nbgrader(args, root, environment=None, timeout=None):
        calls.append([args[0], args[1], args[args.index("---") + 1]])  # autograde, then feedback
        log = ""
        if len(calls) == 1 or fails_twice:
            log = (f"[AutogradeApp | ERROR] There was an error processing assignment: {root}/submitted/ada/{NOTEBOOK}\n"
                   "[AutogradeApp | ERROR] Traceback (most recent call last):\n"
                   "RuntimeError: Kernel didn't respond in 120 seconds\n")
        elif args[0] == "autograde":
            made = root / "autograded" / "ada" / NOTEBOOK / f"{NOTEBOOK}.ipynb"
            made.parent.mkdir(parents=True)
            nbformat.write(nbformat.v4.new_notebook(), made)
        return subprocess.CompletedProcess(args, 0, "", log)

    monkeypatch.setattr(grade, "run_nbgrader", fake_nbgrader)
    columns = {NOTEBOOK: [("test_rnn_step", 3.0)]}
    fails_twice = False
    _, problems = grade.grade_student("ada", student, release, tmp_path / "out", columns, 60)
    assert problems == [] and calls == [["autograde", NOTEBOOK, "generate_feedback"]] * 2
    fails_twice, calls[:] = True, []
    _, problems = grade.grade_student("ada", student, release, tmp_path / "out2", columns, 60)
    assert problems == [f"{NOTEBOOK}.ipynb could not be fully graded (RuntimeError: Kernel didn't respond in 120 seconds)"]
    assert len(calls) == 2
