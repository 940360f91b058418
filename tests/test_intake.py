"""Submissions as learning-management systems export them, sorted into one folder per student."""

import zipfile

import pytest

from rnnlab import intake
from rnnlab.intake import classify, is_export, sort_export

NOTEBOOKS = {"03_rnn_model", "A2_dinosaur_island", "Q1_week_quiz"}


@pytest.mark.parametrize("path, expected", [
    ("doejane_123456_7890123_03_rnn_model.ipynb", ("doejane_123456", "03_rnn_model", 0, "Canvas")),
    ("doejane_LATE_123456_7890124_A2_dinosaur_island-2.ipynb", ("doejane_123456", "A2_dinosaur_island", 2, "Canvas")),
    ("José Doe_98765_assignsubmission_file_/Q1_week_quiz.ipynb", ("jose-doe_98765", "Q1_week_quiz", 0, "Moodle")),
    ("Jane Doe_98766_assignsubmission_file_03_rnn_model (1).ipynb", ("jane-doe_98766", "03_rnn_model", 1, "Moodle")),
    ("Week 1_jdoe_attempt_2026-11-30-10-15-00_03_rnn_model.ipynb", ("jdoe", "03_rnn_model", 0, "Blackboard")),
    ("jdoe/work/03_rnn_model.ipynb", ("jdoe", "03_rnn_model", 0, "folder")),
    ("s1234567_03_rnn_model.ipynb", ("s1234567", "03_rnn_model", 0, "flat")),
    ("jane.doe@uni.edu-Q1_week_quiz.ipynb", ("jane.doe@uni.edu", "Q1_week_quiz", 0, "flat")),
])
def test_each_export_names_the_student_and_the_notebook(path, expected):
    assert classify(path, NOTEBOOKS) == expected


@pytest.mark.parametrize("path, reason", [
    ("doejane_123456_7890123_report.pdf", "not a notebook"),
    ("doejane_123456_7890123_my_homework.ipynb", "no student id and notebook"),
    ("03_rnn_model.ipynb", "no student id and notebook"),
    ("jdoe/03_rnn_model_final.ipynb", "no student id and notebook"),
])
def test_files_that_name_no_student_or_no_notebook_say_why(path, reason):
    assert reason in classify(path, NOTEBOOKS)


def notebook_bytes(marker):
    return ('{"cells": [], "metadata": {"marker": "%s"}, "nbformat": 4, "nbformat_minor": 5}' % marker).encode()


def test_a_canvas_zip_is_sorted_and_every_left_out_file_is_reported(tmp_path, monkeypatch):
    export = tmp_path / "submissions.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("doejane_123456_1001_03_rnn_model.ipynb", notebook_bytes("first"))
        archive.writestr("doejane_123456_1003_03_rnn_model-1.ipynb", notebook_bytes("resubmitted"))
        archive.writestr("doejane_123456_1002_Q1_week_quiz.ipynb", notebook_bytes("quiz"))
        archive.writestr("roebob_654321_1004_03_rnn_model.ipynb", notebook_bytes("bob"))
        archive.writestr("roebob_654321_1005_notes.txt", b"my notes")
        archive.writestr("roebob_654321_1006_03_rnn_model (copy).ipynb", notebook_bytes("renamed"))
        archive.writestr("../escape_03_rnn_model.ipynb", notebook_bytes("escape"))
        archive.writestr("bigfile_777_1007_A2_dinosaur_island.ipynb", b"x" * 2000)
    monkeypatch.setattr(intake, "MAX_NOTEBOOK_BYTES", 1000)
    assert is_export(export)

    students, unmatched = sort_export(export, tmp_path / "sorted", NOTEBOOKS)

    assert students == {
        "doejane_123456": {"03_rnn_model": "doejane_123456_1003_03_rnn_model-1.ipynb",
                           "Q1_week_quiz": "doejane_123456_1002_Q1_week_quiz.ipynb"},
        "roebob_654321": {"03_rnn_model": "roebob_654321_1004_03_rnn_model.ipynb"}}
    assert b"resubmitted" in (tmp_path / "sorted/doejane_123456/03_rnn_model.ipynb").read_bytes()
    assert sorted(p.relative_to(tmp_path / "sorted").as_posix() for p in (tmp_path / "sorted").rglob("*.*")) == [
        "doejane_123456/03_rnn_model.ipynb", "doejane_123456/Q1_week_quiz.ipynb", "roebob_654321/03_rnn_model.ipynb"]
    reasons = dict(unmatched)
    assert "older copy" in reasons["doejane_123456_1001_03_rnn_model.ipynb"]
    assert "not a notebook" in reasons["roebob_654321_1005_notes.txt"]
    assert "no student id" in reasons["roebob_654321_1006_03_rnn_model (copy).ipynb"]
    assert "leaves the archive" in reasons["../escape_03_rnn_model.ipynb"]
    assert "larger than" in reasons["bigfile_777_1007_A2_dinosaur_island.ipynb"]
    assert len(unmatched) == 5
    assert not (tmp_path / "escape_03_rnn_model.ipynb").exists()


