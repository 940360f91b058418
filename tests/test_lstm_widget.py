"""The LSTM gate inspector reacts to its controls by changing its figure's data."""

import base64

import numpy as np
import pytest

from rnnlab import data
from rnnlab.widgets import LSTMGateInspector

GATES = ("ft", "it", "cct", "ot")
ARRAYS = ("ft", "it", "cct", "ot", "c", "a", "y")


def reference_lstm_forward(x, a0, parameters):
    """The course's LSTM forward pass (instructor-side copy, used to check the widget and the traces)."""
    p = parameters
    n_x, m, steps = x.shape
    n_a, n_y = p["Wf"].shape[0], p["Wy"].shape[0]
    a, c, y = np.zeros((n_a, m, steps)), np.zeros((n_a, m, steps)), np.zeros((n_y, m, steps))
    a_next, c_next = a0, np.zeros((n_a, m))
    caches = []
    for t in range(steps):
        a_prev, c_prev, xt = a_next, c_next, x[:, :, t]
        concat = np.concatenate([a_prev, xt], axis=0)
        ft = 1 / (1 + np.exp(-(p["Wf"] @ concat + p["bf"])))
        it = 1 / (1 + np.exp(-(p["Wi"] @ concat + p["bi"])))
        cct = np.tanh(p["Wc"] @ concat + p["bc"])
        c_next = ft * c_prev + it * cct
        ot = 1 / (1 + np.exp(-(p["Wo"] @ concat + p["bo"])))
        a_next = ot * np.tanh(c_next)
        z = p["Wy"] @ a_next + p["by"]
        e = np.exp(z - z.max(axis=0, keepdims=True))
        a[:, :, t], c[:, :, t], y[:, :, t] = a_next, c_next, e / e.sum(axis=0, keepdims=True)
        caches.append((a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p))
    return a, y, c, (caches, x)


@pytest.fixture(scope="module")
def inspector():
    return LSTMGateInspector()


def shown(inspector):
    """What the figure shows now: framed column, chosen unit's curve and marker, prediction bar."""
    frames = {round(frame.get_x() + 0.5) for frame in inspector.frames}
    assert len(frames) == 1, "all six heatmaps frame the same step"
    return {"column": frames.pop(),
            "c": {name: np.asarray(heatmap.get_array()) for name, heatmap in inspector.heatmaps.items()},
            "curve": np.asarray(inspector.c_line.get_ydata()),
            "marker": (inspector.c_marker.get_xdata()[0], inspector.c_marker.get_ydata()[0]),
            "prediction": inspector.pred_bar.get_width(),
            "caption": inspector.caption.get_text()}


def test_loaders_give_the_documented_shapes():
    parameters, names = data.load_lstm_memory()
    assert names == ["cue 0", "cue 1", "noise", "recall"]
    for gate in "fico":
        assert parameters[f"W{gate}"].shape == (8, 12) and parameters[f"b{gate}"].shape == (8, 1)
    assert parameters["Wy"].shape == (2, 8) and parameters["by"].shape == (2, 1)
    traces = data.load_lstm_gate_traces()
    assert sorted(example["cue"] for example in traces) == [0, 0, 1, 1]
    assert len({example["cue_step"] for example in traces}) == 4
    for example in traces:
        assert example["inputs"].shape == (16,) and example["inputs"][-1] == 3
        assert list(example["modes"]) == ["learned", "forced open", "forced shut"]
        for run in example["modes"].values():
            assert all(run[name].shape == (8, 16) for name in ARRAYS[:-1]) and run["y"].shape == (2, 16)


@pytest.mark.parametrize("mode", ["learned", "forced open", "forced shut"])
def test_forget_gate_mode_shows_its_trace(inspector, mode):
    inspector.t.value = 9
    inspector.mode.value = mode
    trace = inspector.traces[inspector.example.value]["modes"][mode]
    now = shown(inspector)
    for name in ("ft", "it", "ot", "cct", "c", "a"):
        np.testing.assert_array_equal(now["c"][name], trace[name])
    assert now["prediction"] == pytest.approx(trace["y"][1, -1])
    assert now["column"] == 8
    expected_f = {"forced open": 1.0, "forced shut": 0.0}.get(mode)
    if expected_f is not None:
        np.testing.assert_allclose(now["c"]["ft"], expected_f, atol=1e-5)


