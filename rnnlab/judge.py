"""Judging a notebook's tests in the grader's own process, not in the student's kernel.

Under grading, a test cell (visible tests, then hidden tests, as written in the source notebook)
runs **here**, in a namespace of the grader's. Only the student's own names (what the solution
cells define, and the values that other cells of the notebook compute) come from the kernel:

- a student's function is a ``Remote`` proxy: calling it sends the arguments to the kernel, runs
  the function there, and brings back its result, the exception it raised, what it printed and
  the changes it made to its arguments (``rnnlab.remote``);
- an object of the kernel (a Keras model, a layer) is a proxy too: its attributes, methods,
  ``len``, ``isinstance`` and ``np.asarray`` are asked of the kernel;
- an object of the grader given to a student's function (a stand-in ``step``, a
  ``CountingGenerator``) stays here: the kernel calls it back; a numpy random generator travels as
  its state and comes back advanced.

So the checking helpers, the hidden references and the expected values never enter the kernel,
and whatever the student's code does to the kernel (patching the helpers or numpy, looking for
the references) cannot change a verdict. Imports and functions of the notebook's other cells are
taken from the source notebook (the instructor's), never from the submission.

The hidden tests draw their random inputs from seeds mixed with the grading seed, chosen when
grading starts: ``np.random.default_rng(7)`` in a hidden test gives other numbers under another
grading seed.
"""

import ast
import builtins
import contextlib
import io
import json
import threading

import numpy as np

from . import remote
from .checks import CheckFailed

HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# Modules whose objects the tests must share with the student's code: used from the kernel.
KERNEL_MODULES = {"keras", "tensorflow"}
STDOUT_KEPT = 64_000
# Kinds of kernel objects that an attribute keeps for good once read (methods, functions, classes).
STABLE_ATTRIBUTES = {"method", "function", "builtin_function_or_method", "type", "ABCMeta"}


class KernelLost(Exception):
    """The kernel died or ran out of time while a test used it (``ename`` says which)."""

    def __init__(self, ename, message):
        super().__init__(message)
        self.ename = ename


class StudentError(Exception):
    """An exception of a type the grader does not have, raised by the student's code in the kernel."""


def segments(source):
    """The code of a test cell as ``[(hidden, code), ...]`` in order, the marker lines left out."""
    parts, hidden, lines = [], False, []
    for line in source.split("\n"):
        marker = line.strip()
        if marker in HIDDEN:
            if any(part.strip() for part in lines):
                parts.append((hidden, "\n".join(lines)))
            hidden, lines = marker == HIDDEN[0], []
        else:
            lines.append(line)
    if any(part.strip() for part in lines):
        parts.append((hidden, "\n".join(lines)))
    return parts


def bound_and_used(tree):
    """``(bound, used)``: the names a piece of code binds anywhere, and those it reads."""
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound, used


def free_names(code):
    """Names ``code`` reads but never binds, builtins left out."""
    bound, used = bound_and_used(ast.parse(code))
    return used - bound - set(dir(builtins))


def _parse(source):
    """A cell's code without IPython's magics and shell lines."""
    return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")))


class SourceNotebook:
    """What the judge needs from an instructor's source notebook.

    ``tests``: ``{grade_id: segments}`` of every test cell; ``imports`` and ``definitions``: the
    statement binding each name imported, or defined by ``def``/``class``, in a cell that is neither
    a solution nor a test; ``kernel_names``: the names bound in the kernel by other statements
    (solution cells, values computed in the notebook), read from the kernel when a test uses them.
    """

    def __init__(self, notebook):
        self.tests, self.imports, self.definitions, self.kernel_names = {}, {}, {}, set()
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("grade") and not grading.get("solution"):
                self.tests[grading["grade_id"]] = segments(cell.source)
                continue
            for statement in _parse(cell.source).body:
                self._add(statement, grading.get("solution", False))

    def _add(self, statement, solution):
        if solution:  # the student's: read from the kernel
            self.kernel_names |= bound_and_used(ast.Module([statement], []))[0]
            if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
                self.definitions.pop(statement.name, None)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                name = (alias.asname or alias.name).split(".")[0]
                module = statement.module if isinstance(statement, ast.ImportFrom) else alias.name
                if (module or "").split(".")[0] in KERNEL_MODULES:
                    self.kernel_names.add(name)
                elif isinstance(statement, ast.ImportFrom):
                    self.imports[name] = ast.unparse(ast.ImportFrom(statement.module, [alias], statement.level))
                else:
                    self.imports[name] = ast.unparse(ast.Import([alias]))
        elif isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            self.definitions[statement.name] = ast.unparse(statement)
        else:  # a value the notebook computes: read from the kernel
            self.kernel_names |= bound_and_used(ast.Module([statement], []))[0]


