"""The GRU gate inspector reacts to its controls by changing its figure's data; its model and traces load."""

import base64
import html

import numpy as np
import pytest

from rnnlab.widgets.gru_gates import GRUGateInspector, load_gru_gate_traces, load_gru_memory

KEYS = ("gamma_u", "gamma_r", "c_tilde")
ARRAYS = (*KEYS, "c", "y")
MODES = ["learned", "latch", "always shut", "always open"]


def reference_gru_cell_forward(xt, c_prev, parameters):
    """The lecture's GRU step (instructor-side copy, used to check the widget and the traces)."""
    p = parameters
    concat = np.concatenate([c_prev, xt], axis=0)
    gamma_u = 1 / (1 + np.exp(-(p["Wu"] @ concat + p["bu"])))
    gamma_r = 1 / (1 + np.exp(-(p["Wr"] @ concat + p["br"])))
    c_tilde = np.tanh(p["Wc"] @ np.concatenate([gamma_r * c_prev, xt], axis=0) + p["bc"])
    return gamma_u * c_tilde + (1 - gamma_u) * c_prev, {"gamma_u": gamma_u, "gamma_r": gamma_r, "c_tilde": c_tilde}


@pytest.fixture(scope="module")
def inspector():
    return GRUGateInspector()


def shown(inspector):
    """What the figure shows now: framed column, heatmaps, the unit's curves and marker, prediction bar."""
    frames = {round(frame.get_x() + 0.5) for frame in inspector.frames}
    assert len(frames) == 1, "all four heatmaps frame the same step"
    return {"column": frames.pop(),
            "maps": {name: np.asarray(heatmap.get_array()) for name, heatmap in inspector.heatmaps.items()},
            "curve": np.asarray(inspector.c_line.get_ydata()),
            "gate_curve": np.asarray(inspector.u_line.get_ydata()),
            "marker": (inspector.c_marker.get_xdata()[0], inspector.c_marker.get_ydata()[0]),
            "prediction": inspector.pred_bar.get_width(),
            "caption": inspector.caption.get_text()}


def test_loaders_give_the_documented_shapes():
    parameters, names = load_gru_memory()
    assert names == ["cue 0", "cue 1", "noise", "recall"]
    for gate in "urc":
        assert parameters[f"W{gate}"].shape == (8, 12) and parameters[f"b{gate}"].shape == (8, 1)
        assert parameters[f"W{gate}"].dtype == np.float64
    assert parameters["Wy"].shape == (1, 8) and parameters["by"].shape == (1, 1)
    examples, modes = load_gru_gate_traces()
    assert list(modes) == MODES and modes["learned"] is None
    assert modes["latch"] == {"bu": -20.0, "at": ["noise"]}
    assert sorted(example["cue"] for example in examples) == [0, 0, 1, 1]
    assert len({example["cue_step"] for example in examples}) == 4
    for example in examples:
        assert example["inputs"].shape == (16,) and example["inputs"][-1] == 3
        assert example["inputs"][example["cue_step"] - 1] == example["cue"]
        assert list(example["modes"]) == MODES
        for run in example["modes"].values():
            assert all(run[name].shape == (8, 16) for name in ARRAYS[:-1]) and run["y"].shape == (1, 16)


def test_the_traces_are_the_lecture_gru_from_the_shipped_weights():
    """Recompute every trace with the reference cell, forcing Γu as each mode says."""
    parameters, names = load_gru_memory()
    examples, modes = load_gru_gate_traces()
    for example in examples:
        for mode, forced in modes.items():
            c_prev = np.zeros((8, 1))
            run = example["modes"][mode]
            for column, index in enumerate(example["inputs"]):
                p = dict(parameters)
                if forced is not None and names[index] in forced["at"]:
                    p["Wu"], p["bu"] = np.zeros_like(p["Wu"]), np.full_like(p["bu"], forced["bu"])
                c_prev, gates = reference_gru_cell_forward(np.eye(4)[:, [index]], c_prev, p)
                for key in KEYS:
                    np.testing.assert_allclose(gates[key][:, 0], run[key][:, column], atol=1e-5)
                np.testing.assert_allclose(c_prev[:, 0], run["c"][:, column], atol=1e-5)
            y = 1 / (1 + np.exp(-(parameters["Wy"] @ c_prev + parameters["by"])))
            np.testing.assert_allclose(y[0, 0], run["y"][0, -1], atol=1e-5)


def test_the_learned_gru_remembers_and_the_modes_behave_as_described():
    examples, _ = load_gru_gate_traces()
    for example in examples:
        learned, latch = example["modes"]["learned"], example["modes"]["latch"]
        assert round(learned["y"][0, -1]) == example["cue"] and round(latch["y"][0, -1]) == example["cue"]
        # The latch keeps c exactly over the noise steps after the cue.
        after = slice(example["cue_step"], 15)
        assert np.abs(np.diff(latch["c"][:, example["cue_step"] - 1:15], axis=1)).max() < 1e-5
        assert np.abs(latch["gamma_u"][:, after]).max() < 1e-5
        shut = example["modes"]["always shut"]
        assert np.abs(shut["c"]).max() < 1e-5 and 0.45 < shut["y"][0, -1] < 0.55
        np.testing.assert_allclose(example["modes"]["always open"]["c"], example["modes"]["always open"]["c_tilde"],
                                   atol=1e-5)
    lost = [example["name"] for example in examples
            if round(example["modes"]["always open"]["y"][0, -1]) != example["cue"]]
    assert lost == ["cue 0 at t=4"]  # the notebook's text points at this example


