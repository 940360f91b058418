"""The checking helpers say what is wrong, and stay quiet when nothing is."""

import numbers
import re
import traceback

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from rnnlab.checks import (CheckFailed, CountingGenerator, check_array, check_cache, check_distribution, check_draws,
                           check_indices, check_keras_model, check_letter, check_letters, check_new_gradients,
                           check_number, check_returns, check_value)
from rnnlab.gradcheck import numerical_gradient
from rnnlab.quiz import judge_letter, judge_letters, judge_number
from rnnlab.tracebacks import without_helper_frames


def test_check_array_accepts_close_values():
    check_array("a", np.array([[1.0, 2.0]]), [[1.0, 2.0 + 1e-10]])


def test_check_array_names_shape():
    with pytest.raises(CheckFailed, match=r"a_next: has shape \(2, 3\), expected \(3, 2\)"):
        check_array("a_next", np.zeros((2, 3)), np.zeros((3, 2)))


def test_check_array_gives_largest_difference_and_index():
    expected = np.zeros((2, 2))
    actual = expected.copy()
    actual[1, 0] = 0.5
    with pytest.raises(CheckFailed) as failure:
        check_array("y", actual, expected, hint="look at the bias")
    message = str(failure.value)
    assert "largest difference is 0.5 at index (1, 0)" in message
    assert "Hint: look at the bias" in message


def test_check_array_names_a_known_mistake():
    expected, wrong = np.ones(3), np.full(3, 2.0)
    with pytest.raises(CheckFailed, match="this is what happens with: the bias was added twice"):
        check_array("v", wrong.copy(), expected, mistakes={"the bias was added twice": wrong}, hint="other")


def test_check_array_rejects_lists_and_nan():
    with pytest.raises(CheckFailed, match="should be a numpy array, got list"):
        check_array("v", [1.0], np.ones(1))
    with pytest.raises(CheckFailed, match="contains nan at index"):
        check_array("v", np.array([np.nan]), np.ones(1))


def test_check_returns_counts_values():
    assert check_returns("f", (1, 2), ["a", "b"]) == (1, 2)
    with pytest.raises(CheckFailed, match=r"should return a tuple \(a, b\) of 2 values, got ndarray"):
        check_returns("f", np.zeros(2), ["a", "b"])


def test_check_distribution_spots_wrong_axis():
    columns_sum_to_one = np.array([[0.2, 0.5], [0.8, 0.5]])
    check_distribution("p", columns_sum_to_one, axis=0)
    rows_sum_to_one = np.array([[0.2, 0.8], [0.5, 0.5]])
    with pytest.raises(CheckFailed, match="normalise along that axis"):
        check_distribution("p", rows_sum_to_one, axis=0)
    with pytest.raises(CheckFailed, match="negative, infinite or NaN"):
        check_distribution("p", np.array([[np.nan], [1.0]]), axis=0)


def test_check_value_type_and_value():
    check_value("n", np.int64(5), 5, kind=numbers.Integral)
    with pytest.raises(CheckFailed, match="should be of type Integral, got float"):
        check_value("n", 5.0, 5, kind=numbers.Integral)
    with pytest.raises(CheckFailed, match="is 4, expected 5"):
        check_value("n", 4, 5)


def test_check_indices_names_a_known_mistake():
    check_indices("s", [np.int64(1), 2], [1, 2])
    with pytest.raises(CheckFailed, match="this is what happens with: argmax"):
        check_indices("s", [3, 3], [1, 2], mistakes={"argmax": [3, 3]}, hint="other")
    with pytest.raises(CheckFailed, match="should return a list, got tuple"):
        check_indices("s", (1, 2), [1, 2])
    with pytest.raises(CheckFailed, match="should hold ints"):
        check_indices("s", [1.0, 2], [1, 2])


def test_check_new_gradients_spots_in_place_changes_and_missing_keys():
    gradients = {"dW": np.array([3.0, -3.0]), "db": np.array([1.0])}
    before = {name: value.copy() for name, value in gradients.items()}
    check_new_gradients("clip", {"dW": np.array([1.0, -1.0]), "db": np.array([1.0])}, gradients, before)
    with pytest.raises(CheckFailed, match="the result has no 'db'"):
        check_new_gradients("clip", {"dW": np.array([1.0, -1.0])}, gradients, before)
    with pytest.raises(CheckFailed, match="is the input's array"):
        check_new_gradients("clip", {"dW": gradients["dW"][:], "db": np.array([1.0])}, gradients, before)
    np.clip(gradients["dW"], -1, 1, out=gradients["dW"])
    with pytest.raises(CheckFailed, match="changed its input"):
        check_new_gradients("clip", dict(gradients), gradients, before)


