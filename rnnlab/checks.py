"""Checking helpers for the visible and hidden tests of the notebooks.

Every check raises ``CheckFailed`` (an ``AssertionError``) with a message that says
which output is wrong, how (type, shape, value), what was expected and, when the
wrong value matches a known mistake, which mistake it is.  No exercise solution
lives here: the tests pass the expected values in.
"""

import numpy as np

__all__ = ["CheckFailed", "check_returns", "check_array", "check_distribution", "check_value",
           "check_all_passed"]


class CheckFailed(AssertionError):
    """A test found a wrong answer; the message says what is wrong and how to look for it."""


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


def check_array(what, actual, expected, *, atol=1e-8, rtol=1e-6, hint="", mistakes=None):
    """Check that ``actual`` is a numpy array with the shape and values of ``expected``.

    ``mistakes`` maps a description of a usual mistake to the value that mistake
    produces; when ``actual`` equals one of them, the message names the mistake.
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


def check_distribution(what, probabilities, axis=0):
    """Check that ``probabilities`` holds probability distributions along ``axis``."""
    probabilities = np.asarray(probabilities, dtype=float)
    if not np.all(np.isfinite(probabilities)) or np.any(probabilities < 0):
        _fail(what, "should hold probabilities, but has negative, infinite or NaN entries.",
              "a softmax gives positive numbers; subtract the maximum before np.exp to avoid overflow.")
    sums = probabilities.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=1e-6):
        other = [ax for ax in range(probabilities.ndim) if ax != axis]
        along_other = any(np.allclose(probabilities.sum(axis=ax), 1.0, atol=1e-6) for ax in other)
        _fail(what, f"should sum to 1 along axis {axis}, but the sums range from {sums.min():.4g} to "
              f"{sums.max():.4g}.",
              f"it sums to 1 along another axis: normalise along axis={axis} "
              f"(np.sum(..., axis={axis}, keepdims=True))." if along_other
              else "divide the exponentials by their sum.")


def check_value(what, actual, expected, *, kind=None, hint=""):
    """Check a plain value (an int, a string, ...) for type ``kind`` and equality with ``expected``."""
    kind = kind or type(expected)
    if isinstance(actual, bool) and kind is not bool or not isinstance(actual, kind):
        _fail(what, f"should be of type {kind.__name__}, got {type(actual).__name__} ({actual!r}).", hint)
    if actual != expected:
        _fail(what, f"is {actual!r}, expected {expected!r}.", hint)


def check_all_passed(label):
    """Print the line that closes a successful test cell."""
    print(f"All tests passed: {label}.")
