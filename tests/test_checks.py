"""The checking helpers say what is wrong, and stay quiet when nothing is."""

import numbers

import numpy as np
import pytest

from rnnlab.checks import (CheckFailed, CountingGenerator, check_array, check_distribution, check_indices,
                           check_letter, check_letters, check_new_gradients, check_number, check_returns, check_value)
from rnnlab.quiz import judge_letter, judge_letters, judge_number


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
    with pytest.raises(CheckFailed, match="normalise along axis=0"):
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
