"""Submissions as a learning-management system exports them, sorted into one folder per student.

``rnnlab-grade`` takes a folder with one folder per student. It also takes a zip file, or a folder,
as a learning-management system (LMS) exports an assignment's submissions, where each notebook file
is named with the student's id; this module sorts those into ``<student>/<notebook>.ipynb``:

=================  ===========================================================  ================
export             a notebook's path in it                                      student id
=================  ===========================================================  ================
Canvas             ``doejane_123456_7890123_03_rnn_model.ipynb``                ``doejane_123456``
                   (late: ``doejane_LATE_123456_...``; resubmitted: ``...-1.ipynb``)
Moodle             ``Jane Doe_123456_assignsubmission_file_/03_rnn_model.ipynb``  ``jane-doe_123456``
                   (or folder and file name joined in one name)
Blackboard         ``A1_jdoe_attempt_2026-11-30-10-15-00_03_rnn_model.ipynb``      ``jdoe``
a folder each      ``jdoe/03_rnn_model.ipynb`` (at any depth)                     ``jdoe``
flat               ``jdoe_03_rnn_model.ipynb`` or ``jdoe-03_rnn_model.ipynb``       ``jdoe``
=================  ===========================================================  ================

What remains of a file's name once the export's part is taken off must be a notebook of the course
(``03_rnn_model.ipynb``), allowing the LMS's resubmission suffix (``-1``, `` (1)``). A file that
matches no student or no notebook, a link, a file too large, or an older copy of a notebook that
the same student resubmitted, is reported with the reason, never dropped silently. Files are read
from the zip one by one; the archive's own paths are never used to write (no path escapes).
"""

import functools
import os
import re
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath

MAX_NOTEBOOK_BYTES = 64 << 20

# (export, pattern on the file's path inside the export, where NOTEBOOK stands for a notebook's file
# name); the first that matches wins.
PATTERNS = [
    ("Moodle", r"(?P<name>[^/]+?)_(?P<id>\d+)_assignsubmission_file_?/?(?P<file>NOTEBOOK)"),
    ("Blackboard", r"[^/]+?_(?P<id>[^/_]+)_attempt_\d{4}(?:-\d\d){5}_(?P<file>NOTEBOOK)"),
    ("Canvas", r"(?P<name>[a-z]+)(?:_LATE)?_(?P<id>\d+)_\d+_(?P<file>NOTEBOOK)"),
    ("folder", r"(?P<id>[A-Za-z0-9][A-Za-z0-9_.@-]*)/(?:[^/]+/)*(?P<file>NOTEBOOK)"),
    ("flat", r"(?P<id>[A-Za-z0-9][A-Za-z0-9.@-]*)[_-](?P<file>NOTEBOOK)"),
]
RESUBMITTED = re.compile(r"(?:-(?P<dash>\d+)| \((?P<paren>\d+)\))$")


def is_export(path):
    """Whether ``path`` is an LMS export rather than a folder of student folders: a zip file, or a
    folder with notebooks at its top level or Moodle's submission folders."""
    path = Path(path)
    if path.is_file():
        return zipfile.is_zipfile(path)
    return any((entry.is_file() and entry.suffix == ".ipynb") or "_assignsubmission_" in entry.name
               for entry in path.iterdir())


def slug(name):
    """A person's name as letters, digits and ``-`` (``"José  Doe"`` -> ``"jose-doe"``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "student"


@functools.lru_cache
def compiled_patterns(notebooks):
    """``PATTERNS`` for the notebook ids ``notebooks`` (a frozenset), compiled."""
    names = "|".join(re.escape(notebook) for notebook in sorted(notebooks, key=len, reverse=True))
    notebook = rf"(?:{names})(?:-\d+| \(\d+\))?\.ipynb"
    return [(export, re.compile(pattern.replace("NOTEBOOK", notebook))) for export, pattern in PATTERNS]


def notebook_of(file_name):
    """``(notebook id, resubmission number)`` of a file name that matched ``NOTEBOOK``."""
    stem = file_name.removesuffix(".ipynb")
    match = RESUBMITTED.search(stem)
    if not match:
        return stem, 0
    return stem[:match.start()], int(match["dash"] or match["paren"])


def classify(path, notebooks):
    """``(student, notebook, resubmission, export)`` for a file's path inside an export, or the
    reason it matches none."""
    if not path.endswith(".ipynb"):
        return "not a notebook (.ipynb)"
    for export, pattern in compiled_patterns(frozenset(notebooks)):
        match = pattern.fullmatch(path)
        if match:
            name = match.groupdict().get("name")
            student = f"{slug(name) if export == 'Moodle' else name}_{match['id']}" if name else match["id"]
            return (student, *notebook_of(match["file"]), export)
    return "its name holds no student id and notebook of the course (e.g. jdoe_03_rnn_model.ipynb)"


def exported_files(source):
    """``(path inside the export, read() -> bytes or None when too large, problem or None)`` per file."""
    source = Path(source)
    if source.is_file():
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                path = info.filename
                if path.startswith("/") or ".." in PurePosixPath(path).parts:
                    yield path, None, "a path that leaves the archive"
                    continue

                def read(info=info):
                    with archive.open(info) as handle:
                        data = handle.read(MAX_NOTEBOOK_BYTES + 1)
                    return data if len(data) <= MAX_NOTEBOOK_BYTES else None
                yield path, read, None
        return
    for folder, subfolders, files in os.walk(source):  # links to folders are not followed
        subfolders.sort()
        for name in sorted(files) + sorted(d for d in subfolders if Path(folder, d).is_symlink()):
            full = Path(folder, name)
            path = full.relative_to(source).as_posix()
            if full.is_symlink():
                yield path, None, "is a link, not a file of the submission"
            else:
                yield path, (lambda full=full: full.read_bytes() if full.stat().st_size <= MAX_NOTEBOOK_BYTES
                             else None), None


def sort_export(source, destination, notebooks):
    """Write every notebook of the export ``source`` (a zip file or a folder) that names a student
    and a course notebook (ids in ``notebooks``) to ``destination/<student>/<notebook>.ipynb``.

    Returns ``{student: {notebook: path inside the export}}`` and the sorted list of
    ``(path inside the export, reason)`` of the files left out.
    """
    destination = Path(destination)
    chosen, unmatched = {}, []  # (student, notebook) -> (path, resubmission number)
    for path, read, problem in exported_files(source):  # read() only while the export is open
        found = problem or classify(path, notebooks)
        if isinstance(found, str):
            unmatched.append((path, found))
            continue
        student, notebook, number, _ = found
        earlier = chosen.get((student, notebook))
        if earlier and earlier[1] >= number:
            unmatched.append((path, f"an older copy: {earlier[0]} is graded for {student}"))
            continue
        data = read()
        if data is None:
            unmatched.append((path, f"larger than {MAX_NOTEBOOK_BYTES >> 20} MiB"))
            continue
        if earlier:
            unmatched.append((earlier[0], f"an older copy: {path} is graded for {student}"))
        target = destination / student / f"{notebook}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        chosen[student, notebook] = (path, number)
    students = {}
    for (student, notebook), (path, _) in sorted(chosen.items()):
        students.setdefault(student, {})[notebook] = path
    return students, sorted(unmatched)