def test_a_shut_forget_gate_wipes_the_memory_of_the_cue(inspector):
    inspector.t.value = 16
    for name in inspector.example.options:
        inspector.example.value = name
        cue = inspector.traces[name]["cue"]
        inspector.mode.value = "learned"
        learned = shown(inspector)
        assert round(learned["prediction"]) == cue and "right" in inspector.pred_text.get_text()
        inspector.mode.value = "forced shut"
        shut = shown(inspector)
        assert abs(shut["prediction"] - learned["prediction"]) > 0.25
        assert 0.2 < shut["prediction"] < 0.5  # always leans to "0": it no longer knows the cue
        assert np.abs(shut["c"]["c"]).max() < 1 < np.abs(learned["c"]["c"]).max()
        inspector.t.value = 10
        assert "wipes" in inspector.caption.get_text()
        inspector.t.value = 16
    inspector.mode.value = "learned"


@pytest.mark.parametrize("mode", ["learned", "forced open", "forced shut"])
def test_student_lstm_forward_reproduces_the_traces(mode):
    inspector = LSTMGateInspector(lstm_forward=reference_lstm_forward)
    inspector.mode.value = mode
    for name in inspector.example.options:
        inspector.example.value = name
        assert inspector.source == "your lstm_forward" and inspector.status.value == ""
        trace = inspector.traces[name]["modes"][mode]
        for array in ARRAYS:
            np.testing.assert_allclose(inspector.run[array], trace[array], atol=1e-4, err_msg=array)
        np.testing.assert_allclose(shown(inspector)["c"]["c"], trace["c"], atol=1e-4)
    assert "[your lstm_forward]" in inspector.source_text.get_text()


def test_the_shipped_parameters_are_not_changed_by_the_forced_modes():
    inspector = LSTMGateInspector(lstm_forward=reference_lstm_forward)
    kept = {name: value.copy() for name, value in inspector.parameters.items()}
    inspector.mode.value = "forced shut"
    inspector.mode.value = "forced open"
    for name, value in kept.items():
        np.testing.assert_array_equal(inspector.parameters[name], value)


def test_failing_student_function_falls_back_to_the_trace():
    def unfinished(x, a0, parameters):
        raise NotImplementedError()

    inspector = LSTMGateInspector(lstm_forward=unfinished)
    assert inspector.source == "precomputed trace"
    assert "NotImplementedError" in inspector.status.value and "#b00020" in inspector.status.value
    trace = inspector.traces[inspector.example.value]["modes"]["learned"]
    np.testing.assert_array_equal(inspector.run["c"], trace["c"])


def test_wrong_shapes_and_wrong_values_are_reported():
    def squeezed(x, a0, parameters):
        a, y, c, caches = reference_lstm_forward(x, a0, parameters)
        return a[:, 0, :], y, c, caches

    inspector = LSTMGateInspector(lstm_forward=squeezed)
    assert inspector.source == "precomputed trace"
    assert "a of shape (8, 16), expected (8, 1, 16)" in inspector.status.value

    def forgets_nothing(x, a0, parameters):  # the usual mistake: c_next = c_prev + it * cct
        return reference_lstm_forward(x, a0, {**parameters, "bf": parameters["bf"] + 50})

    inspector = LSTMGateInspector(lstm_forward=forgets_nothing)
    assert inspector.source == "your lstm_forward"
    assert "Γf differs from the precomputed trace" in inspector.status.value
    assert "#b00020" in inspector.status.value


def test_static_picture_for_readers_without_a_kernel(inspector):
    bundle = inspector._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == inspector.image.value
