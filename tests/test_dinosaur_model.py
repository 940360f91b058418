"""The model of "Dinosaur Island": the given backward pass is the gradient of the given forward pass,
the hidden tests' reference computes the same, and the worked functions learn to invent names."""

import nbformat
import numpy as np
import pytest
from IPython.utils.capture import capture_output

from conftest import REPO, solution_namespace
from rnnlab.data import load_dinosaur_names
from rnnlab.gradcheck import numerical_gradient, relative_error

ASSIGNMENT = "A2_dinosaur_island"
CHAR_TO_IX = {char: index for index, char in enumerate("\nabcdefghijklmnopqrstuvwxyz")}
IX_TO_CHAR = {index: char for char, index in CHAR_TO_IX.items()}
NAMES = ("rnn_forward", "rnn_backward", "rnn_step_forward", "make_example", "optimize", "sample", "model")


@pytest.fixture(scope="module")
def worked():
    namespace = solution_namespace(ASSIGNMENT)
    assert set(NAMES) <= set(namespace), f"missing in the worked notebook: {set(NAMES) - set(namespace)}"
    return namespace


@pytest.fixture(scope="module")
def references():
    """The hidden tests' references: the grading_references cell of the source notebook, run."""
    source = nbformat.read(REPO / "autograder" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cell = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "grading_references")
    namespace = {}
    exec(cell.source, namespace)
    return namespace


def random_case(seed, n_a, name):
    """Large random parameters (the tanh units far from linear), a name's X and Y, and a random a0."""
    rng = np.random.default_rng(seed)
    parameters = {"Wax": rng.standard_normal((n_a, 27)), "Waa": rng.standard_normal((n_a, n_a)),
                  "Wya": rng.standard_normal((27, n_a)), "b": rng.standard_normal((n_a, 1)),
                  "by": rng.standard_normal((27, 1))}
    X = [None] + [CHAR_TO_IX[char] for char in name]
    return parameters, X, X[1:] + [0], rng.standard_normal((n_a, 1))


CASES = [(0, 5, "minmi"), (1, 8, "opisthocoelicaudia"), (2, 3, "yi"), (3, 1, "x")]


@pytest.mark.parametrize("seed, n_a, name", CASES)
def test_given_backward_pass_is_the_gradient_of_the_forward_pass(worked, seed, n_a, name):
    parameters, X, Y, a0 = random_case(seed, n_a, name)
    gradients, _ = worked["rnn_backward"](X, Y, parameters, worked["rnn_forward"](X, Y, a0, parameters)[1])
    for key, array in parameters.items():
        numeric = numerical_gradient(lambda: worked["rnn_forward"](X, Y, a0, parameters)[0], array)
        assert relative_error(gradients["d" + key], numeric) < 1e-7, key


@pytest.mark.parametrize("seed, n_a, name", CASES)
def test_given_forward_pass_repeats_the_step_and_matches_the_hidden_reference(worked, references, seed, n_a, name):
    parameters, X, Y, a0 = random_case(seed, n_a, name)
    loss, cache = worked["rnn_forward"](X, Y, a0, parameters)
    gradients, a = worked["rnn_backward"](X, Y, parameters, cache)
    a_prev, expected_loss = a0, 0.0
    for t, (x_index, y_index) in enumerate(zip(X, Y), 1):
        xt = np.zeros((27, 1))
        if x_index is not None:
            xt[x_index] = 1
        a_prev, y_hat = worked["rnn_step_forward"](xt, a_prev, parameters)
        np.testing.assert_allclose(a[:, t:t + 1], a_prev, atol=1e-12)
        expected_loss -= np.log(y_hat[y_index, 0])
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    reference_loss, reference_gradients, reference_a = references["_forward_backward"](X, Y, a0, parameters)
    assert loss == pytest.approx(reference_loss, rel=1e-12)
    np.testing.assert_allclose(a, reference_a, atol=1e-12)
    for key, value in reference_gradients.items():
        np.testing.assert_allclose(gradients[key], value, atol=1e-10)


def test_worked_functions_learn_to_invent_dinosaur_names(worked):
    """The full run of the worked notebook: 22,000 names, n_a = 50, a smoothed loss per name of at
    most 23, and samples that look like names without copying the list."""
    names = load_dinosaur_names()
    with capture_output():
        parameters, losses = worked["model"](names, IX_TO_CHAR, CHAR_TO_IX, rng=np.random.default_rng(1))
    assert len(losses) == 22000 and losses[-1] <= 23.0, losses[-1]
    rng = np.random.default_rng(5)
    samples = [worked["sample"](parameters, CHAR_TO_IX, rng) for _ in range(300)]
    ended = [indices for indices in samples if indices[-1] == 0]
    assert len(ended) >= 290, "nearly every sample should end with '\\n' well before 50 characters"
    invented = ["".join(IX_TO_CHAR[i] for i in indices[:-1]) for indices in ended]
    assert 8 <= np.mean([len(name) for name in invented]) <= 14
    assert np.mean([name not in set(names) for name in invented]) >= 0.9
    assert 0.15 <= np.mean([name.endswith("saurus") for name in invented]) <= 0.6
