"""Shared fixtures: the repository, a fresh build of the course, and one autograding run."""

import os
from pathlib import Path

import nbformat
import pytest

from rnnlab.build import build
from rnnlab.settings import course_environment

REPO = Path(__file__).resolve().parent.parent

# The tests and the notebook kernels they start run as the course's commands do: no TensorFlow
# start-up lines on stderr, and matplotlib's cache of this environment.
for name, value in course_environment().items():
    os.environ.setdefault(name, value)


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory):
    """course/ and solutions/ built anew from autograder/source (solutions not executed)."""
    out = tmp_path_factory.mktemp("build")
    build(out, execute_solutions=False, log=lambda *args: None)
    return out


def solution_namespace(assignment):
    """The worked functions of ``solutions/<assignment>.ipynb``: its first code cell (the imports and
    helpers), its read-only cells of given code and its solution cells, run in order."""
    notebook = nbformat.read(REPO / "solutions" / f"{assignment}.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    namespace = {}
    for cell in code:
        nbgrader = cell.metadata.get("nbgrader", {})
        given = nbgrader.get("locked") and not nbgrader.get("grade")
        if cell is code[0] or nbgrader.get("solution") or given:
            exec(cell.source, namespace)
    return namespace
