"""The LSTM lecture's additions: the gate inspector's "share kept" curve and the shipped Keras model."""

import numpy as np
import pytest

from rnnlab import data
from rnnlab.widgets.lstm_gates import LSTMGateInspector


def reference_retention(gamma_f):
    """Instructor-side copy of the lecture's memory_retention: running product of Γf from step 2 on."""
    kept = np.ones(gamma_f.shape)
    kept[:, 1:] = np.cumprod(gamma_f[:, 1:], axis=1)
    return kept


@pytest.fixture(scope="module")
def inspector():
    return LSTMGateInspector(retention=reference_retention)


def expected_kept(inspector, unit):
    example = inspector.traces[inspector.example.value]
    cue_step = example["cue_step"]
    gates = example["modes"][inspector.mode.value]["ft"][unit, cue_step - 1:]
    return np.concatenate([np.full(cue_step - 1, np.nan), np.concatenate([[1.0], np.cumprod(gates[1:])])])


@pytest.mark.parametrize("mode", ["learned", "forced open", "forced shut"])
def test_share_kept_follows_the_example_the_mode_and_the_unit(inspector, mode):
    for name in inspector.example.options:
        inspector.example.value = name
        inspector.mode.value = mode
        for unit in (inspector.memory_unit, (inspector.memory_unit + 3) % inspector.n_a):
            inspector.unit.value = unit
            drawn = np.asarray(inspector.keep_line.get_ydata(), dtype=float)
            np.testing.assert_allclose(drawn, expected_kept(inspector, unit), equal_nan=True)
            after_cue = drawn[inspector.traces[name]["cue_step"]:]
            if mode == "forced open":
                np.testing.assert_allclose(after_cue, 1.0, atol=1e-4)
            elif mode == "forced shut":
                assert np.all(after_cue < 1e-6)
            else:  # the learned memory is refreshed, not held: the cue-step value fades
                assert 0 < drawn[-1] < 0.5
    assert inspector.status.value == ""
    inspector.mode.value = "learned"
    inspector.unit.value = inspector.memory_unit


def test_a_unit_change_redraws_only_the_animated_curve(inspector):
    inspector.t.value = 3
    background = inspector._background
    assert background is not None
    before = np.asarray(inspector.keep_line.get_ydata(), dtype=float).copy()
    inspector.unit.value = (inspector.memory_unit + 1) % inspector.n_a
    assert inspector._background is background
    assert not np.allclose(before, inspector.keep_line.get_ydata(), equal_nan=True)
    assert inspector.keep_line in inspector._animated
    inspector.unit.value = inspector.memory_unit


def test_failing_or_wrong_retention_is_reported_and_the_trace_still_shows():
    def unfinished(gamma_f):
        raise NotImplementedError()

    inspector = LSTMGateInspector(retention=unfinished)
    assert "memory_retention failed (NotImplementedError" in inspector.status.value
    assert "#b00020" in inspector.status.value
    assert np.all(np.isnan(np.asarray(inspector.keep_line.get_ydata(), dtype=float)))
    trace = inspector.traces[inspector.example.value]["modes"]["learned"]
    np.testing.assert_array_equal(inspector.heatmaps["ft"].get_array(), trace["ft"])

    inspector = LSTMGateInspector(retention=lambda gamma_f: np.cumprod(gamma_f, axis=1)[:, 1:])
    assert "returned shape" in inspector.status.value and "expected shape" in inspector.status.value


def test_without_retention_the_assignment_widget_is_unchanged():
    inspector = LSTMGateInspector()
    assert inspector.keep_line is None and not hasattr(inspector, "ax_keep")
    assert len(inspector.figure.axes) == 11  # six heatmaps, three colour bars, the unit panel, the prediction
    inspector.unit.value = (inspector.memory_unit + 2) % inspector.n_a
    assert inspector.status.value == ""


def test_the_shipped_keras_model_is_the_course_memory_lstm():
    from rnnlab.keras_setup import import_keras

    keras = import_keras()
    model = keras.saving.load_model(data.assets_dir() / "lstm" / "lstm_memory.keras")
    kernel, recurrent_kernel, bias = model.get_layer("lstm").get_weights()
    parameters, _ = data.load_lstm_memory()
    n_a = recurrent_kernel.shape[0]
    assert kernel.shape == (4, 4 * n_a) and recurrent_kernel.shape == (n_a, 4 * n_a) and bias.shape == (4 * n_a,)
    for k, gate in enumerate("ifco"):  # Keras packs the gate blocks as i, f, c, o
        block = slice(k * n_a, (k + 1) * n_a)
        np.testing.assert_allclose(parameters["W" + gate][:, :n_a], recurrent_kernel[:, block].T, atol=1e-6)
        np.testing.assert_allclose(parameters["W" + gate][:, n_a:], kernel[:, block].T, atol=1e-6)
        np.testing.assert_allclose(parameters["b" + gate][:, 0], bias[block], atol=1e-6)
    traces = data.load_lstm_gate_traces()
    x = np.stack([np.eye(4)[example["inputs"]] for example in traces]).astype("float32")
    y = np.asarray(model.predict(x, verbose=0))
    for example, probabilities in zip(traces, y):
        np.testing.assert_allclose(probabilities.T, example["modes"]["learned"]["y"], atol=1e-4)
