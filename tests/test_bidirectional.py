"""The bidirectional-RNN explorer reacts to its controls, runs the functions it is given, and falls back
to the shipped traces; the loaders give the documented shapes."""

import numpy as np
import pytest

from rnnlab.widgets.bidirectional import BidirectionalExplorer, load_birnn, load_birnn_traces, words_of


def reference_rnn_states(x, a0, params, reverse=False):
    """The exercise's RNN pass (instructor-side copy, used to check the widget and the traces)."""
    n_a, T_x = a0.shape[0], x.shape[2]
    a = np.zeros((n_a, x.shape[1], T_x))
    a_prev = a0
    for t in (range(T_x - 1, -1, -1) if reverse else range(T_x)):
        a_prev = np.tanh(params["Waa"] @ a_prev + params["Wax"] @ x[:, :, t] + params["ba"])
        a[:, :, t] = a_prev
    return a


def reference_birnn_forward(x, a0_fwd, a0_bwd, params_fwd, params_bwd, Wy, by):
    both = np.concatenate([reference_rnn_states(x, a0_fwd, params_fwd),
                           reference_rnn_states(x, a0_bwd, params_bwd, reverse=True)], axis=0)
    z = np.einsum("yk,kmt->ymt", Wy, both) + by[:, :, None]
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@pytest.fixture()
def explorer():
    return BidirectionalExplorer(birnn_forward=reference_birnn_forward, rnn_states=reference_rnn_states)


def shown(widget):
    frames = {round(frame.get_x() + 0.5) for frame in widget.frames}
    assert len(frames) == 1, "both heatmaps frame the same word"
    return {"column": frames.pop(), "pred_column": round(widget.pred_frame.get_x() + 0.5),
            "fwd": np.asarray(widget.heatmaps["fwd"].get_array()), "bwd": np.asarray(widget.heatmaps["bwd"].get_array()),
            "unread_fwd": (widget.unread["fwd"].get_x(), widget.unread["fwd"].get_width()),
            "unread_bwd": (widget.unread["bwd"].get_x(), widget.unread["bwd"].get_width()),
            "both": [bar.get_height() for bar in widget.bars["both"]],
            "forward": [bar.get_height() for bar in widget.bars["forward"]],
            "caption": widget.caption.value,
            "read_fwd": widget.caption.value.count('<b style="color:#2b6cb0">'),
            "read_bwd": widget.caption.value.count('<b style="color:#c05621">')}


def test_loaders_give_the_documented_shapes():
    model = load_birnn()
    n_x, n_a = len(model["vocab"]), 8
    for direction in ("params_fwd", "params_bwd"):
        p = model[direction]
        assert p["Wax"].shape == (n_a, n_x) and p["Waa"].shape == (n_a, n_a) and p["ba"].shape == (n_a, 1)
    assert model["Wy"].shape == (2, 2 * n_a) and model["by"].shape == (2, 1)
    uni = model["forward_only"]
    assert uni["Wax"].shape == (n_a, n_x) and uni["Wya"].shape == (2, n_a) and uni["by"].shape == (2, 1)
    assert model["tags"] == ["other", "name"]
    traces = load_birnn_traces()
    assert traces[0]["sentence"] == "he said , teddy bears are on sale"
    assert traces[1]["sentence"] == "he said , teddy roosevelt was a great president"
    for trace in traces:
        T = len(trace["words"])
        assert len(trace["tags"]) == T
        assert trace["a_fwd"].shape == trace["a_bwd"].shape == (n_a, T)
        assert trace["y_hat"].shape == trace["y_hat_forward_only"].shape == (2, T)


def test_traces_are_the_shipped_models_run_by_the_reference():
    model = load_birnn()
    index = {word: i for i, word in enumerate(model["vocab"])}
    zeros = np.zeros((8, 1))
    for trace in load_birnn_traces():
        words = trace["words"]
        x = np.zeros((len(index), 1, len(words)))
        x[[index[w] for w in words], 0, np.arange(len(words))] = 1
        a_fwd = reference_rnn_states(x, zeros, model["params_fwd"])[:, 0]
        a_bwd = reference_rnn_states(x, zeros, model["params_bwd"], reverse=True)[:, 0]
        y_hat = reference_birnn_forward(x, zeros, zeros, model["params_fwd"], model["params_bwd"], model["Wy"],
                                        model["by"])[:, 0]
        np.testing.assert_allclose(a_fwd, trace["a_fwd"], atol=1e-6)
        np.testing.assert_allclose(a_bwd, trace["a_bwd"], atol=1e-6)
        np.testing.assert_allclose(y_hat, trace["y_hat"], atol=1e-6)
        # The trained model tags every example right; the forward-only one hedges on the ambiguous words.
        assert list(trace["y_hat"].argmax(axis=0)) == trace["tags"]


