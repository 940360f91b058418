"""The hidden-state explorer reacts to its controls by changing its figure's data."""

import base64

import numpy as np
import pytest

from rnnlab.widgets import HiddenStateExplorer
from test_data import reference_step


@pytest.fixture
def explorer():
    return HiddenStateExplorer()


def shown_step(explorer):
    """What the figure shows now: framed column, a<t> bars, top next-character bars and labels."""
    return {"column": explorer.frame.get_x() + 0.5,
            "state": np.array([bar.get_width() for bar in explorer.state_bars]),
            "next": np.array([bar.get_height() for bar in explorer.next_bars]),
            "labels": [label.get_text() for label in explorer.next_labels]}


def test_slider_moves_the_frame_and_updates_the_panels(explorer):
    before = explorer.image.value
    explorer.t.value = 4
    shown = shown_step(explorer)
    assert shown["column"] == 3
    np.testing.assert_allclose(shown["state"], explorer.a[:, 3])
    top = np.sort(explorer.y_hat[:, 3])[::-1][: explorer.top_k]
    np.testing.assert_allclose(shown["next"], top)
    best = explorer.vocab[int(np.argmax(explorer.y_hat[:, 3]))]
    assert shown["labels"][0] == {" ": "␣"}.get(best, best)
    assert f"'{explorer.sequence[3]}'" in explorer.caption.get_text().replace("␣", " ")
    assert explorer.image.value != before and explorer.image.value[:4] == b"\x89PNG"
    assert explorer.last_redraw_ms > 0


def test_picking_an_example_shows_its_trace(explorer):
    other = explorer.example.options[1]
    explorer.t.value = 2
    explorer.example.value = other
    assert explorer.text.value == other and explorer.sequence == other
    np.testing.assert_array_equal(explorer.heatmap.get_array(), explorer.traces[other]["a"])
    assert explorer.t.max == len(other)
    assert [label.get_text() for label in explorer.ax_heat.get_xticklabels()][0] == other[0]


def test_student_step_runs_on_typed_text():
    explorer = HiddenStateExplorer(step_fn=reference_step)
    first = explorer.sequence
    np.testing.assert_allclose(explorer.a, explorer.traces[first]["a"], atol=1e-4)
    assert explorer.source == "your step function" and not explorer.text.disabled
    explorer.t.value = len(first)
    explorer.text.value = "a cat."
    assert explorer.sequence == "a cat." and explorer.a.shape == (16, 6)
    assert explorer.example.value is None, "the example list must not claim to show an example"
    assert explorer.t.value == 6 and explorer.t.max == 6
    assert shown_step(explorer)["column"] == 5


def test_failing_student_step_falls_back_to_the_trace():
    def unfinished(xt, a_prev, parameters):
        raise NotImplementedError()

    explorer = HiddenStateExplorer(step_fn=unfinished)
    assert explorer.source == "precomputed trace"
    assert "NotImplementedError" in explorer.status.value
    np.testing.assert_array_equal(explorer.a, explorer.traces[explorer.sequence]["a"])


def test_wrong_shapes_and_unknown_characters_are_reported():
    explorer = HiddenStateExplorer(step_fn=lambda xt, a_prev, p: (a_prev.T, xt))
    assert "step_fn returned shapes (1, 16)" in explorer.status.value
    good = HiddenStateExplorer(step_fn=reference_step)
    kept = good.a.copy()
    good.text.value = "Hello!"
    assert "not in the vocabulary" in good.status.value and "!" in good.status.value
    np.testing.assert_array_equal(good.a, kept)


def test_static_picture_for_readers_without_a_kernel(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
