"""course/ and solutions/ are what the build makes from autograder/source, and leak nothing."""

import re

import nbformat
import pytest

from conftest import REPO
from rnnlab.build import kernel_metadata, load_syllabus, written_assignments
from rnnlab.settings import START_PAGE

SOURCE = REPO / "autograder" / "source"


def notebook_names(folder):
    return sorted(path.name for path in folder.glob("*.ipynb"))


def cells(path, with_metadata):
    notebook = nbformat.read(path, as_version=4)
    return [(cell.cell_type, cell.source, cell.metadata.get("nbgrader") if with_metadata else None)
            for cell in notebook.cells]


@pytest.mark.parametrize("kind", ["course", "solutions"])
def test_committed_folder_is_what_the_build_makes(kind, fresh_build):
    """Code, text and grading metadata must match a fresh build (outputs may differ)."""
    assert notebook_names(REPO / kind) == notebook_names(fresh_build / kind), \
        f"{kind}/ holds other notebooks than the build makes: run rnnlab-build"
    for name in notebook_names(fresh_build / kind):
        assert cells(REPO / kind / name, kind == "course") == cells(fresh_build / kind / name, kind == "course"), \
            f"{kind}/{name} differs from what autograder/source makes: run rnnlab-build and commit"
    assert (REPO / kind / START_PAGE).read_text() == (fresh_build / kind / START_PAGE).read_text(), \
        f"{kind}/{START_PAGE} differs from what autograder/syllabus.toml makes: run rnnlab-build and commit"


def without_patch_version(metadata):
    """``kernelspec`` and ``language_info`` with the Python version cut to major.minor."""
    info = dict(metadata.get("language_info", {}))
    info["version"] = ".".join(str(info.get("version", "")).split(".")[:2])
    return {"kernelspec": metadata.get("kernelspec"), "language_info": info}


@pytest.mark.parametrize("kind", ["course", "solutions"])
def test_notebooks_carry_the_metadata_their_kernel_reports(kind):
    """JupyterLab writes the kernel's kernelspec and language_info into a notebook when it opens it;
    equal values leave the notebook unchanged (not "dirty"). The Python patch version is that of the
    machine that built the notebooks, so it alone may differ here."""
    expected = without_patch_version(kernel_metadata())
    for path in sorted((REPO / kind).glob("*.ipynb")):
        metadata = nbformat.read(path, as_version=4).metadata
        assert without_patch_version(metadata) == expected, f"{kind}/{path.name} has other kernel metadata"


def split_regions(source, marker):
    """The stripped lines of ``source`` inside ``### BEGIN <marker>`` regions, and the rest."""
    inside, outside, within = [], [], False
    for line in source.splitlines():
        if f"BEGIN {marker}" in line:
            within = True
        elif f"END {marker}" in line:
            within = False
        else:
            (inside if within else outside).append(line.strip())
    return inside, outside


def source_lines(marker):
    """Distinctive lines found only inside the regions marked ``marker`` of the source notebooks."""
    inside, outside = set(), set()
    for path in SOURCE.glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            cell_inside, cell_outside = split_regions(cell.source, marker)
            inside.update(cell_inside)
            outside.update(cell_outside)
    return {line for line in inside - outside if len(line) > 25}


def lines_in(path):
    """Every stripped line of a notebook file: cell sources and all text in the outputs."""
    notebook = nbformat.read(path, as_version=4)
    texts = [cell.source for cell in notebook.cells]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts += [output.get("text", ""), *output.get("traceback", []),
                      *[value for value in output.get("data", {}).values() if isinstance(value, str)]]
    return {line.strip() for text in texts for line in text.splitlines()}


def test_no_hidden_test_reaches_students_or_readers():
    hidden = source_lines("HIDDEN TESTS")
    assert len(hidden) > 20, "the source notebooks should have hidden tests"
    for kind in ("course", "solutions"):
        for path in (REPO / kind).glob("*.ipynb"):
            assert "HIDDEN TESTS" not in path.read_text(), f"{kind}/{path.name} has hidden-test markers"
            leaked = hidden & lines_in(path)
            assert not leaked, f"{kind}/{path.name} shows hidden-test lines: {sorted(leaked)[:3]}"


def test_no_solution_reaches_students():
    solved = source_lines("SOLUTION")
    assert solved
    for path in (REPO / "course").glob("*.ipynb"):
        assert "### BEGIN SOLUTION" not in path.read_text()
        leaked = solved & lines_in(path)
        assert not leaked, f"course/{path.name} shows solution lines: {sorted(leaked)[:3]}"


def test_nbgrader_copies_nothing_but_the_notebook_into_a_release():
    for folder in SOURCE.iterdir():
        assert sorted(p.name for p in folder.iterdir()) == [f"{folder.name}.ipynb"], \
            f"source/{folder.name} holds files that nbgrader would copy to students"


def test_course_notebooks_have_no_outputs():
    for path in (REPO / "course").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            assert not cell.get("outputs"), f"course/{path.name} has outputs"


def test_solutions_are_executed_with_pictures():
    quizzes = {entry["id"] for part in load_syllabus()["part"] if part["name"] == "Quiz" for entry in part["notebook"]}
    for assignment in written_assignments():
        notebook = nbformat.read(REPO / "solutions" / f"{assignment}.ipynb", as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count for cell in code), f"solutions/{assignment} is not fully executed"
        errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"solutions/{assignment} has errors: {errors[:1]}"
        if assignment in quizzes:  # questions and answers: no figure, no widget
            continue
        pictures = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
        assert pictures, f"solutions/{assignment} shows no picture"
        assert notebook.metadata.get("widgets"), f"solutions/{assignment} lacks the saved widget state"


@pytest.mark.parametrize("kind", ["course", "solutions"])
def test_start_page_lists_every_notebook_in_order(kind):
    text = (REPO / kind / START_PAGE).read_text()
    titles = [entry["title"] for part in load_syllabus()["part"] for entry in part["notebook"]]
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions), "the start page must list the notebooks in course order"
    links = re.findall(r"\]\(([^)]+\.ipynb)\)", text)
    assert links == [f"{assignment}.ipynb" for assignment in written_assignments()]
    assert all((REPO / kind / link).exists() for link in links)


def test_figures_referenced_by_notebooks_exist():
    for path in SOURCE.glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for figure in re.findall(r"\]\(\.\./(assets/[^)]+)\)", cell.source):
                assert (REPO / figure).exists(), f"{path.name} shows a missing figure {figure}"