def test_unit_change_plots_its_update_gate(inspector):
    inspector.unit.value = (inspector.unit.value + 1) % inspector.n_a
    np.testing.assert_array_equal(shown(inspector)["gate_curve"], inspector.run["gamma_u"][inspector.unit.value])
    inspector.unit.value = inspector.memory_unit


@pytest.mark.parametrize("mode", MODES)
def test_update_gate_mode_shows_its_trace(inspector, mode):
    inspector.t.value = 9
    inspector.mode.value = mode
    trace = inspector.traces[inspector.example.value]["modes"][mode]
    now = shown(inspector)
    for name in (*KEYS, "c"):
        np.testing.assert_array_equal(now["maps"][name], trace[name])
    assert now["prediction"] == pytest.approx(trace["y"][0, -1])
    assert now["column"] == 8
    inspector.mode.value = "learned"


def test_example_dropdown_and_latch_caption(inspector):
    inspector.t.value = 16
    for name in inspector.example.options:
        inspector.example.value = name
        cue = inspector.traces[name]["cue"]
        assert round(shown(inspector)["prediction"]) == cue and "right" in inspector.pred_text.get_text()
        xticks = [tick.get_text() for tick in inspector.axes["c"].get_xticklabels()]
        assert xticks[inspector.traces[name]["cue_step"] - 1] == str(cue) and xticks[-1] == "?"
    inspector.mode.value = "latch"
    inspector.t.value = 10
    assert "carried over unchanged" in inspector.caption.get_text()
    inspector.mode.value = "always open"
    inspector.example.value = "cue 0 at t=4"
    inspector.t.value = 16
    assert "wrong" in inspector.pred_text.get_text()
    inspector.mode.value = "learned"


@pytest.mark.parametrize("mode", MODES)
def test_student_cell_reproduces_the_traces(mode):
    inspector = GRUGateInspector(gru_cell_forward=reference_gru_cell_forward)
    inspector.mode.value = mode
    for name in inspector.example.options:
        inspector.example.value = name
        assert inspector.source == "your gru_cell_forward" and inspector.status.value == ""
        trace = inspector.traces[name]["modes"][mode]
        for array in ARRAYS:
            np.testing.assert_allclose(inspector.run[array], trace[array], atol=1e-5, err_msg=array)
    assert "[your gru_cell_forward]" in inspector.source_text.get_text()


def test_the_shipped_parameters_are_not_changed_by_the_forced_modes():
    def in_place(xt, c_prev, parameters):  # a careless cell that changes its parameters
        result = reference_gru_cell_forward(xt, c_prev, parameters)
        parameters["bu"] += 1.0
        return result

    inspector = GRUGateInspector(gru_cell_forward=reference_gru_cell_forward)
    kept = {name: value.copy() for name, value in inspector.parameters.items()}
    for mode in MODES:
        inspector.mode.value = mode
    inspector.gru_cell_forward = in_place
    inspector.mode.value = "learned"
    for name, value in kept.items():
        np.testing.assert_array_equal(inspector.parameters[name], value)


def test_failing_student_function_falls_back_to_the_trace():
    def unfinished(xt, c_prev, parameters):
        raise NotImplementedError()

    inspector = GRUGateInspector(gru_cell_forward=unfinished)
    assert inspector.source == "precomputed trace"
    assert "NotImplementedError" in inspector.status.value and "#b00020" in inspector.status.value
    trace = inspector.traces[inspector.example.value]["modes"]["learned"]
    np.testing.assert_array_equal(inspector.run["c"], trace["c"])


def test_wrong_shapes_keys_and_values_are_reported():
    def no_relevance_key(xt, c_prev, parameters):
        c_next, gates = reference_gru_cell_forward(xt, c_prev, parameters)
        return c_next, {"gamma_u": gates["gamma_u"], "c_tilde": gates["c_tilde"]}

    inspector = GRUGateInspector(gru_cell_forward=no_relevance_key)
    assert inspector.source == "precomputed trace" and "no key 'gamma_r'" in html.unescape(inspector.status.value)

    def flat(xt, c_prev, parameters):
        c_next, gates = reference_gru_cell_forward(xt, c_prev, parameters)
        return c_next[:, 0], gates

    inspector = GRUGateInspector(gru_cell_forward=flat)
    assert "c_next has shape (8,), expected (8, 1)" in inspector.status.value

    def keras_convention(xt, c_prev, parameters):  # the usual mistake: Γu and 1 - Γu swapped
        _, gates = reference_gru_cell_forward(xt, c_prev, parameters)
        gamma_u = 1 - gates["gamma_u"]
        return gamma_u * gates["c_tilde"] + (1 - gamma_u) * c_prev, {**gates, "gamma_u": gamma_u}

    inspector = GRUGateInspector(gru_cell_forward=keras_convention)
    assert inspector.source == "your gru_cell_forward"
    assert "Γu differs from the precomputed trace" in inspector.status.value
    assert "#b00020" in inspector.status.value


def test_static_picture_for_readers_without_a_kernel(inspector):
    bundle = inspector._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == inspector.image.value
