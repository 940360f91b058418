"""Checking helpers for the visible and hidden tests of the notebooks.

Every check raises ``CheckFailed`` (an ``AssertionError``) with a message that says
which output is wrong, how (type, shape, value), what was expected and, when the
wrong value matches a known mistake, which mistake it is.  No exercise solution
lives here: the tests pass the expected values in.
"""

import contextlib
import numbers

import numpy as np

__all__ = ["CheckFailed", "CountingGenerator", "check_returns", "check_array", "check_distribution",
           "check_value", "check_indices", "check_draws", "check_cache", "check_keras_model", "check_new_gradients", "check_number", "check_letter",
           "check_letters", "check_all_passed", "replacing", "repeat"]


class CheckFailed(AssertionError):
    """A test found a wrong answer; the message says what is wrong and how to look for it.

    IPython shows the message alone, without a traceback: the frames of the test and of these
    helpers would only push the message down the screen.
    """

    def _render_traceback_(self):
        first, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31mTest failed:\x1b[0m {first}", *rest]


def _fail(what, problem, hint=""):
    message = f"{what}: {problem}"
    if hint:
        message += f"\n  Hint: {hint}"
    raise CheckFailed(message)


def check_returns(what, result, names):
    """Check that a function returned a tuple holding one value per name in ``names``.

    Returns the tuple, so a test can unpack it: ``a, y = check_returns(...)``.
    """
    count = len(names)
    if not isinstance(result, tuple) or len(result) != count:
        got = f"a tuple of {len(result)} values" if isinstance(result, tuple) else type(result).__name__
        _fail(what, f"should return a tuple ({', '.join(names)}) of {count} values, got {got}.",
              "end the function with  return " + ", ".join(names))
    return result


def _matching_mistake(actual, mistakes, atol, rtol):
    for description, wrong in (mistakes or {}).items():
        wrong = np.asarray(wrong)
        if wrong.shape == actual.shape and np.allclose(actual, wrong, atol=atol, rtol=rtol):
            return description
    return None


def check_array(what, actual, expected, *, atol=1e-8, rtol=1e-6, hint="", mistakes=None, integer=False):
    """Check that ``actual`` is a numpy array with the shape and values of ``expected``.

    ``mistakes`` maps a description of a usual mistake to the value that mistake
    produces; when ``actual`` equals one of them, the message names the mistake.
    ``integer=True`` also asks for an integer dtype (indices).
    """
    expected = np.asarray(expected)
    if not isinstance(actual, np.ndarray):
        _fail(what, f"should be a numpy array, got {type(actual).__name__}.",
              "build it with numpy operations (np.dot, np.tanh, ...), not Python lists.")
    if actual.shape != expected.shape:
        description = _matching_mistake(actual, mistakes, atol, rtol)
        _fail(what, f"has shape {actual.shape}, expected {expected.shape}.",
              f"this is what happens with: {description}." if description else hint)
    if not np.issubdtype(actual.dtype, np.number):
        _fail(what, f"has dtype {actual.dtype}, expected numbers.", hint)
    if not np.all(np.isfinite(actual)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(actual))[0])
        _fail(what, f"contains {actual[bad]} at index {bad}; expected only finite numbers.",
              hint or "look for a division by zero or an exponential of a large number.")
    if not np.allclose(actual, expected, atol=atol, rtol=rtol):
        difference = np.abs(actual.astype(float) - expected)
        worst = np.unravel_index(np.argmax(difference), difference.shape)
        worst = tuple(int(i) for i in worst)
        description = _matching_mistake(actual, mistakes, atol, rtol)
        _fail(what,
              f"has the right shape {actual.shape} but wrong values: the largest difference is "
              f"{difference[worst]:.3g} at index {worst} (got {actual[worst]:.6g}, "
              f"expected {expected[worst]:.6g}).",
              f"this is what happens with: {description}." if description else hint)
    if integer and not np.issubdtype(actual.dtype, np.integer):
        _fail(what, f"has dtype {actual.dtype}, expected integers (indices).",
              "build it from Python ints (np.array([...])) or convert it with .astype(int).")