def test_an_older_copy_read_after_the_newer_one_is_reported_not_graded(tmp_path):
    export = tmp_path / "export"
    folder = export / "Jane Doe_42_assignsubmission_file_"
    folder.mkdir(parents=True)
    (folder / "03_rnn_model (2).ipynb").write_bytes(notebook_bytes("newest"))
    (folder / "03_rnn_model.ipynb").write_bytes(notebook_bytes("oldest"))
    students, unmatched = sort_export(export, tmp_path / "sorted", NOTEBOOKS)
    assert students == {"jane-doe_42": {"03_rnn_model": "Jane Doe_42_assignsubmission_file_/03_rnn_model (2).ipynb"}}
    assert b"newest" in (tmp_path / "sorted/jane-doe_42/03_rnn_model.ipynb").read_bytes()
    assert unmatched == [("Jane Doe_42_assignsubmission_file_/03_rnn_model.ipynb",
                          "an older copy: Jane Doe_42_assignsubmission_file_/03_rnn_model (2).ipynb is graded "
                          "for jane-doe_42")]


def test_a_flat_folder_is_an_export_and_links_in_it_are_refused(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "s1_03_rnn_model.ipynb").write_bytes(notebook_bytes("s1"))
    secret = tmp_path / "solution.ipynb"
    secret.write_bytes(notebook_bytes("solution"))
    (export / "s2_03_rnn_model.ipynb").symlink_to(secret)
    (export / "s3").symlink_to(tmp_path, target_is_directory=True)
    assert is_export(export)
    students, unmatched = sort_export(export, tmp_path / "sorted", NOTEBOOKS)
    assert students == {"s1": {"03_rnn_model": "s1_03_rnn_model.ipynb"}}
    assert dict(unmatched) == {"s2_03_rnn_model.ipynb": "is a link, not a file of the submission",
                               "s3": "is a link, not a file of the submission"}


def test_a_folder_of_student_folders_is_not_an_export(tmp_path):
    (tmp_path / "jdoe").mkdir()
    (tmp_path / "jdoe" / "03_rnn_model.ipynb").write_bytes(notebook_bytes("jdoe"))
    assert not is_export(tmp_path)


@pytest.mark.slow
def test_a_canvas_zip_is_graded_like_student_folders(tmp_path):
    """Two students in one Canvas zip, one right and one with the softmax over the wrong axis, and a
    file that names no notebook: the sheet has both rows, the file is listed, none is lost."""
    import csv

    import nbformat

    from conftest import REPO
    from rnnlab.grade import grade_all

    solved = nbformat.read(REPO / "solutions" / "03_rnn_model.ipynb", as_version=4)
    wrong = nbformat.writes(solved).replace("np.sum(e, axis=0,", "np.sum(e, axis=1,")
    export = tmp_path / "submissions.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("doejane_123456_1001_03_rnn_model.ipynb", nbformat.writes(solved))
        archive.writestr("roebob_654321_1002_03_rnn_model.ipynb", wrong)
        archive.writestr("roebob_654321_1003_03_rnn_model_v2.ipynb", wrong)
    rows = grade_all(export, tmp_path / "out", assignments=["03_rnn_model"], jobs=2, seed=1, log=lambda *a: None)

    assert {student: rows[student][0] for student in rows} == {
        "doejane_123456": {("03_rnn_model", "test_count_parameters"): 1.0, ("03_rnn_model", "test_rnn_step"): 3.0,
                           ("03_rnn_model", "test_rnn_unroll"): 3.0},
        "roebob_654321": {("03_rnn_model", "test_count_parameters"): 1.0, ("03_rnn_model", "test_rnn_step"): 0.0,
                          ("03_rnn_model", "test_rnn_unroll"): 3.0}}
    with open(tmp_path / "out" / "unmatched.csv") as handle:
        assert list(csv.reader(handle)) == [
            ["file", "reason"],
            ["roebob_654321_1003_03_rnn_model_v2.ipynb",
             "its name holds no student id and notebook of the course (e.g. jdoe_03_rnn_model.ipynb)"]]
    assert (tmp_path / "out" / "feedback" / "roebob_654321" / "03_rnn_model.html").exists()