def test_counting_generator_replays_a_seed_and_stops_runaway_loops():
    draws = CountingGenerator(3, limit=5, what="sample", hint="stop at max_length")
    real = np.random.default_rng(3)
    p = [0.2, 0.3, 0.5]
    assert [draws.choice(3, p=p) for _ in range(5)] == [real.choice(3, p=p) for _ in range(5)]
    assert draws.calls == 5 and 0 <= draws.random() < 1
    with pytest.raises(CheckFailed, match=r"more than 5 times[\s\S]*Hint: stop at max_length"):
        draws.choice(3, p=p)


def test_quiz_answer_forms_are_checked_without_judging_them():
    check_letter("answer_01", "c", "abcd")
    check_letters("answer_05", set(), "abcde")
    check_number("answer_02", 3)
    for value, message in [("B", "expected one of the letters"), (2, "should be one letter in quotes"),
                           ("ab", "expected one of the letters")]:
        with pytest.raises(CheckFailed, match=message):
            check_letter("answer_01", value, "abcd")
    for value, message in [(["a"], "should be a set of letters"), ({"a", "z"}, "'z', which is not among"),
                           ({1}, "holds 1")]:
        with pytest.raises(CheckFailed, match=message):
            check_letters("answer_05", value, "abcde")
    for value in ("3", True, float("nan"), [3]):
        with pytest.raises(CheckFailed, match="answer_02"):
            check_number("answer_02", value)


def test_quiz_judges_score_as_the_introduction_says(capsys):
    judge_letter("b", "b", "why")
    with pytest.raises(CheckFailed, match=r"you answered 'a'\)\. why"):
        judge_letter("a", "b", "why")
    judge_number(3.5 + 1e-12, 3.5, "why", tolerance=1e-9)
    with pytest.raises(CheckFailed, match="why"):
        judge_number(6, 5, "why")
    assert judge_letters({"a", "c"}, {"a", "c"}, "abcd", 2, "why") == 2 and capsys.readouterr().out == ""
    assert judge_letters({"a", "b", "c", "d"}, {"a", "c"}, "abcd", 2, "why") == 1.0  # everything: never full marks
    assert "not right: b, d. why" in capsys.readouterr().out
    assert judge_letters(set(), {"a", "c"}, "abcd", 2, "why") == 1.0
    assert judge_letters({"b", "d"}, {"a", "c"}, "abcd", 2, "why") == 0.0


def test_check_distribution_speaks_of_one_sum_for_one_vector():
    with pytest.raises(CheckFailed, match=r"p: sums to 1\.641; the probabilities") as failure:
        check_distribution("p", np.array([0.641, 0.5, 0.5]))
    assert "range" not in str(failure.value)


def test_check_number_compares_and_names_a_mistake():
    check_number("loss", np.float64(2.0), 2.0 + 1e-12)
    check_number("loss", np.array(2.0), 2.0)
    with pytest.raises(CheckFailed, match="this is what happens with: the mean"):
        check_number("loss", 0.5, 2.0, mistakes={"the mean instead of the sum": 0.5})
    with pytest.raises(CheckFailed, match=r"loss: should be a number, got ndarray"):
        check_number("loss", np.ones(2), 2.0)


def test_check_draws_tells_argmax_from_other_mistakes():
    p = np.array([0.1, 0.2, 0.7])
    check_draws("draws", [2, np.int64(0)], [2, 0], p)
    with pytest.raises(CheckFailed, match="most likely index"):
        check_draws("draws", [2, 2, 2], [2, 0, 1], p)
    with pytest.raises(CheckFailed, match="same index"):
        check_draws("draws", [1, 1, 1], [2, 0, 1], p)
    with pytest.raises(CheckFailed, match="should hold ints"):
        check_draws("draws", [2.0, 0], [2, 0], p)


def test_a_failed_check_renders_as_its_message_alone():
    failure = CheckFailed("a_next: has shape (2, 3), expected (3, 2).\n  Hint: look at the product")
    lines = failure._render_traceback_()
    assert len(lines) == 2 and lines[0].endswith("a_next: has shape (2, 3), expected (3, 2).")
    assert lines[1] == "  Hint: look at the product"


