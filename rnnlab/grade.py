"""Autograde a folder of submissions: a grade sheet and feedback for every student.

    rnnlab-grade SUBMISSIONS OUT [--timeout SECONDS] [--notebook-timeout SECONDS] [--jobs N]
                 [--scheduler ADDRESS|local] [--memory GIB] [--processes N] [--assignments ID ...]
                 [--seed N] [--unsandboxed] [--quiet]

``SUBMISSIONS`` holds one folder per student (the folder name is the student id) with that
student's notebooks, named as in ``course/`` (e.g. ``03_rnn_model.ipynb``, at any depth). It may
also be a zip file or a folder as a learning-management system exports submissions, with files
named with the student's id (Canvas, Moodle, Blackboard or ``<student>_<notebook>.ipynb``:
``rnnlab.intake``); the files that match no student or notebook are listed in ``OUT/unmatched.csv``.
``OUT`` receives ``grades.csv`` (a row per student; a column per notebook and per graded
exercise; ``problems``, ``flagged``, ``sandbox``, ``seed`` and ``kept`` columns),
``feedback/<student>/<notebook>.html`` (nothing hidden in it),
``autograded/<student>/<notebook>.ipynb`` (for the instructor: all the student's outputs) and
``grading.json`` (what was graded how: a second batch into OUT grades only what changed).

Students are graded ``--jobs`` at a time (default: one per core) with a progress bar, or on a Dask
cluster (``--scheduler``, ``rnnlab.runners``); grading one student is a self-contained job
(``grade_job``: notebooks in; scores, feedback and autograded notebooks out).

Each student is graded in a course folder of their own, with a copy of the gradebook, in a
separate nbgrader process, and every kernel that runs student code runs in a sandbox
(``rnnlab.sandbox``): it cannot read the hidden tests, the solutions or the gradebook, write
anything but its scratch folder, use the network, or outlive its notebook, and its memory,
processes, time and output are limited. The tests are judged in the grader's process, not in
the kernel (``rnnlab.judge``): the kernel only runs the student's functions on the grader's inputs
and hands back their results. A kernel that dies or hangs costs the exercise it was running; the
kernel is restarted and the rest of the notebook graded. A notebook that is missing or cannot be
read scores zero and is named in ``problems``; the batch goes on. Where no sandbox can be made,
grading stops unless ``--unsandboxed`` is given, and the sheet says it ran unsandboxed.
"""

import argparse
import asyncio
import atexit
import copy
import csv
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import astuple, dataclass, replace
from pathlib import Path

import nbformat
import zmq.asyncio
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, Execute
from tqdm import tqdm
from traitlets import Integer

from . import intake, remote, sandbox
from .judge import Judge, KernelLost, StudentError
from .nbgrader_steps import MARK
from .runners import Progress, run_here, run_on_dask
from .build import AUTOGRADER, make_course_root, run_nbgrader, written_assignments
from .settings import REPO

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*")
# What nbclient says when a notebook's kernel did not start in time: the machine was busy, so the
# notebook is graded once more on its own rather than scored zero.
KERNEL_NOT_STARTED = ("Kernel didn't respond", "Kernel died before replying to kernel_info")


SECRET_MARKERS = ("HIDDEN TESTS", "SOLUTION")
REDACTED = "[a line of the hidden tests or of the solution was removed here]"
TIMED_OUT = "this cell ran out of time; the kernel was restarted for the cells after it"
DIED = ("the kernel stopped while this cell ran (a crash, os._exit, a signal or the memory limit); it was "
        "restarted for the cells after it")
# The ename of a test cell whose tests passed in the student's kernel but not when judged by the grader.
UNCONFIRMED = "UnconfirmedPass"
MAX_REPLY = 64 << 20  # characters of one answer of the kernel to the judge
OUTPUTS = (("feedback", ".html"), ("autograded", ".ipynb"))  # what grading a notebook leaves in OUT
RECORD = "grading.json"  # in OUT: what was graded how, so that a second batch grades only what changed


def secret_lines(source):
    """Distinctive lines (stripped, 12 characters or more) that appear only inside the hidden-test and
    solution regions of the source notebook ``source``."""
    inside, outside = set(), set()
    for cell in source.cells:
        within = False
        for line in cell.source.splitlines():
            marker = next((m for m in SECRET_MARKERS if f"### BEGIN {m}" in line or f"### END {m}" in line), None)
            if marker:
                within = f"### BEGIN {marker}" in line
            else:
                (inside if within else outside).add(line.strip())
    return {line for line in inside - outside if len(line) >= 12}


def redact(text, secrets):
    """``text`` with every line that contains one of ``secrets`` replaced by a notice."""
    return "\n".join(REDACTED if any(secret in line for secret in secrets) else line for line in text.split("\n"))


