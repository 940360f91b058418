"""Every graded exercise of every notebook: the worked version earns its points, the untouched
student version earns none, and a typical mistake (listed in tests/mistakes/<notebook>.toml)
loses exactly the points of the exercise it is made in.

A mistake may also give ``score`` (the partial credit expected for some cells, as in the quiz's
"select all" questions) and ``feedback`` (a text the student's feedback page must show)."""

import copy
import csv
import html
import os
import re
import tomllib
from collections import namedtuple
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from rnnlab.build import written_assignments
from rnnlab.grade import grade_all

# The grade sheet's rows by student, and the folder of the feedback pages (feedback/<student>/<notebook>.html).
Graded = namedtuple("Graded", "rows feedback")
MISTAKES = {path.stem: tomllib.loads(path.read_text())["mistake"]
            for path in sorted((Path(__file__).parent / "mistakes").glob("*.toml"))}


def with_mistake(notebook, mistake):
    notebook = copy.deepcopy(notebook)
    cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == mistake["cell"]]
    assert cells, f"no cell {mistake['cell']!r} for the mistake {mistake['name']!r}"
    assert mistake["old"] in cells[0].source, f"{mistake['old']!r} is not in cell {mistake['cell']!r}"
    cells[0].source = cells[0].source.replace(mistake["old"], mistake["new"])
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade three kinds of students, each handing in every notebook: "worked", "untouched", and
    "mistake<k>", whose notebooks each hold the k-th listed mistake of that notebook (a notebook with
    fewer mistakes is left out). One student's notebooks are graded by one nbgrader process."""
    submissions = tmp_path_factory.mktemp("submissions")
    for assignment, mistakes in MISTAKES.items():
        worked = nbformat.read(REPO / "solutions" / f"{assignment}.ipynb", as_version=4)
        students = {"worked": worked,
                    "untouched": nbformat.read(REPO / "course" / f"{assignment}.ipynb", as_version=4)}
        students.update({f"mistake{k}": with_mistake(worked, mistake) for k, mistake in enumerate(mistakes)})
        for student, notebook in students.items():
            (submissions / student).mkdir(exist_ok=True)
            nbformat.write(notebook, submissions / student / f"{assignment}.ipynb")
    out = tmp_path_factory.mktemp("graded")
    # A fixed grading seed keeps the suite deterministic; RNNLAB_TEST_SEED=N tries the hidden tests
    # on the inputs of another seed.
    grade_all(submissions, out, timeout=60, jobs=2, assignments=list(MISTAKES),
              seed=int(os.environ.get("RNNLAB_TEST_SEED", 2026)))
    with open(out / "grades.csv", newline="") as handle:
        return Graded({row["student"]: row for row in csv.DictReader(handle)}, out / "feedback")


def exercise_points(graded, assignment, student):
    prefix = f"{assignment}:"
    return {column[len(prefix):]: float(value) for column, value in graded.rows[student].items()
            if column.startswith(prefix)}


def test_every_notebook_lists_a_mistake_for_every_exercise(graded):
    assert set(MISTAKES) == set(written_assignments()), "add tests/mistakes/<notebook>.toml for new notebooks"
    for assignment, mistakes in MISTAKES.items():
        exercises = set(exercise_points(graded, assignment, "(max)"))
        covered = {cell for mistake in mistakes for cell in mistake["loses"]}
        assert covered == exercises, f"{assignment}: exercises without a typical mistake: {exercises - covered}"


@pytest.mark.parametrize("assignment", sorted(MISTAKES))
def test_worked_version_earns_every_point_and_untouched_none(graded, assignment):
    full = exercise_points(graded, assignment, "(max)")
    assert exercise_points(graded, assignment, "worked") == full
    assert set(exercise_points(graded, assignment, "untouched").values()) == {0.0}


@pytest.mark.parametrize("assignment, index, mistake",
                         [(a, k, m) for a, ms in sorted(MISTAKES.items()) for k, m in enumerate(ms)],
                         ids=lambda value: value["name"] if isinstance(value, dict) else str(value))
def test_typical_mistake_loses_exactly_its_exercise(graded, assignment, index, mistake):
    full = exercise_points(graded, assignment, "(max)")
    expected = {cell: 0.0 if cell in mistake["loses"] else points for cell, points in full.items()}
    expected.update(mistake.get("score", {}))
    assert exercise_points(graded, assignment, f"mistake{index}") == expected
    if "feedback" in mistake:
        page = html.unescape((graded.feedback / f"mistake{index}" / f"{assignment}.html").read_text())
        assert mistake["feedback"] in page, f"the feedback does not show {mistake['feedback']!r}"
        assert "HIDDEN TESTS" not in page and not re.search(r"judge_\w+\(", page), "the feedback shows hidden tests"