class Remote:
    """The grader's stand-in for an object of the kernel; each use asks the kernel."""

    def __init__(self, judge, number, type_name, mro=frozenset(), class_name=None):
        self._judge, self._number, self._type_name = judge, number, type_name
        self._mro, self._class_name = mro, class_name

    def __call__(self, *args, **kwargs):
        return self._judge.call({"$yours": self._number}, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_judge", "_number", "_type_name", "_mro", "_class_name"):
            raise AttributeError(name)
        return self._judge.attribute(self, name)

    def __len__(self):
        return self._judge.builtin("len", self)

    def __getitem__(self, key):
        return self._judge.builtin("getitem", self, key)

    def __iter__(self):
        return iter(self._judge.builtin("list", self))

    def __bool__(self):
        return True

    def __instancecheck__(self, value):  # isinstance(x, proxy of a class of the kernel)
        if not isinstance(value, Remote):
            return False
        if self._class_name is not None:  # the kernel said what classes the object's type derives from
            return self._class_name in value._mro
        return bool(self._judge.builtin("isinstance", value, self))

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._judge.builtin("asarray", self), dtype=dtype)

    def __repr__(self):
        return self._judge.builtin("repr", self)


class Verdict:
    """What judging one test cell found: ``error`` (``(ename, evalue)``) or None when it passed;
    ``visible_passed`` is False when a visible test (one the kernel runs too) failed; ``score`` is a partial score the cell
    returned (the quiz), ``output`` what it printed, and ``kernel_lost`` a ``KernelLost`` or None."""

    def __init__(self):
        self.error, self.visible_passed, self.score, self.output, self.kernel_lost = None, True, None, "", None