def check_distribution(what, probabilities, axis=0):
    """Check that ``probabilities`` holds probability distributions along ``axis``."""
    probabilities = np.asarray(probabilities, dtype=float)
    if not np.all(np.isfinite(probabilities)) or np.any(probabilities < 0):
        _fail(what, "should hold probabilities, but has negative, infinite or NaN entries.",
              "a softmax gives positive numbers; subtract the maximum before np.exp to avoid overflow.")
    sums = np.atleast_1d(probabilities.sum(axis=axis))
    if np.allclose(sums, 1.0, atol=1e-6):
        return
    if sums.size == 1:  # one distribution: say what it sums to
        _fail(what, f"sums to {sums[0]:.4g}; the probabilities of a distribution sum to 1.",
              "divide the exponentials by their sum.")
    other = [ax for ax in range(probabilities.ndim) if ax != axis]
    along_other = any(np.allclose(probabilities.sum(axis=ax), 1.0, atol=1e-6) for ax in other)
    _fail(what, f"should sum to 1 along axis {axis}, but the sums range from {sums.min():.4g} to {sums.max():.4g}.",
          f"it sums to 1 along another axis: each distribution runs along axis {axis}, so normalise along "
          f"that axis." if along_other else "divide the exponentials by their sum.")


def check_value(what, actual, expected, *, kind=None, hint=""):
    """Check a plain value (an int, a string, ...) for type ``kind`` and equality with ``expected``."""
    kind = kind or type(expected)
    if isinstance(actual, bool) and kind is not bool or not isinstance(actual, kind):
        _fail(what, f"should be of type {kind.__name__}, got {type(actual).__name__} ({actual!r}).", hint)
    if actual != expected:
        _fail(what, f"is {actual!r}, expected {expected!r}.", hint)


def check_indices(what, actual, expected, mistakes=None, hint=""):
    """Check that ``actual`` is a list of ints equal to ``expected``; ``mistakes`` maps a description
    of a usual mistake to the list it produces, named in the message when ``actual`` equals it."""
    if not isinstance(actual, list):
        _fail(what, f"should return a list, got {type(actual).__name__}.",
              "collect the drawn indices with indices.append(...) and return the list.")
    if any(isinstance(k, bool) or not isinstance(k, numbers.Integral) for k in actual):
        _fail(what, f"should hold ints, got {actual!r}.")
    actual = [int(k) for k in actual]
    if actual == list(expected):
        return
    known = [name for name, wrong in (mistakes or {}).items() if actual == list(wrong)]
    _fail(what, f"got {actual}, expected {list(expected)}.",
          f"this is what happens with: {known[0]}." if known else hint)


def check_draws(what, draws, expected, probabilities):
    """Check a list of indices drawn with a seeded generator against ``expected``, the draws of
    ``rng.choice(len(p), p=p)`` with the same seed (``check_indices``); the hint tells the usual
    mistakes apart (the most likely index every time, one index every time, another way of drawing)."""
    hint = ""
    if isinstance(draws, list) and draws and all(isinstance(k, numbers.Integral) for k in draws):
        if all(k == np.argmax(probabilities) for k in draws):
            hint = ("every draw is the most likely index: draw at random from the probabilities with the rng "
                    "you are given.")
        elif len(set(draws)) == 1:
            hint = "every draw is the same index: use the rng you are given, do not make a new generator at each call."
        else:
            hint = ("draw once per call, with the rng you are given and in the way the docstring says (not with "
                    "np.random, not with a new generator).")
    check_indices(what, draws, expected, hint=hint)


