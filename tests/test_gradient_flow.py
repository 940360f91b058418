"""The gradient-flow lab of lecture 08: its reaction to the controls, the student's functions, and its traces."""

import importlib.util
import json

import numpy as np
import pytest

from conftest import REPO
from rnnlab.widgets.gradient_flow import GradientFlowLab, load_gradient_flow


def reference_norms(Waa, a):
    """Spectral norms of d a<T>/d a<t>, t = 1..T, built from the front (the other order than the script)."""
    n_a, T = a.shape
    factors = [np.diag(1 - a[:, k - 1] ** 2) @ Waa for k in range(1, T + 1)]  # factors[k - 1]: step k
    norms = []
    for t in range(1, T + 1):
        J = np.eye(n_a)
        for k in range(t + 1, T + 1):
            J = factors[k - 1] @ J
        norms.append(np.linalg.norm(J, 2))
    return np.array(norms)


def reference_clip_by_value(gradients, max_value):
    return {name: np.clip(value, -max_value, max_value) for name, value in gradients.items()}


def reference_clip_by_global_norm(gradients, max_norm):
    total = np.sqrt(sum(np.sum(value ** 2) for value in gradients.values()))
    return {name: value * (max_norm / total if total > max_norm else 1.0) for name, value in gradients.items()}


@pytest.fixture(scope="module")
def data():
    return load_gradient_flow()


@pytest.fixture
def lab():
    return GradientFlowLab()


def plotted(lab):
    t, norms = lab.norm_line.get_data()
    return np.asarray(t), np.asarray(norms, dtype=float)


def test_sliders_change_the_plotted_norms(lab, data):
    lab.mode.value = "linear"
    lab.T_x.value = 50
    lab.rho.value = 0.5
    t, small = plotted(lab)
    assert list(t) == list(range(1, 51)) and small[-1] == 1.0
    assert small[0] < 1e-12  # vanishing
    before = lab.image.value
    lab.rho.value = 1.5
    _, large = plotted(lab)
    assert large[0] > 1e6 and lab.image.value != before  # exploding, and a new picture
    np.testing.assert_allclose(large, data["norms"]["linear"][-1][-1])
    _, reference = lab.reference_line.get_data()
    np.testing.assert_allclose(reference, 1.5 ** np.arange(49, -1, -1))
    lab.T_x.value = 10
    t, short = plotted(lab)
    assert len(t) == len(short) == 10 and list(lab.T_line.get_xdata()) == [10, 10]
    lab.mode.value = "tanh, strong inputs"
    _, saturated = plotted(lab)
    np.testing.assert_allclose(saturated, data["norms"]["tanh, strong inputs"][-1][1])
    assert saturated[0] < short[0]
    assert "1.5" in lab.norms_caption.value and "strong inputs" in lab.norms_caption.value
    assert lab.last_redraw_ms > 0 and lab.status.value == ""


def test_threshold_moves_the_square_the_circle_and_the_clipped_arrows(lab, data):
    clipping = data["clipping"]
    lab.example.value = "large, mostly dWaa"
    lab.threshold.value = 1.0
    assert lab.circle.get_radius() == 1.0
    assert (lab.square.get_x(), lab.square.get_y(), lab.square.get_width()) == (-1.0, -1.0, 2.0)
    np.testing.assert_allclose(lab.arrows.U, [3.6, 1.0, 3.6 / np.hypot(3.6, 0.9)])
    np.testing.assert_allclose(lab.arrows.V, [0.9, 0.9, 0.9 / np.hypot(3.6, 0.9)])
    assert "turned <b>28°</b>" in lab.clip_caption.value and "turned <b>0°</b>" in lab.clip_caption.value
    before = lab.image.value
    lab.threshold.value = 4.0  # above the norm 3.71: nothing is clipped
    np.testing.assert_allclose(lab.arrows.U, [3.6, 3.6, 3.6])
    assert lab.circle.get_radius() == 4.0 and lab.image.value != before
    lab.example.value = "small"
    i = clipping["names"].index("small")
    np.testing.assert_allclose(lab.arrows.U, [clipping["gradients"][i][0]] * 3)