def test_tracebacks_lose_the_helpers_frames():
    def failing_loss():
        raise ValueError("in the student's code")

    try:
        numerical_gradient(failing_loss, np.ones(2))
    except ValueError as error:
        full, trimmed = error.__traceback__, without_helper_frames(error.__traceback__)
    files = lambda tb: [entry.filename for entry in traceback.extract_tb(tb)]  # noqa: E731
    assert any("rnnlab" in name for name in files(full))
    assert files(trimmed) == [name for name in files(full) if "rnnlab" not in name] and files(trimmed)


def test_a_kernel_shows_messages_and_the_students_frames_only():
    """In a real kernel: a failed check shows only its message; an error in the student's function,
    called by a helper, shows the student's frames and no helper's; an untouched stub says what to do."""
    cells = ["import numpy as np\nfrom rnnlab.checks import check_array\nfrom rnnlab.gradcheck import numerical_gradient",
             "check_array('a_next', np.zeros((2, 3)), np.zeros((3, 2)), hint='look at the product')",
             "def loss():\n    return undefined_name\nnumerical_gradient(loss, np.ones(2))",
             'def rnn_step():\n    raise NotImplementedError("not written yet: replace this line with your code")\n'
             "rnn_step()"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in cells])
    NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=60).execute()
    check, helper, stub = (next(o for o in cell.outputs if o.output_type == "error") for cell in notebook.cells[1:])
    plain = lambda error: re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))  # noqa: E731
    assert plain(check) == "Test failed: a_next: has shape (2, 3), expected (3, 2).\n  Hint: look at the product"
    assert "undefined_name" in plain(helper) and "in loss" in plain(helper)
    assert "gradcheck" not in plain(helper) and "numerical_gradient(loss" in plain(helper)
    assert plain(stub).endswith("NotImplementedError: not written yet: replace this line with your code")


def test_check_cache_names_a_swap_of_two_entries():
    a_next, a_prev, parameters = np.ones((2, 3)), np.zeros((2, 3)), {"Wax": np.ones((2, 2))}
    check_cache("cache", (a_next, a_prev.copy(), parameters), ["a_next", "a_prev", "parameters"],
                [a_next, a_prev, parameters])
    with pytest.raises(CheckFailed, match=r"cache, entry 0, which should be a_next \(the new state\).*\n"
                                          r"  Hint: this is what happens with: a_prev in its place"):
        check_cache("cache", (a_prev, a_next, parameters), ["a_next", "a_prev", "parameters"],
                    [a_next, a_prev, parameters], meanings={"a_next": "the new state"})
    with pytest.raises(CheckFailed, match=r"should be the tuple \(a_next, a_prev, parameters\), got 2 values"):
        check_cache("cache", (a_next, a_prev), ["a_next", "a_prev", "parameters"], [a_next, a_prev, parameters])
    with pytest.raises(CheckFailed, match="entry 2, which should be parameters: is not the dict"):
        check_cache("cache", (a_next, a_prev, {}), ["a_next", "a_prev", "parameters"], [a_next, a_prev, parameters])


def test_check_keras_model_names_what_differs():
    from rnnlab.keras_setup import import_keras

    keras = import_keras()

    def classifier(return_sequences=False):
        x = keras.Input(shape=(5, 3))
        a = keras.layers.LSTM(4, return_sequences=return_sequences)(x)
        return keras.Model(x, keras.layers.Dense(3, activation="softmax")(a))

    expected = dict(input_shape=(5, 3), output_shape=(3,), recurrent=[("LSTM", 4)], parameters=4 * 4 * 8 + 15)
    check_keras_model("model", classifier(), **expected)
    with pytest.raises(CheckFailed, match=r"(?s)the output shape of model: is \(None, 5, 3\).*return_sequences=True"):
        check_keras_model("model", classifier(return_sequences=True), **expected)
    with pytest.raises(CheckFailed, match="functional API"):
        check_keras_model("model", keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.LSTM(4)]), **expected)
    with pytest.raises(CheckFailed, match=r"recurrent layers of model \(kind, units\): is \[\('LSTM', 4\)\], "
                                          r"expected \[\('SimpleRNN', 4\)\]"):
        check_keras_model("model", classifier(), **{**expected, "recurrent": [("SimpleRNN", 4)]})