def check_cache(what, cache, names, expected, meanings=None):
    """Check a tuple of saved values entry by entry: ``names`` and ``expected`` give each entry's name
    and value, in order; ``meanings`` may say what a name stands for ("the state the step started
    from"). Arrays are compared with ``check_array``, and an entry holding another entry's value is
    named as that mix-up; a dict (the parameters) must have the expected keys."""
    meanings = meanings or {}
    if not isinstance(cache, (tuple, list)) or len(cache) != len(names):
        _fail(what, f"should be the tuple ({', '.join(names)}), got "
              f"{f'{len(cache)} values' if isinstance(cache, (tuple, list)) else type(cache).__name__}.")
    arrays = {name: value for name, value in zip(names, expected) if isinstance(value, np.ndarray)}
    for index, (got, value, name) in enumerate(zip(cache, expected, names)):
        label = f"{what}, entry {index}, which should be {name}" + (f" ({meanings[name]})" if name in meanings else "")
        if isinstance(value, dict):
            if not isinstance(got, dict) or set(got) != set(value):
                _fail(label, f"is not the dict of the {len(value)} parameters the step used.")
        else:
            check_array(label, got, value, hint="keep the order given in the docstring.",
                        mistakes={f"{other} in its place": wrong for other, wrong in arrays.items() if other != name})


