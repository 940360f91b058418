"""The word-level language model viewer and its assets: loaders, traces, and a widget that reacts to its controls."""

import base64
from collections import Counter

import numpy as np
import pytest

from rnnlab.data import assets_dir
from rnnlab.widgets.language_model import (EOS, UNK, NextWordProbabilities, load_word_lm_traces,
                                           load_word_lm_vocabulary, tokenize)


# Test-side stand-ins for the notebook's three exercises (rnnlab itself holds no solution).
def pairs(tokens, index):
    y = [index.get(token, index[UNK]) for token in tokens] + [index[EOS]]
    return np.array([-1] + y[:-1]), np.array(y)


def log_probability(y_hat, y):
    return float(np.sum(np.log(y_hat[y, np.arange(len(y))])))


def perplexity(y_hat, y):
    return float(np.exp(-log_probability(y_hat, y) / len(y)))


def shown(widget):
    """What the figure shows now."""
    return {"bars": np.array([bar.get_height() for bar in widget.p_bars if bar.get_visible()]),
            "line": np.asarray(widget.log_line.get_ydata(), dtype=float),
            "frame": widget.frame.get_x() + 0.5,
            "top": np.array([bar.get_width() for bar in widget.top_bars]),
            "top_labels": [label.get_text() for label in widget.top_labels],
            "ticks": [label.get_text() for label in widget.ax_p.get_xticklabels()]}


def test_tokenize_splits_words_and_punctuation():
    assert tokenize("The cat sat, and slept.") == ["the", "cat", "sat", ",", "and", "slept", "."]
    assert tokenize("   ") == []


def test_vocabulary_is_the_words_seen_at_least_twice():
    tokens, index = load_word_lm_vocabulary()
    assert tokens[:2] == [EOS, UNK] and index[EOS] == 0 and index[UNK] == 1
    corpus = (assets_dir() / "scripts" / "corpus.txt").read_text().splitlines()
    counts = Counter(token for line in corpus for token in tokenize(line))
    assert set(tokens[2:]) == {token for token, n in counts.items() if n >= 2}
    assert all(index[token] == i for i, token in enumerate(tokens))


def test_traces_are_consistent():
    tokens, index = load_word_lm_vocabulary()
    for trace in load_word_lm_traces():
        assert trace["tokens"] == tokenize(trace["sentence"])
        _, y = pairs(trace["tokens"], index)
        np.testing.assert_array_equal(trace["y"], y)
        np.testing.assert_allclose(trace["running_log_probability"], np.cumsum(np.log(trace["p_actual"])),
                                   atol=1e-4)
        assert trace["perplexity"] == pytest.approx(np.exp(-trace["running_log_probability"][-1] / len(y)), rel=1e-4)
        top = trace["top_probabilities"]
        assert top.shape == (len(y), 8) and np.all(np.diff(top, axis=1) <= 0) and np.all(top.sum(axis=1) <= 1.0001)


@pytest.fixture
def viewer():
    return NextWordProbabilities()  # no functions: precomputed traces only, no TensorFlow


def test_slider_moves_the_frame_and_the_top_guesses(viewer):
    before = viewer.image.value
    viewer.t.value = 3
    now = shown(viewer)
    assert now["frame"] == 3
    np.testing.assert_allclose(now["top"], viewer.data["top_probabilities"][2])
    assert now["top_labels"][0] == viewer.vocab[viewer.data["top_indices"][2][0]]
    assert "step t = 3:" in viewer.caption.get_text() and "y<3>" in viewer.top_title.get_text()
    assert viewer.image.value != before and viewer.image.value[:4] == b"\x89PNG"
    assert viewer.last_redraw_ms > 0
    actual = viewer.data["y"][2]
    colours = [tuple(bar.get_facecolor()) for bar, index in zip(viewer.top_bars, viewer.data["top_indices"][2])
               if index == actual]
    assert all(c[0] > 0.9 for c in colours), "the actual next token is drawn in orange"


def test_picking_an_example_redraws_bars_line_and_ticks(viewer):
    other = viewer.example.options[4]
    viewer.t.value = 5
    viewer.example.value = other
    trace = viewer.traces[other]
    now = shown(viewer)
    assert viewer.text.value == other and viewer.sentence == other
    np.testing.assert_allclose(now["bars"], trace["p_actual"])
    np.testing.assert_allclose(now["line"], trace["running_log_probability"])
    assert now["ticks"][-1] == EOS and len(now["ticks"]) == len(trace["y"])
    assert viewer.t.max == len(trace["y"])
    assert viewer.text.disabled and viewer.source_is_trace()


def test_unknown_words_are_marked(viewer):
    zebra = next(s for s in viewer.traces if "zebra" in s)
    viewer.example.value = zebra
    assert "zebra*" in shown(viewer)["ticks"]


def test_without_keras_the_functions_are_not_run():
    calls = []

    def spy(tokens, index):
        calls.append(tokens)
        return pairs(tokens, index)

    viewer = NextWordProbabilities(spy, log_probability, perplexity, use_keras=False)
    assert viewer.model is None and not calls and viewer.source_is_trace()
    assert "use_keras=False" in viewer.status.value
    viewer.text.value = "a sentence that has no trace"
    assert "Could not score" in viewer.status.value


def test_static_picture_for_readers_without_a_kernel(viewer):
    bundle = viewer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == viewer.image.value


# ---------------------------------------------------------------- with the Keras model
@pytest.fixture(scope="module")
def live():
    return NextWordProbabilities(pairs, log_probability, perplexity)


def test_keras_model_reproduces_the_traces(live):
    assert live.model is not None, live.model_problem
    for sentence, trace in live.traces.items():
        y_hat, y = live.distributions(sentence)
        assert y_hat.shape == (len(live.vocab), len(trace["y"]))
        np.testing.assert_allclose(y_hat.sum(axis=0), 1, atol=1e-5)
        np.testing.assert_allclose(y_hat[y, np.arange(len(y))], trace["p_actual"], rtol=1e-3, atol=1e-6)


def test_typed_sentence_runs_the_students_functions(live):
    live.t.value = 2
    live.text.value = "the cat sat on the wall."
    assert not live.source_is_trace() and live.example.value is None
    y_hat, y = live.distributions("the cat sat on the wall.")
    now = shown(live)
    np.testing.assert_allclose(now["bars"], y_hat[y, np.arange(len(y))], rtol=1e-6)
    np.testing.assert_allclose(now["line"][-1], log_probability(y_hat, y), rtol=1e-6)
    assert now["ticks"] == ["the", "cat", "sat", "on", "the", "wall", ".", EOS]
    assert f"{perplexity(y_hat, y):.1f}" in live.title.get_text()
    live.t.value = 8
    assert shown(live)["frame"] == 8


def test_failing_or_wrong_functions_fall_back_or_explain():
    def unfinished(y_hat, y):
        raise NotImplementedError()

    viewer = NextWordProbabilities(pairs, unfinished, perplexity)
    assert viewer.model is not None and viewer.source_is_trace()
    assert "NotImplementedError" in viewer.status.value
    viewer.text.value = "the dog ran."
    assert "Could not score" in viewer.status.value and viewer.sentence != "the dog ran."

    no_eos = NextWordProbabilities(lambda tokens, index: pairs(tokens, index)[0][1:], log_probability, perplexity)
    assert "training_pairs" in no_eos.status.value or "ValueError" in no_eos.status.value
    short = NextWordProbabilities(lambda tokens, index: tuple(a[:-1] for a in pairs(tokens, index)),
                                  log_probability, perplexity)
    assert "training_pairs returned shapes" in short.status.value
