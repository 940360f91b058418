"""Judging the answers of the week quiz, for its hidden tests. No answer key lives here: the hidden
tests pass the key and the explanation in.

Scoring rules (stated in the quiz's introduction): a single choice or a number scores all of its
points or none; a "select all that apply" question judges each option separately (selected when it
is right, left out when it is wrong) and scores ``points * (options judged right) / (options)``, so
selecting every option never scores full marks.
"""

from .checks import CheckFailed


def judge_letter(value, key, why):
    """Raise ``CheckFailed`` with the explanation ``why`` unless ``value == key``."""
    if value != key:
        raise CheckFailed(f"Not the expected answer (you answered {value!r}). {why}")


def judge_number(value, key, why, tolerance=0.0):
    """Raise ``CheckFailed`` with ``why`` unless ``|value - key| <= tolerance * max(1, |key|)``."""
    if abs(value - key) > tolerance * max(1.0, abs(key)):
        raise CheckFailed(f"Not the expected answer (you answered {value!r}). {why}")


def judge_letters(value, key, options, points, why):
    """The score of a "select all that apply" answer (``value`` and ``key`` are sets of letters).

    Prints, when the answer is not all right, which options were judged wrong and the explanation
    ``why``; returns ``points * right / len(options)``, rounded to 2 decimals.
    """
    wrong = [option for option in options if (option in value) != (option in key)]
    if wrong:
        print(f"{len(options) - len(wrong)} of the {len(options)} options judged right; not right: "
              f"{', '.join(wrong)}. {why}")
    return round(points * (len(options) - len(wrong)) / len(options), 2)
