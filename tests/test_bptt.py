"""The backpropagation-through-time stepper: its stages, its reaction to the controls, and its trace."""

import base64
import copy
import importlib.util
import json
import math

import matplotlib.colors as mcolors
import numpy as np
import pytest

from conftest import REPO
from rnnlab.widgets.bptt import BACKWARD, DONE, FORWARD, TODO, BPTTStepper, caption_html, load_bptt_trace


@pytest.fixture
def stepper():
    return BPTTStepper()


def edge(stepper, kind, t):
    return mcolors.to_hex(stepper.nodes[(kind, t)].get_edgecolor())


def test_forward_stage_colours_the_current_step_and_greys_the_earlier_ones(stepper):
    stepper.stage.value = 3  # forward pass, step t = 3
    assert stepper.title.get_text() == "Forward pass, step t = 3"
    assert edge(stepper, "a", 3) == FORWARD and edge(stepper, "L", 3) == FORWARD
    assert edge(stepper, "a", 2) == DONE and edge(stepper, "a", 4) == TODO
    assert mcolors.to_hex(stepper.edges[("edge", "aa", 3)].artists[0].get_color()) == FORWARD
    assert not stepper.edges[("bedge", "yL", 3)].artists[0].get_visible()
    assert mcolors.to_hex(stepper.param_lines[("Waa", 3)].artists[0].get_color()) == FORWARD
    assert mcolors.to_hex(stepper.param_lines[("Waa", 4)].artists[0].get_color()) == TODO
    assert stepper.values[("a", 3)].get_text() == f"{stepper.trace['a'][3]:.3f}"
    assert stepper.values[("a", 4)].get_text() == ""
    assert "a<sup>⟨3⟩</sup> = tanh(" in stepper.caption.value
    assert all(bar.get_height() == 0 for bar in stepper.step_bars) and stepper.total_bar.get_height() == 0


def test_backward_stages_accumulate_the_gradient_of_waa(stepper):
    trace = stepper.trace
    terms = [step["dw_aa"] for step in trace["backward"]]
    first_backward = 1 + stepper.T + 1
    for k, t in enumerate(range(stepper.T, 0, -1)):
        before = stepper.image.value
        stepper.stage.value = first_backward + k
        assert stepper.title.get_text() == f"Backward pass, step t = {t}"
        assert edge(stepper, "a", t) == BACKWARD
        heights = [bar.get_height() for bar in stepper.step_bars]
        np.testing.assert_allclose(heights, [terms[s - 1] if s >= t else 0.0 for s in range(1, stepper.T + 1)])
        np.testing.assert_allclose(stepper.total_bar.get_height(), sum(terms[t - 1:]))
        assert f"{sum(terms[t - 1:]):+.3f}" in stepper.counter.get_text()
        assert stepper.values[("da", t)].get_text() == f"{trace['backward'][t - 1]['da']:.3f}"
        assert stepper.edges[("bedge", "ay", t)].artists[0].get_visible()
        if t < stepper.T:  # the gradient arriving from step t + 1
            assert mcolors.to_hex(stepper.edges[("bedge", "aa", t + 1)].artists[0].get_color()) == BACKWARD
            assert f"from step {t + 1}" in stepper.caption.value
        assert stepper.image.value != before
    stepper.stage.value = stepper.stage.max
    np.testing.assert_allclose(stepper.total_bar.get_height(), trace["gradients"]["dw_aa"])


def test_buttons_step_through_the_stages(stepper):
    assert stepper.stage.value == 0 and stepper.back.disabled and not stepper.next.disabled
    stepper.next.click()
    stepper.next.click()
    assert stepper.stage.value == 2 and stepper.label.value == f"stage 3 of {len(stepper.stages)}"
    stepper.back.click()
    assert stepper.stage.value == 1
    stepper.stage.value = stepper.stage.max
    assert stepper.next.disabled
    stepper.next.click()
    assert stepper.stage.value == stepper.stage.max
    assert stepper.image.value[:4] == b"\x89PNG" and stepper.last_redraw_ms > 0


def test_static_picture_shows_the_backward_pass_half_done_and_the_stepper_stays_at_its_start(stepper):
    start = stepper.image.value
    bundle = stepper._repr_mimebundle_()
    assert bundle["image/png"] and bundle["image/png"] in bundle["text/html"]
    assert base64.b64decode(bundle["image/png"]) != start
    # the stage slider has no readout: the caption names the stage, the settings line does not
    assert "dz<sup>⟨2⟩</sup>" in bundle["text/html"] and "stage = " not in bundle["text/html"]
    assert stepper.stage.value == 0 and stepper.image.value == start
    stepper.stage.value = 3  # a reader who moved the stepper gets the stage they chose
    bundle = stepper._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == stepper.image.value
    assert "a<sup>⟨3⟩</sup>" in bundle["text/html"]


def test_caption_html_writes_the_course_notation():
    assert caption_html("dWaa += dz<2>·a<1>") == (
        '<div style="font-size:1.15em; line-height:1.8"><i>dW</i><sub>aa</sub> += '
        "dz<sup>⟨2⟩</sup>·a<sup>⟨1⟩</sup></div>")
    assert "&lt;script&gt;" in caption_html("<script>")


def scalar_loss(p, x, y):
    a, loss = 0.0, 0.0
    for x_t, y_t in zip(x, y):
        a = math.tanh(p["w_aa"] * a + p["w_ax"] * x_t + p["b_a"])
        y_hat = 1 / (1 + math.exp(-(p["w_ya"] * a + p["b_y"])))
        loss -= y_t * math.log(y_hat) + (1 - y_t) * math.log(1 - y_hat)
    return loss


def test_trace_gradients_agree_with_finite_differences():
    trace = load_bptt_trace()
    assert len(trace["x"]) == 4 and trace["a"][0] == 0
    np.testing.assert_allclose(trace["loss"], scalar_loss(trace["parameters"], trace["x"], trace["y"]))
    np.testing.assert_allclose(sum(trace["losses"]), trace["loss"])
    for name in ("w_aa", "w_ax", "w_ya", "b_a", "b_y"):
        up, down = dict(trace["parameters"]), dict(trace["parameters"])
        up[name] += 1e-6
        down[name] -= 1e-6
        numeric = (scalar_loss(up, trace["x"], trace["y"]) - scalar_loss(down, trace["x"], trace["y"])) / 2e-6
        analytic = trace["gradients"]["d" + name[0] + name[1:]]
        assert abs(numeric - analytic) < 1e-7 * (1 + abs(numeric)), name
        steps = sum(step["d" + name] for step in trace["backward"])
        np.testing.assert_allclose(steps, analytic)
    for step in trace["backward"]:
        np.testing.assert_allclose(step["da"], step["da_from_loss"] + step["da_from_next"])


def test_trace_is_what_the_script_makes():
    spec = importlib.util.spec_from_file_location("make_bptt_trace", REPO / "assets" / "scripts" / "make_bptt_trace.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    made = script.trace(script.PARAMETERS, script.X, script.Y)
    stored = load_bptt_trace()
    assert json.loads(json.dumps(made)) == {key: stored[key] for key in made}


def test_widget_shows_a_trace_passed_in():
    trace = copy.deepcopy(load_bptt_trace())
    trace["backward"][1]["dw_aa"] = 0.5
    stepper = BPTTStepper(trace=trace)
    stepper.stage.value = stepper.stage.max
    assert stepper.step_bars[1].get_height() == 0.5