def test_students_functions_are_used_and_agree_with_the_traces(data):
    calls = []

    def norms(Waa, a):
        calls.append(a.shape)
        return reference_norms(Waa, a)

    lab = GradientFlowLab(norms, reference_clip_by_value, reference_clip_by_global_norm)
    for mode in data["modes"]:
        for rho in (0.5, 1.05, 1.5):
            for T in (5, 35, 50):
                lab.mode.value, lab.rho.value, lab.T_x.value = mode, rho, T
                assert lab.status.value == "", (mode, rho, T, lab.status.value)
    assert calls[-1] == (8, 50)
    for name in data["clipping"]["names"]:
        for c in (0.25, 1.75, 4.0):
            lab.example.value, lab.threshold.value = name, c
            assert lab.status.value == ""


def test_linear_mode_calls_the_function_with_zero_states():
    seen = []
    lab = GradientFlowLab(lambda Waa, a: seen.append(a.copy()) or reference_norms(Waa, a))
    lab.mode.value = "linear"
    assert not np.any(seen[-1])
    lab.mode.value = "tanh, weak inputs"
    assert np.any(seen[-1]) and np.all(np.abs(seen[-1]) < 1)


def test_a_wrong_norms_function_is_shown_with_a_warning():
    lab = GradientFlowLab(lambda Waa, a: 2 * reference_norms(Waa, a))
    _, shown = plotted(lab)
    assert shown[-1] == 2.0
    assert "runs, but at t = 1" in lab.status.value and "b00020" in lab.status.value


def test_a_failing_function_falls_back_to_the_traces(data):
    def broken(*args):
        raise NotImplementedError()

    lab = GradientFlowLab(broken, broken, lambda gradients, c: {"dWaa": gradients["dWaa"]})
    lab.mode.value, lab.rho.value, lab.T_x.value = "linear", 1.5, 50
    _, shown = plotted(lab)
    np.testing.assert_allclose(shown, data["norms"]["linear"][-1][-1])
    assert "gradient_norms_through_time failed (NotImplementedError" in lab.status.value
    assert "clip_by_value failed" in lab.status.value and "clip_by_global_norm failed (KeyError" in lab.status.value
    lab.threshold.value = 1.0
    i = data["clipping"]["names"].index(lab.example.value)
    j = data["clipping"]["thresholds"].index(1.0)
    np.testing.assert_allclose(lab.arrows.U[1:], [data["clipping"]["by_value"][i, j, 0],
                                                   data["clipping"]["by_norm"][i, j, 0]])


def test_a_function_returning_the_wrong_shape_falls_back():
    lab = GradientFlowLab(lambda Waa, a: np.ones(3))
    assert len(plotted(lab)[1]) == lab.T_x.value
    assert "expected (50,)" in lab.status.value


def test_static_picture_has_the_image_and_the_numbers(lab):
    bundle = lab._repr_mimebundle_()
    assert bundle["image/png"] and bundle["image/png"] in bundle["text/html"]
    assert "∂a<sup>⟨T⟩</sup>" in bundle["text/html"] and "by norm" in bundle["text/html"]


def test_traces_agree_with_an_independent_computation(data):
    W0 = data["W0"]
    assert np.isclose(np.max(np.abs(np.linalg.eigvals(W0))), 1.0, atol=1e-5)
    rng = np.random.default_rng(0)
    for mode in data["modes"]:
        for _ in range(4):
            i, j = rng.integers(len(data["rhos"])), rng.integers(len(data["lengths"]))
            T = data["lengths"][j]
            a = np.zeros((8, T)) if mode == "linear" else data["states"][mode][i][:, :T]
            np.testing.assert_allclose(data["norms"][mode][i][j], reference_norms(data["rhos"][i] * W0, a),
                                       rtol=1e-5)
    clipping = data["clipping"]
    for i, (g1, g2) in enumerate(clipping["gradients"]):
        for j, c in enumerate(clipping["thresholds"]):
            gradients = {"dWaa": np.array([[g1]]), "dba": np.array([[g2]])}
            for kind, function in (("by_value", reference_clip_by_value), ("by_norm", reference_clip_by_global_norm)):
                clipped = function(gradients, c)
                np.testing.assert_allclose(clipping[kind][i, j], [clipped["dWaa"][0, 0], clipped["dba"][0, 0]],
                                           atol=1e-9)


def test_trace_is_what_the_script_makes():
    path = REPO / "assets" / "scripts" / "make_gradient_traces.py"
    spec = importlib.util.spec_from_file_location("make_gradient_traces", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    stored = json.loads((REPO / "assets" / "gradients" / "gradient_flow.json").read_text())
    assert json.loads(json.dumps(script.make())) == stored
