"""What the GRU and LSTM gate inspectors share (``rnnlab/widgets/memory_task.py``), tested on both:
the time slider moves the step frames, the marker and the caption, and the slider and the unit
choice redraw only the animated artists."""

import numpy as np
import pytest

from rnnlab.widgets import GRUGateInspector, LSTMGateInspector

# Each inspector, the mode that gives new heatmap data, and a gate its caption quotes: (label, run key).
INSPECTORS = {"GRU": (GRUGateInspector, "latch", "Γu", "gamma_u"),
              "LSTM": (LSTMGateInspector, "forced open", "Γf", "ft")}


@pytest.fixture(scope="module", params=list(INSPECTORS))
def case(request):
    make, other_mode, label, key = INSPECTORS[request.param]
    return make(), other_mode, label, key


def framed_column(inspector):
    columns = {round(frame.get_x() + 0.5) for frame in inspector.frames}
    assert len(columns) == 1, "all the heatmaps frame the same step"
    return columns.pop()


def test_slider_moves_the_frames_the_marker_and_the_caption(case):
    inspector, _, label, key = case
    inspector.mode.value = "learned"
    inspector.t.value = 16
    before = bytes(inspector.image.value)
    cue_step = inspector.traces[inspector.example.value]["cue_step"]
    inspector.t.value = cue_step
    assert framed_column(inspector) == cue_step - 1
    unit, column, caption = inspector.unit.value, cue_step - 1, inspector.caption.get_text()
    assert (inspector.c_marker.get_xdata()[0], inspector.c_marker.get_ydata()[0]) == (
        cue_step, inspector.run["c"][unit, column])
    assert f"step t = {cue_step}" in caption and "cue arrives" in caption
    assert f"c<t> {inspector.run['c'][unit, column]:+.2f}" in caption
    assert f"{label} {inspector.run[key][unit, column]:.2f}" in caption
    assert bytes(inspector.image.value) != before and bytes(inspector.image.value[:4]) == b"\x89PNG"
    inspector.t.value = 16
    assert framed_column(inspector) == 15 and "(recall)" in inspector.caption.get_text()
    assert 0 < inspector.last_redraw_ms < 1000


def test_slider_and_unit_changes_only_redraw_animated_artists(case):
    inspector, other_mode, _, _ = case
    inspector.t.value = 2
    background = inspector._background
    inspector.t.value = 7
    assert inspector._background is background is not None
    inspector.unit.value = (inspector.unit.value + 1) % inspector.n_a
    assert inspector._background is background
    assert inspector.unit_label.get_text() == f"unit {inspector.unit.value}"
    np.testing.assert_array_equal(inspector.c_line.get_ydata(), inspector.run["c"][inspector.unit.value])
    assert all(row.get_y() == inspector.unit.value - 0.5 for row in inspector.rows)
    inspector.unit.value = inspector.memory_unit
    inspector.mode.value = other_mode  # new heatmap data: the whole figure is drawn again
    assert inspector._background is not background
    inspector.mode.value = "learned"