def check_keras_model(what, model, *, input_shape, output_shape, recurrent=(), parameters=None, hint="", keras=None):
    """Check a Keras model with one input and one output, built with the functional API: the shapes of
    one input and of one output example (``input_shape``, ``output_shape``, without the batch
    dimension), its recurrent layers as a list of ``(class name, units)`` in order, and its number of
    ``parameters`` (``hint`` says how that number is made). ``keras`` is the module the model was
    made with (by default, this process's)."""
    if keras is None:
        import keras  # only the notebooks that use Keras pay for importing it

    if not isinstance(model, keras.Model):
        _fail(what, f"should return a keras.Model, got {type(model).__name__}.")
    if isinstance(model, keras.Sequential):
        _fail(what, "returned a keras.Sequential model; build it with the functional API: a keras.Input, the "
              "layers called on tensors, then a keras.Model from its inputs and outputs.")
    check_value(f"the input shape of {what}", tuple(model.input_shape), (None, *input_shape),
                hint="the input shape is the shape of one example; Keras adds the batch dimension (None) itself.")
    layers = [(type(layer).__name__, layer.units) for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    check_value(f"the recurrent layers of {what} (kind, units)", layers, list(recurrent))
    got = tuple(model.output_shape)
    check_value(f"the output shape of {what}", got, (None, *output_shape),
                hint="the recurrent layer passes on its state at every step (return_sequences=True), so the model "
                     "predicts at every step: here only the last state should go on." if len(got) == len(output_shape)
                     + 2 and recurrent else "look at the number of units of the last layer.")
    if parameters is not None:
        check_value(f"the number of parameters of {what}", model.count_params(), parameters, hint=hint)


def check_new_gradients(what, result, gradients, before):
    """Check that ``result`` is a new dict with the keys of ``gradients`` and new arrays, and that
    ``gradients`` still holds ``before`` (copies of its arrays taken before the call)."""
    if not isinstance(result, dict):
        _fail(what, f"should return a dict, got {type(result).__name__}.")
    for name in gradients:
        if not np.array_equal(gradients[name], before[name]):
            _fail(what, f"changed its input: gradients[{name!r}] is not what it was before the call.",
                  "write the clipped values into new arrays (np.clip makes a new one unless it is given out=); "
                  "do not change the input's arrays in place.")
    if result is gradients:
        _fail(what, "returned the input dict itself: return a new dict holding new arrays.")
    if set(result) != set(gradients):
        missing = sorted(set(gradients) - set(result))
        _fail(what, f"returned the keys {sorted(result)}, expected {sorted(gradients)}.",
              f"the result has no {', '.join(map(repr, missing))}: every gradient must be in it." if missing else "")
    for name in gradients:
        if isinstance(result[name], np.ndarray) and np.shares_memory(result[name], gradients[name]):
            _fail(what, f"result[{name!r}] is the input's array (or a view of it), so changing one would "
                  "change the other.", "return new arrays (value * 1.0 or value.copy() when nothing needs "
                  "to change).")


MISSING = object()  # what swap_globals gives for a name that was not bound


def swap_globals(names):
    """Bind ``names`` (a dict) in the notebook's namespace (``MISSING`` unbinds a name); returns what
    they were bound to before, to swap back."""
    from IPython import get_ipython

    namespace = get_ipython().user_ns
    before = {name: namespace.get(name, MISSING) for name in names}
    for name, value in names.items():
        if value is MISSING:
            namespace.pop(name, None)
        else:
            namespace[name] = value
    return before


@contextlib.contextmanager
def replacing(**names):
    """Bind ``names`` in the notebook's namespace for the ``with`` block (stand-ins for functions that a
    function under test calls by name), then bind back what was there."""
    before = swap_globals(names)
    try:
        yield
    finally:
        swap_globals(before)


def repeat(function, times, *args, **kwargs):
    """``[function(*args, **kwargs) for _ in range(times)]``: many calls of a function under test
    (when the tests are judged by the grader, they run in the kernel at once)."""
    return [function(*args, **kwargs) for _ in range(times)]


class CountingGenerator:
    """A stand-in for a ``numpy.random.Generator`` that counts the calls of ``choice``.

    Draws come from ``np.random.default_rng(seed)``, so they are the ones a real generator with that
    seed gives. A call beyond the ``limit``-th raises ``CheckFailed`` for ``what`` with ``hint``: a
    loop that never stops fails at once instead of hanging. Other methods go to the real generator.
    """

    def __init__(self, seed, limit, what="the function", hint=""):
        self.generator = np.random.default_rng(seed)
        self.calls = 0
        self.limit, self.what, self.hint = limit, what, hint

    def choice(self, *args, **kwargs):
        self.calls += 1
        if self.calls > self.limit:
            _fail(self.what, f"called rng.choice more than {self.limit} times: the loop did not stop.", self.hint)
        return self.generator.choice(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.generator, name)


def check_number(what, value, expected=None, *, rtol=1e-7, atol=1e-9, mistakes=None, hint=""):
    """Check that ``value`` is one finite number (an int, a float or a 0-d array; not a bool, a string or
    a longer array) and, when ``expected`` is given, that it is close to it. ``mistakes`` maps a
    description of a usual mistake to the number it gives, named in the message when ``value`` is it.
    """
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(what, f"should be a number, got {type(value).__name__} ({value!r}).",
              "write the number itself, such as 42 or 0.5, without quotes." if expected is None
              else "return one number, such as float(np.sum(...)).")
    if not np.isfinite(value):
        _fail(what, f"is {value}; expected a finite number.", hint)
    if expected is None or np.isclose(value, expected, rtol=rtol, atol=atol):
        return
    known = [name for name, wrong in (mistakes or {}).items() if np.isclose(value, wrong, rtol=rtol, atol=atol)]
    _fail(what, f"is {value:.8g}, expected {expected:.8g}.", f"this is what happens with: {known[0]}." if known else hint)


def check_letter(what, value, options):
    """Check that ``value`` is one of the letters of ``options`` (a string such as ``"abcd"``)."""
    if not isinstance(value, str):
        _fail(what, f"should be one letter in quotes, such as \"{options[0]}\", got {type(value).__name__} "
              f"({value!r}).")
    if value not in options or len(value) != 1:
        _fail(what, f"is {value!r}; expected one of the letters {', '.join(repr(o) for o in options)}.",
              "one lowercase letter, in quotes.")


def check_letters(what, value, options):
    """Check that ``value`` is a set of letters of ``options`` (the empty set ``set()`` is allowed)."""
    if not isinstance(value, (set, frozenset)):
        _fail(what, f"should be a set of letters, such as {{\"{options[0]}\", \"{options[-1]}\"}}, got "
              f"{type(value).__name__} ({value!r}).", "write the letters between braces; set() if none applies.")
    wrong = sorted(repr(letter) for letter in value if not isinstance(letter, str) or letter not in options
                   or len(letter) != 1)
    if wrong:
        _fail(what, f"holds {', '.join(wrong)}, which {'is' if len(wrong) == 1 else 'are'} not "
              f"among the options {', '.join(repr(o) for o in options)}.", "lowercase letters, in quotes.")


def check_all_passed(label):
    """Print the line that closes a successful test cell."""
    print(f"All tests passed: {label}.")