class HideHiddenTests(ClearHiddenTests):
    """Feedback preprocessor: remove hidden tests, and anything in the outputs that would show them.

    A failing test cell keeps only its error's name and message (the checking helpers put what
    is wrong there). Whatever the student's code printed (a hook can print the code of the cell
    being run), every output line that contains a line of a hidden test or of the solution is
    replaced by a notice.
    """

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment")
        source = AUTOGRADER / "source" / str(assignment) / f"{assignment}.ipynb"
        self._secrets = secret_lines(nbformat.read(source, as_version=4)) if source.exists() else set()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code":
            return cell, resources
        test_cell = cell.metadata.get("nbgrader", {}).get("grade")
        for output in cell.outputs:
            if output.output_type == "error":
                if test_cell:
                    output.traceback = [f"{output.ename}: {output.evalue}"]
                output.evalue = redact(output.evalue, self._secrets)
                output.traceback = [redact(line, self._secrets) for line in output.traceback]
            elif output.output_type == "stream":
                output.text = redact(output.text, self._secrets)
            for kind, value in output.get("data", {}).items():
                if isinstance(value, str) and kind.startswith("text/"):
                    output.data[kind] = redact(value, self._secrets)
        return cell, resources


class GuardedExecute(Execute):
    """nbgrader's Execute, made to survive what a hostile notebook does to its kernel.

    - A cell that kills the kernel (a crash, ``os._exit``, a signal, the memory limit) or hangs past
      its timeout gets an error output (so a test cell scores zero); the kernel is restarted, the
      cells before it are run again without keeping their outputs, and grading goes on.
    - All the cells of a notebook share a time budget (``notebook_timeout``); cells beyond it are
      not run and get an error output.
    - A cell keeps at most ``max_output_bytes`` of output: the head, then a notice and the tail;
      error outputs are always kept (a test cell's error is what scores it zero). Messages larger
      than ``max_message_bytes`` are refused by the socket.
    - A test cell of a notebook of the course is judged outside the kernel (``rnnlab.judge``): after
      the kernel has run its visible tests, the grader runs the visible and hidden tests itself,
      calling the student's functions in the kernel, and the cell's outputs become the grader's
      verdict. Tests that passed in the kernel but fail here are marked ``UnconfirmedPass``.
    """

    notebook_timeout = Integer(900, help="seconds all the cells of one notebook may run").tag(config=True)
    max_output_bytes = Integer(64_000, help="bytes of output kept per cell").tag(config=True)
    max_message_bytes = Integer(256 << 20, help="largest message accepted from the kernel").tag(config=True)
    grading_seed = Integer(0, help="mixed into the seeds of the hidden tests' random inputs").tag(config=True)
    tail_bytes = 2_000

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        run_sync(self._execute_guarded)()
        return self.nb, self.resources

    async def _execute_guarded(self):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._kept, self._cut, self._tail = {}, {}, {}
        self._judge, self._comm = self._make_judge(), None
        async with self.async_setup_kernel():
            info = await self.async_wait_for_reply(await ensure_async(self.kc.kernel_info()))
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            lost, running = set(), True  # cells during which the kernel died or hung
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if time.monotonic() > self._deadline:
                    mark(cell, "NotebookTimeoutError",
                         f"not run: the notebook's time limit ({self.notebook_timeout} s) ran out")
                elif not running:
                    mark(cell, "KernelLostError", "not run: the kernel could not be brought back to this point")
                elif not await self._run(cell, index):
                    lost.add(index)
                    running = time.monotonic() < self._deadline and await self._restart(index, lost)
        self.set_widgets_metadata()

    async def _run(self, cell, index, judged=True):
        """Run one cell (and judge it, when it is a test cell and ``judged``); False when the kernel
        died or hung in it (the cell then has an error saying so)."""
        try:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
        except DeadKernelError:
            mark(cell, "KernelDiedError", DIED)
            return False
        except CellTimeoutError:
            mark(cell, "CellTimeoutError", TIMED_OUT)
            return False
        finally:
            self._finish_outputs(cell, index)
        timed_out = [o for o in cell.outputs if o.output_type == "error" and o.ename == "CellTimeoutError"]
        for output in timed_out:  # nbclient interrupted the kernel; it is restarted all the same
            output.evalue, output.traceback = TIMED_OUT, [f"CellTimeoutError: {TIMED_OUT}"]
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if timed_out or not judged or self._judge is None or grade_id not in self._judge.source.tests:
            return not timed_out
        return await self._judge_cell(cell, grade_id)

    def _make_judge(self):
        """The judge of this notebook's tests, from the course's source notebook (None when the
        notebook is not one of the course's: its tests then run in the kernel only)."""
        grading = self.resources.get("nbgrader", {})
        source = AUTOGRADER / "source" / str(grading.get("assignment")) / f"{grading.get('notebook')}.ipynb"
        if not grading.get("assignment") or not source.is_file():
            return None
        loop = asyncio.get_event_loop()

        def ask(text, callback):
            return asyncio.run_coroutine_threadsafe(self._ask(text, callback), loop).result()

        return Judge(nbformat.read(source, as_version=4), ask, self.grading_seed)

    async def _judge_cell(self, cell, grade_id):
        """Judge the test cell ``grade_id`` (its kernel run done) and put the verdict in its outputs;
        False when the kernel was lost meanwhile."""
        kernel_passed = not any(output.output_type == "error" for output in cell.outputs)
        self._judge_deadline = time.monotonic() + self._get_timeout(cell)
        verdict = await asyncio.to_thread(self._judge.run, grade_id)
        cell.outputs = []
        if verdict.output:
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=verdict.output))
        if verdict.error:
            ename, evalue = verdict.error
            if kernel_passed and not verdict.visible_passed and verdict.kernel_lost is None:
                ename, evalue = UNCONFIRMED, ("the tests passed in your kernel, but not when the grader checked the "
                                              f"results of your functions\n{ename}: {evalue}")
            mark(cell, ename, evalue)
        elif verdict.score is not None:
            cell.outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                             data={"text/plain": repr(verdict.score)}))
        return verdict.kernel_lost is None

    async def _ask(self, text, callback):
        """Send one request of the judge to ``rnnlab.remote.serve`` in the kernel; returns the reply
        and what the kernel printed meanwhile. Calls the kernel makes back (``input()`` with
        ``remote.CALLBACK_PROMPT``) are answered by ``callback``; a request that cannot call back
        (``callback`` None) goes as a comm message, which the kernel handles in half the time of
        an execute request (no cell is run)."""
        if callback is None:
            if self._comm is None:
                await self._open_comm()
            message = self.kc.session.msg("comm_msg", {"comm_id": self._comm, "data": {"request": text}})
            self.kc.shell_channel.send(message)
            reply, printed = await self._answer(message["header"]["msg_id"], None, replies=False)
        else:
            code = f"__import__('rnnlab.remote', fromlist=['serve']).serve({text!r})"
            msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=True, stop_on_error=False)
            reply, printed = await self._answer(msg_id, callback)
        if not isinstance(reply, str):
            raise StudentError("the kernel gave no answer to the grader")
        if len(reply) > MAX_REPLY:
            raise StudentError(f"the answer of the kernel is larger than {MAX_REPLY >> 20} MB")
        return reply, printed

    async def _open_comm(self):
        """Open the comm of ``rnnlab.remote.listen`` in the kernel (once per kernel)."""
        code = "__import__('rnnlab.remote', fromlist=['listen']).listen()"
        await self._answer(self.kc.execute(code, silent=True, store_history=False), None)
        comm = uuid.uuid4().hex
        message = self.kc.session.msg("comm_open", {"comm_id": comm, "target_name": remote.COMM_TARGET, "data": {}})
        self.kc.shell_channel.send(message)
        await self._answer(message["header"]["msg_id"], None, replies=False)
        self._comm = comm

    async def _answer(self, msg_id, callback, replies=True):
        """Wait until the kernel is done with the request ``msg_id`` (and has sent its
        ``execute_reply`` when ``replies``); returns the reply it displayed (or None) and what it printed."""
        channels = {channel.socket: channel for channel in (self.kc.iopub_channel, self.kc.stdin_channel,
                                                             self.kc.shell_channel)}
        poller = zmq.asyncio.Poller()
        for socket in channels:
            poller.register(socket, zmq.POLLIN)
        reply, printed, replied, idle = None, [], not replies, False
        while not (replied and idle):
            left = self._judge_deadline - time.monotonic()
            if left <= 0:
                await ensure_async(self.km.interrupt_kernel())
                raise KernelLost("CellTimeoutError", TIMED_OUT)
            ready = dict(await poller.poll(int(min(left, 1.0) * 1000) + 1))
            if not ready and not await ensure_async(self.km.is_alive()):
                raise KernelLost("KernelDiedError", DIED)
            for socket in ready:
                message = await channels[socket].get_msg(timeout=0)
                if message["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "input_request":
                    prompt = content.get("prompt", "")
                    answer = callback(prompt[len(remote.CALLBACK_PROMPT):]) if callback and prompt.startswith(
                        remote.CALLBACK_PROMPT) and len(prompt) <= MAX_REPLY else ""
                    self.kc.input(answer)
                elif kind == "display_data" and remote.MIME in content.get("data", {}):
                    reply = content["data"][remote.MIME]
                elif kind == "stream" and content.get("name") == "stdout" and sum(map(len, printed)) < 64_000:
                    printed.append(content.get("text", ""))
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
        return reply, "".join(printed)

    async def _restart(self, index, lost):
        """A fresh kernel that has run the cells before ``index`` (except those in ``lost``)."""
        self._comm = None
        try:
            await self._async_cleanup_kernel()
            self.km = self.create_kernel_manager()
            await self.async_start_new_kernel()
            await self.async_start_new_kernel_client()
        except Exception as error:  # the kernel cannot start again: the rest is not run
            self.log.error("could not restart the kernel: %s", error)
            if self.km is None:
                self.km = self.create_kernel_manager()
            return False
        for earlier in range(index):
            cell = self.nb.cells[earlier]
            if cell.cell_type != "code" or not cell.source.strip() or earlier in lost:
                continue
            if time.monotonic() > self._deadline:
                return False
            replayed = await self._run(copy.deepcopy(cell), earlier, judged=False)
            self.nb.cells[earlier] = cell  # the replay's outputs are not kept
            if not replayed:
                return False
        return True

    async def async_start_new_kernel_client(self):
        """nbclient's, with sockets that refuse messages over ``max_message_bytes``."""
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        self.kc = self.km.client(context=context)
        await ensure_async(self.kc.start_channels())
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        self.kc.allow_stdin = False
        return self.kc

    def _get_timeout(self, cell):
        """The cell's timeout, cut to what is left of the notebook's budget."""
        left = max(1, int(self._deadline - time.monotonic()))
        return min(self.timeout, left) if self.timeout and self.timeout > 0 else left

    def output(self, outs, msg, display_id, cell_index):
        content = msg["content"]
        size = len(content.get("text", "")) + len(content.get("evalue", "")) + sum(
            len(str(value)) for value in content.get("data", {}).values()) + sum(
            len(line) for line in content.get("traceback", []))
        kept = self._kept.get(cell_index, 0)
        if kept + size <= self.max_output_bytes or msg["msg_type"] == "error":
            self._kept[cell_index] = kept + size
            return super().output(outs, msg, display_id, cell_index)
        self._cut[cell_index] = self._cut.get(cell_index, 0) + size
        if msg["msg_type"] == "stream":
            self._tail[cell_index] = (self._tail.get(cell_index, "") + content["text"])[-self.tail_bytes:]
        return None

    def _finish_outputs(self, cell, index):
        """Add the notice and the tail of a cut output; shorten long errors."""
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.evalue = output.evalue[:self.tail_bytes * 5]
                output.traceback = [line[:self.tail_bytes] for line in output.traceback[:100]]
        cut = self._cut.pop(index, 0)
        if cut:
            text = f"\n[... {cut} characters of output were cut here ...]\n" + self._tail.pop(index, "")
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
        self._kept.pop(index, None)


KERNEL_EVENTS = ("KernelDiedError", "CellTimeoutError", "NotebookTimeoutError", "KernelLostError", UNCONFIRMED)


def kernel_events(notebook):
    """What happened to the kernel while ``notebook`` (an autograded one) ran: ``["<cell>: <event>"]``."""
    events = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error" and output.ename in KERNEL_EVENTS:
                where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
                reason = output.evalue.split("\n")[0]
                events.append(f"{where}: {output.ename}" + (f" ({reason})" if reason else ""))
                break
    return events


def mark(cell, ename, evalue):
    """Give ``cell`` an error output saying what happened (a test cell with an error scores zero)."""
    cell.outputs.append(NotebookNode(output_type="error", ename=ename, evalue=evalue,
                                     traceback=[f"{ename}: {evalue}"]))


def grade_columns(gradebook_path, assignments):
    """``{assignment: [(grade_id, max_score), ...]}`` from a gradebook made by ``make_course_root``.

    Cells worth no points (the hidden set-up cells of the tests) get no column.
    """
    with Gradebook(f"sqlite:///{gradebook_path}") as gradebook:
        return {assignment: [(cell.name, cell.max_score)
                             for notebook in gradebook.find_assignment(assignment).notebooks
                             for cell in sorted(notebook.grade_cells, key=lambda c: c.name)
                             if cell.max_score > 0]
                for assignment in assignments}


def find_submission(student_folder, assignment):
    """The student's notebook for ``assignment`` (the first match at any depth), or None."""
    matches = sorted(student_folder.rglob(f"{assignment}.ipynb"), key=lambda p: (len(p.parts), str(p)))
    return matches[0] if matches else None


LINK = "is a link, not a file of the submission"


def is_link(path, student_folder):
    """Whether ``path`` is a link or leads out of the student's folder (to an instructor's file, say)."""
    return path.is_symlink() or not path.resolve().is_relative_to(student_folder.resolve())


def readable(path, student_folder, grade_ids):
    """None when ``path`` is a notebook nbformat can read and validate, holding at least one of the
    test cells ``grade_ids``; else the reason.

    A link is refused: it could point at a file of the instructor's (a solution, a hidden test).
    """
    if is_link(path, student_folder):
        return LINK
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # any unreadable file is reported, never raised
        return f"cannot be read ({type(error).__name__}: {str(error).splitlines()[0][:120]})"
    if not {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells} & set(grade_ids):
        return "has none of the exercises' test cells (is it the right notebook?)"
    return None


def grade_student(student, student_folder, release_root, out, columns, timeout, kernels=None,
                  notebook_timeout=900, seed=0):
    """Grade one student's notebooks in their own course folder; returns ``(scores, problems)``.

    ``scores`` maps ``(assignment, grade_id)`` to points. ``kernels`` is the folder of the sandboxed
    kernel spec (``sandbox.write_kernel_spec``); None runs kernels unsandboxed. ``seed`` is the
    grading seed of the hidden tests' random inputs (``rnnlab.judge``).
    """
    work = out / "work" / student
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy(release_root / "nbgrader_config.py", work / "nbgrader_config.py")
    (work / "source").symlink_to(release_root / "source", target_is_directory=True)
    shutil.copy(release_root / "gradebook.db", work / "gradebook.db")

    problems, to_grade = [], []
    for assignment in columns:
        path = find_submission(student_folder, assignment)
        grade_ids = [grade_id for grade_id, _ in columns[assignment]]
        reason = "is missing" if path is None else readable(path, student_folder, grade_ids)
        if reason:
            problems.append(f"{assignment}.ipynb {reason}")
            continue
        target = work / "submitted" / student / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        to_grade.append(assignment)

    # The kernels' connection files and sockets: a folder the sandboxed kernel may write, inside
    # one that only the grader can enter (short: a Unix socket's path has at most 107 bytes).
    runtime = Path(tempfile.mkdtemp(prefix="rnnlab-"))
    sockets = runtime / "k"
    sockets.mkdir(mode=0o1777)
    sockets.chmod(0o1777)
    execution = [f"--Execute.timeout={timeout}", f"--GuardedExecute.notebook_timeout={notebook_timeout}",
                 f"--GuardedExecute.grading_seed={seed}"]
    environment = {"TMPDIR": str(sockets)}
    if kernels:
        execution += [f"--Execute.kernel_name={sandbox.KERNEL_NAME}", "--KernelManager.transport=ipc",
                      f"--KernelManager.ip={sockets / 'kernel'}"]
        environment["JUPYTER_PATH"] = str(kernels)

    def autograde(target):
        """Autograde ``target`` and write its feedback, in one nbgrader process; returns the
        autograding's log."""
        options = [target, "--student", student, "--force"]
        notebooks = len(to_grade) if target == "*" else 1
        try:
            log = run_nbgrader(["autograde", *options, *execution, "---", "generate_feedback", *options], work,
                               environment, timeout=(notebook_timeout + 300) * notebooks + 600).stderr
            return log.split(f"{MARK}generate_feedback")[0]
        except Exception as error:  # a hung or crashed grader must not stop the batch
            return f"{type(error).__name__}: {error}"

    def graded(assignment):
        return (work / "autograded" / student / assignment / f"{assignment}.ipynb").exists()

    # One nbgrader process autogrades all of the student's notebooks ("*" matches every submitted
    # one) and then writes all their feedback: one process start-up per student, not two per notebook.
    try:
        detail = autograde(to_grade[0] if len(to_grade) == 1 else "*") if to_grade else ""
        reasons = {assignment: failure_reason(detail, assignment) for assignment in to_grade if not graded(assignment)}
        for assignment, reason in list(reasons.items()):
            if any(sign in reason for sign in KERNEL_NOT_STARTED):  # a loaded machine, not the submission: once more
                detail = autograde(assignment)
                reasons[assignment] = None if graded(assignment) else failure_reason(detail, assignment)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
        sandbox.remove_finished_groups()

    scores = {}
    for assignment in to_grade:
        if reasons.get(assignment):
            problems.append(f"{assignment}.ipynb could not be fully graded ({reasons[assignment]})")
        elif graded(assignment):
            autograded = work / "autograded" / student / assignment / f"{assignment}.ipynb"
            events = kernel_events(nbformat.read(autograded, as_version=4))
            if events:
                problems.append(f"{assignment}.ipynb: " + "; ".join(events))
        scores.update(read_scores(work / "gradebook.db", assignment, student, columns[assignment]))
        for kind, suffix in (("autograded", ".ipynb"), ("feedback", ".html")):
            made = work / kind / student / assignment / f"{assignment}{suffix}"
            if made.exists():
                (out / kind / student).mkdir(parents=True, exist_ok=True)
                shutil.copy(made, out / kind / student / f"{assignment}{suffix}")
    return scores, problems


def read_scores(gradebook_path, assignment, student, cells):
    """``{(assignment, grade_id): points}`` for ``cells`` (``[(grade_id, max_score)]``) from a gradebook.

    Only the autograder's own score counts: a ``manual_score`` (which nbgrader would prefer) was
    not written by this grader and is ignored; a missing grade is 0.
    """
    scores = {}
    with Gradebook(f"sqlite:///{gradebook_path}") as gradebook:
        for grade_id, _ in cells:
            try:
                grade = gradebook.find_grade(grade_id, assignment, assignment, student)
                scores[assignment, grade_id] = float(grade.auto_score or 0)
            except MissingEntry:
                scores[assignment, grade_id] = 0.0
    return scores


def failure_reason(log, assignment):
    """Why nbgrader's ``log`` says ``assignment`` failed: the exception it names, or its error line."""
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if "ERROR" in line and f"/{assignment}" in line:  # the first error line naming the notebook's path
            rest = lines[index + 1:]
            end = next((k for k, later in enumerate(rest) if later.startswith("[") and "Traceback" not in later),
                       len(rest))
            traceback = rest[:end]
            named = [later for later in traceback if "Error" in later]
            return (named[-1] if named else line.split("] ", 1)[-1]).strip()[:200]
    errors = [line for line in lines if "Error" in line or "ERROR" in line]
    return (errors or ["unknown error"])[-1].strip()[:200]


def write_sheet(path, rows, columns, sandboxed=True, seed=0, kept=None):
    """The grade sheet: student, total, then per notebook its total and each exercise's points, the
    problems met, ``flagged`` (tests that passed in the student's kernel but not when the grader
    judged them: look at that submission), whether the student's code ran in a sandbox, the
    grading seed (grading again with ``--seed`` gives the same hidden inputs), and the notebooks
    whose grade was ``kept`` from the last batch (``{student: [notebook id]}``)."""
    header = ["student", "total"]
    for assignment, cells in columns.items():
        header += [assignment] + [f"{assignment}:{grade_id}" for grade_id, _ in cells]
    header += ["problems", "flagged", "sandbox", "seed", "kept"]
    maximum = {"student": "(max)", "problems": "", "flagged": "", "sandbox": "", "seed": "", "kept": ""}
    for assignment, cells in columns.items():
        maximum[assignment] = sum(points for _, points in cells)
        maximum.update({f"{assignment}:{grade_id}": points for grade_id, points in cells})
    maximum["total"] = sum(maximum[assignment] for assignment in columns)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerow(maximum)
        for student, (scores, problems) in rows.items():
            row = {"student": student, "problems": "; ".join(problems), "seed": seed,
                   "kept": " ".join((kept or {}).get(student, [])),
                   "flagged": "yes" if any(UNCONFIRMED in problem for problem in problems) else "",
                   "sandbox": "bubblewrap" if sandboxed else "NONE (graded with --unsandboxed)"}
            for assignment, cells in columns.items():
                row[assignment] = sum(scores.get((assignment, grade_id), 0.0) for grade_id, _ in cells)
                row.update({f"{assignment}:{grade_id}": scores.get((assignment, grade_id), 0.0)
                            for grade_id, _ in cells})
            row["total"] = sum(row[assignment] for assignment in columns)
            writer.writerow(row)


def sort_export(export, out, notebooks, log=print):
    """Sort an LMS export into ``out/work/_submissions/<student>/`` and list the files left out in
    ``out/unmatched.csv``; returns the folder of student folders."""
    folder = out / "work" / "_submissions"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    students, unmatched = intake.sort_export(export, folder, notebooks)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "unmatched.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "reason"])
        writer.writerows(unmatched)
    log(f"{export.name}: {sum(map(len, students.values()))} notebooks of {len(students)} students"
        + (f"; {len(unmatched)} files left out, listed in {out / 'unmatched.csv'}" if unmatched else ""))
    for path, reason in unmatched:
        log(f"  left out: {path}: {reason}")
    return folder


@dataclass(frozen=True)
class Settings:
    """How a batch is graded, the same for every student wherever the student is graded."""
    assignments: tuple
    timeout: int = 60
    notebook_timeout: int = 900
    limits: sandbox.Limits = sandbox.Limits()
    seed: int = 0
    sandboxed: bool = True
    fingerprint: str = ""  # course_fingerprint(assignments): a worker checks that its course is the same

    def notebook_keys(self):
        """``{assignment: digest}`` of everything a notebook's grade depends on but the submission:
        its source (with the hidden tests), the grader's code and data, the seed and the limits.
        A grade is kept for a later batch only under the same key."""
        common = json.dumps([self.timeout, self.notebook_timeout, astuple(self.limits), self.seed, self.sandboxed,
                             digest_of(grader_files())])
        return {a: hashlib.sha256(common.encode() + digest_of([source_of(a)]).encode()).hexdigest()
                for a in self.assignments}


def source_of(assignment):
    return AUTOGRADER / "source" / assignment / f"{assignment}.ipynb"


def digest_of(paths):
    """A digest of the files ``paths`` (inside the repository): their names and contents."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def grader_files():
    """What grading any notebook reads besides its source: the helper package and the course data."""
    return sorted((REPO / "rnnlab").rglob("*.py")) + sorted(p for p in (REPO / "assets").rglob("*") if p.is_file())


def course_fingerprint(assignments):
    """A digest of the course as a worker grades it: the sources, the helper package and the data."""
    return digest_of([source_of(a) for a in assignments] + grader_files())


def prepare_course(root, settings):
    """The released course of ``settings.assignments`` in ``root``: ``(release root, folder of the
    sandboxed kernel spec or None, {assignment: [(grade_id, points)]})``."""
    release_root = root / "_release"
    if release_root.exists():
        shutil.rmtree(release_root)
    make_course_root(release_root, list(settings.assignments))
    kernels = sandbox.write_kernel_spec(root / "_kernels", settings.limits) if settings.sandboxed else None
    return release_root, kernels, grade_columns(release_root / "gradebook.db", list(settings.assignments))


@functools.cache
def worker_course(settings):
    """``prepare_course`` once per worker process, in a folder removed when the process ends."""
    if settings.fingerprint != course_fingerprint(settings.assignments):
        raise RuntimeError("this worker's course (autograder/, rnnlab/, assets/) differs from the grader's: "
                           "give the workers the same version of the course")
    root = Path(tempfile.mkdtemp(prefix="rnnlab-course-"))
    atexit.register(shutil.rmtree, root, True)
    return prepare_course(root, settings)


def grade_job(student, notebooks, settings, course=None):
    """Grade one student, anywhere: ``notebooks`` maps notebook ids to the submitted files' bytes.

    Returns ``{"scores", "problems", "feedback": {id: bytes}, "autograded": {id: bytes}, "seconds"}``.
    ``course`` is ``prepare_course``'s result; by default the worker makes its own, once.
    """
    started = time.perf_counter()
    release_root, kernels, columns = course or worker_course(settings)
    with tempfile.TemporaryDirectory(prefix="rnnlab-job-") as scratch:
        folder, out = Path(scratch) / "in" / student, Path(scratch) / "out"
        folder.mkdir(parents=True)
        for assignment, data in notebooks.items():
            (folder / f"{assignment}.ipynb").write_bytes(data)
        scores, problems = grade_student(student, folder, release_root, out, {a: columns[a] for a in notebooks},
                                         settings.timeout, kernels, settings.notebook_timeout, settings.seed)
        made = {kind: {a: (out / kind / student / f"{a}{suffix}").read_bytes() for a in notebooks
                       if (out / kind / student / f"{a}{suffix}").exists()}
                for kind, suffix in OUTPUTS}
    return {"scores": scores, "problems": problems, **made, "seconds": time.perf_counter() - started}


def submitted_notebooks(folder, assignments):
    """``({assignment: bytes}, problems)`` of a student's folder: the notebooks found (at any depth),
    and a problem for each one missing or that is a link (it could point at an instructor's file)."""
    notebooks, problems = {}, []
    for assignment in assignments:
        path = find_submission(folder, assignment)
        if path is None:
            problems.append(f"{assignment}.ipynb is missing")
        elif is_link(path, folder):
            problems.append(f"{assignment}.ipynb {LINK}")
        else:
            notebooks[assignment] = path.read_bytes()
    return notebooks, problems


def read_record(out):
    """The record of the last batch graded into ``out`` (``grading.json``), or an empty one."""
    try:
        record = json.loads((out / RECORD).read_text())
        return record if isinstance(record.get("students"), dict) else {"students": {}}
    except (OSError, ValueError, AttributeError):
        return {"students": {}}


def write_record(out, record):
    """Write the record atomically: an interrupted batch leaves the last complete one."""
    partial = out / (RECORD + ".partial")
    partial.write_text(json.dumps(record, indent=1, sort_keys=True))
    partial.replace(out / RECORD)


def busy_core_seconds():
    """Seconds the machine's processors have been busy since it started, all cores added up (Linux's
    /proc/stat; None elsewhere). Processes in sandboxes count too, which a process's own resource
    usage would miss: a killed kernel's time is never handed back to its parent."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for input or output
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def grade_all(submissions, out, timeout=60, jobs=None, assignments=None, log=print, limits=sandbox.Limits(),
              notebook_timeout=900, unsandboxed=False, seed=None, scheduler=None, progress=False):
    """Grade every student folder in ``submissions`` into ``out``; returns ``{student: (scores, problems)}``.

    ``submissions`` may also be an LMS export (``rnnlab.intake``). ``assignments`` limits grading to
    those notebook ids (default: every notebook of the course). ``limits`` bound each student's
    kernel; ``unsandboxed`` grades without a sandbox when none can be made (the sheet says so).
    ``seed`` is the grading seed (default: the last batch's in ``out``, else chosen now at random).
    ``jobs`` students are graded at once (default: one per core), here or, with ``scheduler`` (an
    address or ``"local"``), on a Dask cluster (``rnnlab.runners``). A notebook graded into ``out``
    before, unchanged since and graded the same way (seed, settings, course), keeps its grade: the
    sheet's ``kept`` column names those notebooks. ``progress`` shows a progress bar on stderr.
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not (submissions.is_dir() or zipfile.is_zipfile(submissions)):
        raise SystemExit(f"{submissions} is neither a folder of student folders nor an export (a zip or a folder)")
    if out == submissions or out.is_relative_to(submissions):
        raise SystemExit("OUT must not be inside SUBMISSIONS")
    why_not = sandbox.unavailable()
    if why_not and not unsandboxed:
        raise SystemExit(f"cannot sandbox student code: {why_not}.\nInstall bubblewrap, or pass --unsandboxed "
                         "to grade without a sandbox (only for submissions you trust).")
    record = read_record(out)
    seed = int(seed) if seed is not None else record.get("seed", secrets.randbelow(2**31))
    log(f"grading seed {seed} (grade again with --seed {seed} for the same hidden inputs)")
    if why_not:
        log(f"WARNING: grading without a sandbox ({why_not})")
    elif not (os.geteuid() == 0 and sandbox.control_groups_work()):
        log("note: memory is capped per process of a kernel, not for all of them together "
            "(that needs root and control groups)")
    known = written_assignments()
    unknown = sorted(set(assignments or []) - set(known))
    if unknown:
        raise SystemExit(f"unknown notebook id(s) {unknown}; the course has {known}")
    assignments = [a for a in known if a in assignments] if assignments else known
    if intake.is_export(submissions):
        submissions = sort_export(submissions, out, known, log)
    settings = Settings(tuple(assignments), timeout, notebook_timeout, limits, seed, not why_not,
                        course_fingerprint(assignments))
    jobs = jobs or os.cpu_count() or 1
    # The release here gives the sheet's columns and, grading here, the students' course; Dask
    # workers make their own.
    here = prepare_course(out / "work", replace(settings, sandboxed=settings.sandboxed and not scheduler))
    columns, course = here[2], None if scheduler else here

    rows, kept, to_grade = {}, {}, []
    keys, graded_before = settings.notebook_keys(), record["students"]
    record = {"seed": seed, "students": {}}
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir()):
        if folder.is_symlink():  # it could point at the instructor's files
            rows[folder.name] = ({}, ["is a link, not a student's folder"])
            continue
        if not STUDENT_ID.fullmatch(folder.name):
            rows[folder.name] = ({}, ["folder name is not a valid student id (letters, digits, _ . @ -)"])
            continue
        student = folder.name
        notebooks, problems = submitted_notebooks(folder, assignments)
        # grades of notebooks outside this batch's selection stay in the record for a later batch
        record["students"][student] = {a: entry for a, entry in graded_before.get(student, {}).items()
                                       if a not in assignments}
        scores, kept[student] = {}, []
        for assignment in list(notebooks):
            before = graded_before.get(student, {}).get(assignment)
            digest = hashlib.sha256(notebooks[assignment]).hexdigest()
            if before and before.get("sha256") == digest and before.get("key") == keys[assignment] and all(
                    (out / kind / student / f"{assignment}{suffix}").exists() for kind, suffix in OUTPUTS):
                del notebooks[assignment]
                kept[student].append(assignment)
                record["students"][student][assignment] = before
                scores.update({(assignment, grade_id): points for grade_id, points in before["scores"].items()})
                problems += before["problems"]
        rows[student] = (scores, problems)
        if notebooks:
            to_grade.append((student, notebooks, settings, course))
    graded_now = sum(len(job[1]) for job in to_grade)
    log(f"{len(rows)} students: {graded_now} notebooks to grade"
        + (f", {sum(map(len, kept.values()))} kept from the last batch (unchanged)" if any(kept.values()) else "")
        + (f", on the Dask cluster {scheduler}" if scheduler else f", {jobs} at a time"))

    busy_before = busy_core_seconds()
    bar = Progress(len(to_grade), shown=progress)
    run = (lambda: run_on_dask(grade_job, to_grade, scheduler, jobs)) if scheduler else (
        lambda: run_here(grade_job, to_grade, jobs))
    failed = 0
    for (student, notebooks, _, _), result in run():
        scores, problems = rows[student]
        if isinstance(result, Exception):
            failed += 1
            problems += [f"{a}.ipynb could not be graded ({type(result).__name__}: {str(result)[:160]})"
                         for a in notebooks]
            scores.update({(a, grade_id): 0.0 for a in notebooks for grade_id, _ in columns[a]})
            log(f"could not grade {student}: {type(result).__name__}: {result}")
        else:
            scores.update(result["scores"])
            problems += result["problems"]
            for assignment in notebooks:
                for kind, suffix in OUTPUTS:
                    target = out / kind / student / f"{assignment}{suffix}"
                    target.unlink(missing_ok=True)
                    if assignment in result[kind]:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(result[kind][assignment])
                own = [p for p in result["problems"] if p.startswith(f"{assignment}.ipynb")]
                if not any("could not be" in p for p in own):  # a grader's failure is tried again next time
                    record["students"][student][assignment] = {
                        "sha256": hashlib.sha256(notebooks[assignment]).hexdigest(), "key": keys[assignment],
                        "problems": own,
                        "scores": {grade_id: scores.get((assignment, grade_id), 0.0)
                                   for grade_id, _ in columns[assignment]}}
            write_record(out, record)
            log(f"graded {student} in {result['seconds']:.1f} s" + (f" ({'; '.join(problems)})" if problems else ""))
        rows[student] = (scores, problems)
        bar.done(isinstance(result, Exception) or any("could not" in p for p in problems))
    elapsed = bar.close()
    rows = dict(sorted(rows.items()))
    write_sheet(out / "grades.csv", rows, columns, sandboxed=not why_not, seed=seed, kept=kept)
    write_record(out, record)
    busy = busy_core_seconds() - busy_before if busy_before is not None else None
    students = len(to_grade)
    log(f"wrote {out / 'grades.csv'} ({len(rows)} students)")
    if students:
        log(f"graded {students} students in {elapsed:.0f} s: {elapsed / students:.1f} s per student"
            + (f", this machine's processors busy {busy / students:.1f} core-seconds per student"
               if busy is not None and not scheduler else "")
            + f"; {failed} failed, {sum(any(UNCONFIRMED in p for p in r[1]) for r in rows.values())} flagged")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder with one folder of notebooks per student, "
                        "or a zip file or folder as a learning-management system exports them")
    parser.add_argument("out", type=Path, help="folder for grades.csv, feedback/ and autograded/")
    parser.add_argument("--timeout", type=int, default=60, help="seconds a cell may run (default 60)")
    parser.add_argument("--notebook-timeout", type=int, default=900,
                        help="seconds all the cells of one notebook may run (default 900)")
    parser.add_argument("--jobs", type=int, help="students graded at once here, or workers of a local "
                                                 "Dask cluster (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786), or "
                             "on a local Dask cluster of --jobs workers with 'local'; the workers need the "
                             "same course and environment, not the same disk")
    parser.add_argument("--memory", type=float, default=sandbox.Limits.memory / 2**30,
                        help="GiB of memory each process of a student's kernel may use (default %(default)g)")
    parser.add_argument("--processes", type=int, default=sandbox.Limits.processes,
                        help="processes and threads a student's kernel may run (default %(default)s)")
    parser.add_argument("--assignments", nargs="+", metavar="ID",
                        help="grade only these notebooks, e.g. 03_rnn_model (default: all)")
    parser.add_argument("--seed", type=int, help="grading seed of the hidden tests' random inputs "
                                                 "(default: the last batch's in OUT, else chosen at random; "
                                                 "the sheet records it)")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="grade even where no sandbox can be made (student code can then reach "
                             "the hidden tests, the gradebook and the network); the sheet says so")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    limits = sandbox.Limits(memory=int(args.memory * 2**30), processes=args.processes)
    grade_all(args.submissions, args.out, args.timeout, args.jobs, args.assignments, limits=limits,
              notebook_timeout=args.notebook_timeout, unsandboxed=args.unsandboxed, seed=args.seed,
              scheduler=args.scheduler, progress=not args.quiet, log=tqdm.write if not args.quiet else print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