class Judge:
    """The tests of one notebook, judged against one kernel.

    ``ask(text, callback) -> (reply, printed)`` sends a request to ``rnnlab.remote.serve`` in the
    kernel and returns its reply (a JSON text) and what the kernel printed meanwhile; it calls
    ``callback(text) -> text`` for each call the kernel makes back (``callback`` is None when the
    kernel holds no object of the grader), and raises ``KernelLost``.
    """

    def __init__(self, notebook, ask, grading_seed=0):
        self.source = SourceNotebook(notebook)
        self.ask, self.grading_seed = ask, int(grading_seed)
        self.namespace = {"__builtins__": builtins, "__name__": "__judge__"}
        self.from_kernel = set()  # names of the namespace that were read from the kernel
        self.codec = remote.Codec(self._proxy, lambda value: value._number if isinstance(value, Remote) else None)
        self._proxy_types, self._in_call, self._callback_failure, self._pinned = {}, False, None, set()
        self._attributes = {}
        self._lock = threading.Lock()

    def _proxy(self, number, type_name, mro, class_name):
        kind = self._proxy_types.setdefault(type_name, type(type_name, (Remote,), {}))
        return kind(self, number, type_name, mro, class_name)

    # --- talking to the kernel -------------------------------------------------------------
    def call(self, function, args, kwargs):
        """Call ``function`` (a handle tree or ``{"builtin": name}``) in the kernel with ``args``."""
        if self._in_call:
            raise RuntimeError("the grader cannot use the kernel while the kernel is calling the grader")
        request = {"function": function, "args": self.codec.encode(list(args)), "kwargs": self.codec.encode(kwargs)}
        self._in_call, self._callback_failure = True, None
        try:
            # the kernel can call the grader back only when it holds objects of the grader
            lent = any(not isinstance(value, np.random.Generator) for value in self.codec.objects.values())
            text, printed = self.ask(json.dumps(request), self._callback if lent else None)
            self._in_call = False
            if printed:
                print(printed, end="")
            if self._callback_failure is not None:
                raise self._callback_failure
            try:
                reply = json.loads(text)
                if "after" in reply:
                    remote.update_in_place(list(args), self.codec.decode(reply["after"][0]))
                    remote.update_in_place(kwargs, self.codec.decode(reply["after"][1]))
                if "raised" not in reply:
                    return self.codec.decode(reply["result"], (args, kwargs))
                raised = reply["raised"]
            except (ValueError, KeyError, TypeError, IndexError, RecursionError) as error:
                raise StudentError(f"the kernel's answer could not be read ({type(error).__name__})") from None
            raise _exception(raised)
        finally:
            self._in_call = False
            self._forget_exports()

    def builtin(self, name, *args):
        return self.call({"builtin": name}, args, {})

    def attribute(self, proxy, name):
        """``getattr(proxy, name)`` asked of the kernel; the attributes of a module and the methods of
        an object, which do not change, are asked once."""
        key = (proxy._number, name)
        if key in self._attributes:
            return self._attributes[key]
        value = self.builtin("getattr", proxy, name)
        if proxy._type_name == "module" or isinstance(value, Remote) and value._type_name in STABLE_ATTRIBUTES:
            self._attributes[key] = value
        return value

    def _forget_exports(self):
        """Objects of the grader lent to the kernel for one call are not reachable after it (but
        those bound in the kernel by ``replacing`` are, until its block ends)."""
        self.codec.forget(keep=self._pinned)

    @contextlib.contextmanager
    def replacing(self, **names):
        """The judge's ``rnnlab.checks.replacing``: bind ``names`` in the kernel's namespace (objects of
        the grader stay here and are called back) for the block, then bind back what was there."""
        exported = [id(value) for value in names.values()]
        self._pinned.update(exported)
        try:
            before = self.builtin("replace_globals", names)
            try:
                yield
            finally:
                self.builtin("replace_globals", before)
        finally:
            self._pinned.difference_update(exported)
            self._forget_exports()

    def _overrides(self):
        """Helpers that work differently when the tests are judged here."""
        from .checks import check_keras_model

        return {"replacing": self.replacing,
                "repeat": lambda function, times, *args, **kwargs: self.call(
                    {"builtin": "repeat"}, (function, times, *args), kwargs),
                "check_keras_model": lambda *args, **kwargs: check_keras_model(
                    *args, keras=self._kernel_module("keras"), **kwargs)}

    def _kernel_module(self, name):
        if name not in self._attributes:
            self._attributes[name] = self.builtin("import", name)
        return self._attributes[name]

    def _callback(self, text):
        """Run a call the kernel makes to one of the grader's objects; returns the reply text."""
        try:
            request = json.loads(text)
            target = self.codec.objects[int(request["handle"])]
            method = request.get("method")
            if method is not None:
                if not isinstance(method, str) or method.startswith("_"):
                    raise AttributeError("only public methods of the grader's objects can be called")
                target = getattr(target, method)
            if not callable(target):
                raise TypeError("not callable")
            reply = remote.call(target, request["args"], request["kwargs"], self.codec)
        except Exception as error:
            reply = {"raised": {"type": type(error).__name__, "message": str(error)[:4000], "builtin": False}}
        raised = reply.get("raised")
        if raised and raised["type"] == "CheckFailed" and self._callback_failure is None:
            self._callback_failure = CheckFailed(raised["message"])
        return json.dumps(reply)

    # --- names ---------------------------------------------------------------------------
    def _resolve(self, code):
        """Bind the names ``code`` reads: imports and definitions of the instructor's cells here,
        the student's names (and values the notebook computed) from the kernel."""
        wanted, seen, from_kernel, overrides = list(free_names(code)), set(), [], self._overrides()
        while wanted:
            name = wanted.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.from_kernel or name not in self.namespace:
                if name in overrides:
                    self.namespace[name] = overrides[name]
                elif name in self.source.imports:
                    exec(self.source.imports[name], self.namespace)
                elif name in self.source.definitions:
                    definition = self.source.definitions[name]
                    exec(definition, self.namespace)
                    wanted += free_names(definition)
                elif name in self.source.kernel_names:
                    from_kernel.append(name)
        if from_kernel:
            values = self.builtin("globals", from_kernel)
            for name in from_kernel:
                if name in values:
                    self.namespace[name] = values[name]
                    self.from_kernel.add(name)
                else:
                    self.namespace.pop(name, None)

    # --- judging -------------------------------------------------------------------------
    def run(self, grade_id):
        """Judge the test cell ``grade_id``; returns a ``Verdict``."""
        verdict = Verdict()
        parts = self.source.tests.get(grade_id, [])
        printed = io.StringIO()
        with self._lock, contextlib.redirect_stdout(printed):
            hidden = False
            try:
                self._resolve("\n".join(code for _, code in parts))
                for index, (hidden, code) in enumerate(parts):
                    with self._seeded(hidden):
                        value = self._execute(code, f"<{grade_id}>", last=index == len(parts) - 1)
                    if index == len(parts) - 1 and _is_score(value):
                        verdict.score = float(value)
            except KernelLost as lost:
                verdict.kernel_lost, verdict.error, verdict.visible_passed = lost, (lost.ename, str(lost)), hidden
            except BaseException as error:  # any failure of a test is its verdict
                verdict.error, verdict.visible_passed = (type(error).__name__, str(error)), hidden
        text = printed.getvalue()
        verdict.output = text if len(text) <= STDOUT_KEPT else text[:STDOUT_KEPT] + "\n[... output cut ...]\n"
        return verdict

    def _execute(self, code, filename, last):
        """Run ``code``; when ``last``, return the value of a final expression (a partial score)."""
        tree = ast.parse(code)
        tail = tree.body.pop() if last and tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, filename, "exec"), self.namespace)
        if tail is not None:
            return eval(compile(ast.Expression(tail.value), filename, "eval"), self.namespace)
        return None

    @contextlib.contextmanager
    def _seeded(self, hidden):
        """While hidden tests run, ``np.random.default_rng(seed)`` mixes the grading seed into
        ``seed``, so the hidden inputs change from one grading to another."""
        if not hidden:
            yield
            return
        original = np.random.default_rng

        def default_rng(seed=None):
            if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
                return original(np.random.SeedSequence([self.grading_seed, int(seed)]))
            return original(seed)

        np.random.default_rng = default_rng
        try:
            yield
        finally:
            np.random.default_rng = original


def _is_score(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _exception(raised):
    """The exception to raise here for one the kernel reported (``{"type", "message", "builtin"}``)."""
    name, message = str(raised.get("type")), str(raised.get("message"))
    if name == "CheckFailed":
        return CheckFailed(message)
    kind = getattr(builtins, name, None) if raised.get("builtin") else None
    if isinstance(kind, type) and issubclass(kind, Exception):
        return kind(message)
    return StudentError(f"{name}: {message}")
