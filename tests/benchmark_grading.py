"""Benchmark: grading a class of N copies of the worked course, three ways.

    cd tests && ../.venv/bin/python benchmark_grading.py [N] [--assignments ID ...]

Hands in the worked notebooks of ``solutions/`` for N students (default: twice the number of
cores) and grades them, each time into a fresh folder, with ``--jobs 1``, with one job per core,
and on a local Dask cluster of one worker per core. Prints the seconds per student, the
core-seconds per student (how long this machine's processors were busy, all cores added up, over
the students: run it on an otherwise idle machine), the speed-ups against ``--jobs 1``, and whether
the three grade sheets agree.
"""

import argparse
import csv
import os
import shutil
import tempfile
import time
from pathlib import Path

from conftest import REPO
from rnnlab.build import written_assignments
from rnnlab.grade import busy_core_seconds, grade_all


def grade_once(submissions, out, assignments, **how):
    """Seconds and core-seconds of one batch, and its sheet (less the columns that may differ)."""
    started, busy = time.perf_counter(), busy_core_seconds()
    grade_all(submissions, out, assignments=assignments, seed=1, log=lambda *args: None, **how)
    seconds, core_seconds = time.perf_counter() - started, busy_core_seconds() - busy
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student"]: {k: v for k, v in row.items() if k != "kept"} for row in csv.DictReader(handle)}
    return seconds, core_seconds, rows


def main():
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("students", type=int, nargs="?", default=2 * cores)
    parser.add_argument("--assignments", nargs="+", default=written_assignments())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnnlab-benchmark-") as scratch:
        submissions = Path(scratch) / "class"
        for number in range(args.students):
            folder = submissions / f"student{number:03d}"
            folder.mkdir(parents=True)
            for assignment in args.assignments:
                shutil.copy(REPO / "solutions" / f"{assignment}.ipynb", folder)
        ways = [("--jobs 1", {"jobs": 1}), (f"--jobs {cores}", {"jobs": cores}),
                (f"Dask, local cluster of {cores} workers", {"jobs": cores, "scheduler": "local"})]
        results = []
        for name, how in ways:
            results.append((name, *grade_once(submissions, Path(scratch) / name.replace(" ", "_"),
                                              args.assignments, **how)))
            print(f"{name}: {results[-1][1]:.0f} s", flush=True)
    print(f"\n{args.students} students x {len(args.assignments)} notebooks on {cores} cores")
    print(f"{'way':<36} {'s/student':>10} {'core-s/student':>15} {'speed-up':>9}")
    for name, seconds, core_seconds, _ in results:
        print(f"{name:<36} {seconds / args.students:>10.1f} {core_seconds / args.students:>15.1f} "
              f"{results[0][1] / seconds:>8.2f}x")
    same = all(rows == results[0][3] for *_, rows in results)
    print("grade sheets identical:", "yes" if same else "NO")


if __name__ == "__main__":
    main()
