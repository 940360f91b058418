"""The week quiz: every learning objective has a question, and no file a student receives holds the
key (the answers and their explanations live only in the source and in the worked version)."""

import re

import nbformat

from conftest import REPO
from rnnlab.build import load_syllabus

QUIZ = "Q1_week_quiz"
SOURCE = REPO / "autograder" / "source" / QUIZ / f"{QUIZ}.ipynb"


def key_lines():
    """The lines of the solution regions of the quiz's source: the answers and their explanations."""
    lines = []
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            lines += [line.strip() for line in cell.source.splitlines() if "SOLUTION" not in line and line.strip()]
    return lines


def test_every_objective_has_a_question():
    cells = nbformat.read(SOURCE, as_version=4).cells
    objectives = [int(match) for cell in cells if cell.cell_type == "markdown"
                  for match in re.findall(r"^### Question \d+ \u2014 objective (\d+)$", cell.source, re.M)]
    assert len(objectives) >= 15
    assert set(objectives) == set(range(1, len(load_syllabus()["objectives"]) + 1))
    answers = [line for line in key_lines() if line.startswith("answer_")]
    assert len(answers) == len(objectives), "one answer line per question"


def test_no_file_a_student_receives_holds_the_key():
    lines = key_lines()
    assert len(lines) > 40
    received = [REPO / "course" / f"{QUIZ}.ipynb"] + [
        path for folder in ("rnnlab", "assets") for path in (REPO / folder).rglob("*")
        if path.is_file() and path.suffix in {".py", ".txt", ".md", ".json", ".ipynb", ".toml"}]
    for path in received:
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{path.relative_to(REPO)} holds the quiz's key: {leaked[:2]}"


def test_the_worked_quiz_shows_every_answer_with_its_explanation():
    worked = "\n".join(cell.source for cell in nbformat.read(REPO / "solutions" / f"{QUIZ}.ipynb", as_version=4).cells)
    assert all(line in worked for line in key_lines())
    assert "HIDDEN TESTS" not in worked and not re.search(r"judge_\w+\(", worked)


def test_each_explanation_is_the_same_in_the_answer_and_in_the_feedback():
    """The explanation is written twice: as a comment under the answer (for solutions/) and in the
    hidden test (for the feedback). Both must say the same."""
    cells = nbformat.read(SOURCE, as_version=4).cells
    answers = [c.source for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c.source for c in cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_q")]
    assert len(answers) == len(tests) >= 15
    for answer, test in zip(answers, tests):
        comment = " ".join(line[2:] for line in answer.splitlines() if line.startswith("# "))
        assert comment.startswith("Why: "), answer
        hidden = test.split("### BEGIN HIDDEN TESTS")[1]
        assert " ".join(comment[len("Why: "):].split()) in " ".join(hidden.replace("\\\\", "\\").split()), answer
