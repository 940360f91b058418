"""Grading a class: in parallel here, on a Dask cluster (a local one, with a worker killed in the
middle of the batch), and a second batch that grades only what changed. Grades must be the same
whatever the way of running."""

import csv
import os
import signal
import threading
import time

import nbformat
import pytest

from conftest import REPO
from rnnlab.grade import RECORD, grade_all
from rnnlab.runners import Progress

pytestmark = pytest.mark.slow

NOTEBOOK = "03_rnn_model"
SEED = 5


def sheet(out):
    with open(out / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def grades(rows):
    """The sheet's rows less what may differ between two ways of running: nothing but ``kept``."""
    return {student: {k: v for k, v in row.items() if k != "kept"} for student, row in rows.items()}


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """Four students: right, wrong (softmax over the examples), untouched, and one who handed in nothing."""
    folder = tmp_path_factory.mktemp("class")
    solved = nbformat.read(REPO / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4)
    right = nbformat.writes(solved)
    texts = {"right": right, "wrong": right.replace("np.sum(e, axis=0,", "np.sum(e, axis=1,"),
             "untouched": (REPO / "course" / f"{NOTEBOOK}.ipynb").read_text()}
    for student, text in texts.items():
        (folder / student).mkdir()
        (folder / student / f"{NOTEBOOK}.ipynb").write_text(text)
    (folder / "absent").mkdir()
    return folder


@pytest.fixture(scope="module")
def here(submissions, tmp_path_factory):
    """The class graded here, two at a time."""
    out = tmp_path_factory.mktemp("here")
    grade_all(submissions, out, jobs=2, assignments=[NOTEBOOK], seed=SEED, log=lambda *args: None)
    return out


def test_grading_here_in_parallel_scores_each_student(here):
    rows = sheet(here)
    assert {student: rows[student][NOTEBOOK] for student in rows} == {
        "(max)": "7.0", "right": "7.0", "wrong": "4.0", "untouched": "0.0", "absent": "0.0"}
    assert rows["absent"]["problems"] == f"{NOTEBOOK}.ipynb is missing"
    assert all(rows[student]["kept"] == "" for student in rows)
    assert (here / "feedback" / "wrong" / f"{NOTEBOOK}.html").exists()


def test_a_dask_cluster_grades_the_same_even_when_a_worker_is_killed(submissions, here, tmp_path):
    from dask.distributed import Client, LocalCluster

    out, killed, errors = tmp_path / "dask", [], []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        def batch():
            try:
                grade_all(submissions, out, assignments=[NOTEBOOK], seed=SEED, scheduler=cluster.scheduler_address,
                          log=lambda *args: None)
            except BaseException as error:  # reported by the test thread
                errors.append(error)
        grading = threading.Thread(target=batch)
        grading.start()
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline and grading.is_alive():
            busy = [worker for worker, keys in client.processing().items() if keys]
            if busy:
                time.sleep(3)  # the worker is preparing its course or grading a student
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.2)
        grading.join(timeout=600)
    assert killed, "no worker was busy to be killed"
    assert not grading.is_alive() and not errors, errors
    assert grades(sheet(out)) == grades(sheet(here))
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["right", "untouched", "wrong"]


def test_a_second_batch_grades_only_what_changed(submissions, here, tmp_path):
    import shutil

    out = tmp_path / "again"
    shutil.copytree(here, out)
    changed = tmp_path / "class"
    shutil.copytree(submissions, changed)
    right = (submissions / "right" / f"{NOTEBOOK}.ipynb").read_text()
    (changed / "untouched" / f"{NOTEBOOK}.ipynb").write_text(right)  # handed in again, now right
    lines = []
    grade_all(changed, out, assignments=[NOTEBOOK], log=lines.append)  # the seed comes from the record

    rows = sheet(out)
    assert rows["untouched"][NOTEBOOK] == "7.0" and rows["untouched"]["kept"] == ""
    assert rows["right"]["kept"] == rows["wrong"]["kept"] == NOTEBOOK
    assert rows["right"][NOTEBOOK] == "7.0" and rows["wrong"][NOTEBOOK] == "4.0"
    assert rows["right"]["seed"] == str(SEED)
    assert any("1 notebooks to grade, 2 kept" in line for line in lines), lines
    assert any(line.startswith("graded untouched in") for line in lines)
    assert not any(line.startswith(("graded right", "graded wrong")) for line in lines)
    assert (out / RECORD).exists()


def test_the_progress_bar_counts_students_and_failures(capsys):
    progress = Progress(3, shown=True)
    progress.done(False)
    progress.done(True)
    progress.done(False)
    assert progress.close() >= 0
    shown = capsys.readouterr().err
    assert "3/3" in shown and "failures=1" in shown
