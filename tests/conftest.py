"""Shared fixtures: the repository, a fresh build of the course, and a headless Chromium per module."""

import os
from pathlib import Path

import nbformat
import pytest

from rnnlab.build import build
from rnnlab.settings import course_environment

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google's services, and this
# machine's closed network refuses those connections.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

# The tests and the notebook kernels they start run as the course's commands do: no TensorFlow
# start-up lines on stderr, and matplotlib's cache of this environment.
for name, value in course_environment().items():
    os.environ.setdefault(name, value)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian's package, shared by the tests of one module."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's Chromium. Install it with "
                    "`apt-get update && apt-get install -y chromium` (Playwright's own browser downloads "
                    "are not used).", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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
