"""Numerical gradient checking: compare a backward pass with centred finite differences.

For every array ``X`` the relative error is ``|g - n| / (|g| + |n|)`` (Euclidean norms), where
``g`` is the gradient from the backward pass and ``n`` the numerical one,
``n[i] = (L(X + eps e_i) - L(X - eps e_i)) / (2 eps)``. In float64 with ``eps = 1e-6`` a right
backward pass gives errors around 1e-9 or below; anything above 1e-7 deserves a look.
"""

import numpy as np

THRESHOLD = 1e-7

DIAGNOSES = [
    (THRESHOLD, "right"),
    (1e-3, "suspicious: nearly right; look for a small missing term or a float32 array"),
    (np.inf, "wrong: a missing or extra term, a wrong sign, a transpose, or a sum over the wrong axis"),
]


def numerical_gradient(loss, array, epsilon=1e-6):
    """The gradient of the scalar ``loss()`` with respect to ``array``, by centred differences.

    ``array`` is changed in place entry by entry (and restored), so ``loss`` must read it.
    Returns an array of the shape of ``array``.
    """
    gradient = np.zeros_like(array, dtype=np.float64)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + epsilon
        above = loss()
        array[index] = saved - epsilon
        below = loss()
        array[index] = saved
        gradient[index] = (above - below) / (2 * epsilon)
    return gradient


def relative_error(analytic, numeric):
    """``|analytic - numeric| / (|analytic| + |numeric|)``, 0 when both are zero."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if denominator == 0 else float(np.linalg.norm(analytic - numeric) / denominator)


def diagnose(error):
    """A short verdict on a relative error."""
    return next(verdict for limit, verdict in DIAGNOSES if error < limit)


def gradient_check(loss, arrays, gradients, epsilon=1e-6, show=True):
    """Check ``gradients[name]`` against the numerical gradient of ``loss()`` for every name.

    ``arrays`` maps names to the float64 arrays that ``loss()`` reads (they are perturbed in place
    and restored); ``gradients`` maps the same names to the backward pass's results. Prints a table
    when ``show``; returns ``{name: relative error}``.
    """
    errors = {}
    for name, array in arrays.items():
        if array.dtype != np.float64:
            raise TypeError(f"{name} has dtype {array.dtype}: gradient checks need float64 arrays")
        if name not in gradients:
            raise KeyError(f"the backward pass returned no gradient for {name!r}")
        analytic = np.asarray(gradients[name], dtype=np.float64)
        if analytic.shape != array.shape:
            raise ValueError(f"the gradient of {name} has shape {analytic.shape}, "
                             f"but {name} has shape {array.shape}")
        errors[name] = relative_error(analytic, numerical_gradient(loss, array, epsilon))
    if show:
        width = max(len(name) for name in errors)
        for name, error in errors.items():
            print(f"{name:>{width}}  {str(arrays[name].shape):>14}  relative error {error:9.2e}  {diagnose(error)}")
    return errors
