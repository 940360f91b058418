"""The temperature explorer of the sampling lecture: its trace, and a widget that reacts to its controls."""

import base64
import html

import numpy as np
import pytest

from rnnlab.data import load_char_rnn
from rnnlab.widgets.language_model import EOS, load_word_lm_vocabulary
from rnnlab.widgets.sampling import SamplingExplorer, entropy_bits, load_sampling_traces


# A test-side stand-in for the notebook's exercise (rnnlab itself holds no solution).
def softmax_t(z, temperature):
    s = np.asarray(z, dtype=float) / temperature
    e = np.exp(s - s.max())
    return e / e.sum()


@pytest.fixture(scope="module")
def trace():
    return load_sampling_traces()


def shown(widget):
    """What the figure shows now."""
    bars = [bar for bar in widget.bars if bar.get_visible()]
    return {"heights": np.array([bar.get_height() for bar in bars]),
            "orange": [k for k, bar in enumerate(bars) if bar.get_facecolor()[0] > 0.9],
            "dot": (float(widget.entropy_dot.get_xdata()[0]), float(widget.entropy_dot.get_ydata()[0])),
            "ticks": [label.get_text() for label in widget.ax_p.get_xticklabels()],
            "title": widget.title.get_text(), "samples": widget.samples.value,
            "greedy": widget.greedy_text.get_text()}


def test_trace_matches_the_models(trace):
    temperatures = trace["temperatures"]
    assert temperatures[0] == 0.1 and 1.0 in temperatures and temperatures == sorted(temperatures)
    _, vocab = load_char_rnn()
    chars = trace["characters"]
    assert chars["vocab"] == vocab and chars["end"] == "\n" == vocab[0]
    tokens, _ = load_word_lm_vocabulary()
    words = trace["words"]
    assert words["vocab"] == tokens and words["end"] == EOS
    for level, data in (("characters", chars), ("words", words)):
        n = len(data["vocab"])
        for entry in data["contexts"]:
            assert entry["logits"].shape == (n,)
            full = np.array([softmax_t(entry["logits"], T) for T in temperatures])
            np.testing.assert_allclose(entry["entropy"], [entropy_bits(p) for p in full], atol=1e-5)
            if level == "characters":
                np.testing.assert_allclose(entry["probabilities"], full, atol=2e-6)
            else:
                assert list(entry["top"]) == list(np.argsort(-entry["logits"], kind="stable")[:19])
                np.testing.assert_allclose(entry["probabilities"][:, :19], full[:, entry["top"]], atol=2e-6)
                np.testing.assert_allclose(entry["probabilities"].sum(axis=1), 1, atol=1e-4)
            assert len(entry["samples"]) == len(temperatures)
            for batch in entry["samples"]:
                for sample in batch:
                    assert 1 <= len(sample) <= data["max_length"]
                    ends = [k for k, token in enumerate(sample) if token == data["end"]]
                    assert ends in ([], [len(sample) - 1]), "the end token comes once, last, or not at all"
                    assert len(ends) == 1 or len(sample) == data["max_length"]
                    if level == "words":
                        assert "<UNK>" not in sample and all(token in tokens for token in sample)


def test_greedy_is_the_small_temperature_limit(trace):
    """At T = 0.1 the distribution is (nearly) one-hot on the argmax, and the entropy grows with T."""
    for level in ("characters", "words"):
        for entry in trace[level]["contexts"]:
            assert np.all(np.diff(entry["entropy"]) >= -1e-9)
            assert entry["entropy"][-1] <= np.log2(len(trace[level]["vocab"])) + 1e-9
    start = trace["characters"]["contexts"][0]
    assert start["greedy"].startswith("the sain and the sain and")


@pytest.fixture
def explorer():
    return SamplingExplorer(softmax_t)


def test_temperature_slider_redraws_bars_entropy_and_samples(explorer, trace):
    entry = trace["characters"]["contexts"][0]
    k = trace["temperatures"].index(0.5)
    before = explorer.image.value
    explorer.temperature.value = 0.5
    now = shown(explorer)
    np.testing.assert_allclose(now["heights"], softmax_t(entry["logits"], 0.5))
    assert now["orange"] == [int(np.argmax(entry["logits"]))]
    assert now["dot"] == pytest.approx((0.5, entry["entropy"][k]), abs=1e-6)
    assert "T = 0.5" in now["title"] and "your softmax_with_temperature" in now["title"]
    assert entry["samples"][k][0].replace("\n", "↵") in now["samples"]
    assert explorer.image.value != before and explorer.image.value[:4] == b"\x89PNG"
    assert explorer.last_redraw_ms > 0
    explorer.temperature.value = 5.0
    flat = shown(explorer)["heights"]
    assert flat.max() < now["heights"].max() and flat.min() > now["heights"].min()


def test_context_and_level_change_the_axes(explorer, trace):
    explorer.context.value = 2
    now = shown(explorer)
    assert "the ca" in now["title"] and "the ca│" + trace["characters"]["contexts"][2]["greedy"][:20] in now["greedy"]
    assert now["ticks"][0] == "↵" and len(now["heights"]) == 30
    explorer.level.value = "words"
    words = trace["words"]
    assert explorer.context.value == 0 and len(explorer.context.options) == len(words["contexts"])
    explorer.context.value = 1
    explorer.temperature.value = 2.0
    entry = words["contexts"][1]
    k = trace["temperatures"].index(2.0)
    now = shown(explorer)
    assert len(now["heights"]) == 20 and now["ticks"][0] == words["vocab"][entry["top"][0]]
    assert now["ticks"][-1].startswith("other")
    np.testing.assert_allclose(now["heights"], entry["probabilities"][k], atol=1e-5)
    assert "the cat" in now["title"] and html.escape(" ".join(entry["samples"][k][0])) in now["samples"]
    assert html.escape(" ".join(entry["greedy"][:4])) in now["greedy"] or " ".join(entry["greedy"][:4]) in now["greedy"]


def test_without_the_function_the_stored_probabilities_are_shown(trace):
    widget = SamplingExplorer()
    widget.temperature.value = 0.3
    k = trace["temperatures"].index(0.3)
    np.testing.assert_allclose(shown(widget)["heights"], trace["characters"]["contexts"][0]["probabilities"][k])
    assert "stored probabilities" in widget.title.get_text() and widget.status.value == ""


@pytest.mark.parametrize("function, message", [
    (lambda z, T: (_ for _ in ()).throw(NotImplementedError()), "NotImplementedError"),
    (lambda z, T: softmax_t(z, T).reshape(-1, 1), "shape"),
    (lambda z, T: np.exp(z / T) / T, "sum"),
])
def test_a_failing_function_falls_back_and_says_why(function, message, trace):
    widget = SamplingExplorer(function)
    assert message in widget.status.value and "stored probabilities" in widget.title.get_text()
    np.testing.assert_allclose(shown(widget)["heights"], trace["characters"]["contexts"][0]["probabilities"][
        trace["temperatures"].index(1.0)])


def test_a_wrong_but_valid_function_is_shown_with_a_warning():
    widget = SamplingExplorer(lambda z, T: softmax_t(z * T, 1.0))
    assert "differ from the reference" in widget.status.value
    widget.temperature.value = 1.0  # at T = 1 the mistake does not show, but the warning stays for the context
    assert "your softmax_with_temperature" in widget.title.get_text()


def test_static_picture_for_readers_without_a_kernel(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert "sequences sampled at T = 1" in bundle["text/html"] and bundle["image/png"] in bundle["text/html"]