def test_the_forward_only_model_cannot_tell_the_lecture_sentences_apart():
    traces = {trace["sentence"]: trace for trace in load_birnn_traces()}
    bears, roosevelt = traces["he said , teddy bears are on sale"], traces["he said , teddy roosevelt was a great president"]
    teddy = 3
    assert bears["y_hat_forward_only"][1, teddy] == pytest.approx(roosevelt["y_hat_forward_only"][1, teddy])
    assert 0.2 < bears["y_hat_forward_only"][1, teddy] < 0.8
    assert bears["y_hat"][1, teddy] < 0.05 and roosevelt["y_hat"][1, teddy] > 0.95
    np.testing.assert_allclose(bears["a_fwd"][:, : teddy + 1], roosevelt["a_fwd"][:, : teddy + 1])


def test_starts_at_the_ambiguous_word_and_uses_the_given_functions(explorer):
    assert explorer.t.value == 4  # "teddy"
    assert explorer.source == "your rnn_states and birnn_forward"
    assert explorer.status.value == ""
    assert "teddy" in shown(explorer)["caption"]


def test_slider_moves_the_frames_and_the_faded_words(explorer):
    steps = len(explorer.words)
    before = bytes(explorer.image.value)
    explorer.t.value = 2
    now = shown(explorer)
    assert now["column"] == now["pred_column"] == 1
    assert now["unread_fwd"] == (1.5, steps - 2)  # words 3..T not read yet going forwards
    assert now["unread_bwd"] == (-0.5, 1)  # word 1 not read yet going backwards
    assert now["read_fwd"] == 2 and now["read_bwd"] == steps - 1  # "he said" / "said , teddy bears ... sale"
    assert 'word <b>t = 2</b>, "said"' in now["caption"]
    assert bytes(explorer.image.value) != before
    explorer.t.value = steps
    now = shown(explorer)
    assert now["unread_fwd"][1] == 0 and now["unread_bwd"][1] == steps - 1
    assert now["read_fwd"] == steps and now["read_bwd"] == 1
    assert explorer.last_redraw_ms is not None and explorer.last_redraw_ms < 1000


def test_new_example_changes_the_heatmaps_and_the_bars(explorer):
    first = shown(explorer)
    explorer.example.value = "he said , teddy roosevelt was a great president"
    now = shown(explorer)
    assert now["fwd"].shape == (8, 9) and len(now["both"]) == 9
    np.testing.assert_allclose(now["fwd"][:, :4], first["fwd"][:, :4])  # same first four words
    assert not np.allclose(now["bwd"][:, 3], first["bwd"][:, 3])  # but "teddy" reads differently backwards
    assert now["both"][3] > 0.95 and first["both"][3] < 0.05
    assert now["forward"][3] == pytest.approx(first["forward"][3])
    assert explorer.t.max == 9


def test_typed_sentence_is_run_with_the_functions(explorer):
    explorer.text.value = "We saw Summer Lopez, at the market"
    assert explorer.words == ["we", "saw", "summer", "lopez", ",", "at", "the", "market"]
    assert explorer.example.value is None
    now = shown(explorer)
    assert now["fwd"].shape == (8, 8) and now["both"][2] > 0.5
    explorer.text.value = "we saw summer dresses at the market"
    assert shown(explorer)["both"][2] < 0.5


def test_unknown_words_are_reported_and_nothing_changes(explorer):
    before = shown(explorer)
    explorer.text.value = "teddy bears are purple"
    assert "purple" in explorer.status.value and "#b00020" in explorer.status.value
    np.testing.assert_array_equal(shown(explorer)["fwd"], before["fwd"])


def test_without_functions_the_traces_are_shown_and_typing_is_off():
    widget = BidirectionalExplorer()
    assert widget.source == "precomputed trace" and widget.text.disabled
    trace = load_birnn_traces()[0]
    np.testing.assert_allclose(shown(widget)["bwd"], trace["a_bwd"])


def test_a_failing_or_wrong_function_is_reported():
    def broken(*args, **kwargs):
        raise ValueError("not written yet")

    widget = BidirectionalExplorer(birnn_forward=broken, rnn_states=reference_rnn_states)
    assert "birnn_forward failed" in widget.status.value and "not written yet" in widget.status.value
    assert widget.source == "your rnn_states"

    def reversed_states(x, a0, params, reverse=False):  # the classic mistake: stored in reading order
        a = reference_rnn_states(x, a0, params, reverse)
        return a[:, :, ::-1] if reverse else a

    widget = BidirectionalExplorer(rnn_states=reversed_states)
    assert "a_bwd differs" in widget.status.value
    trace = load_birnn_traces()[0]
    np.testing.assert_allclose(shown(widget)["bwd"], trace["a_bwd"][:, ::-1], atol=1e-6)  # shows the student's values


def test_static_png_is_offered(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle
