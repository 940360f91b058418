"""The architecture drawer reacts to its controls by showing, hiding and moving a fixed pool of artists."""

import base64

import numpy as np
import pytest

from rnnlab.widgets.rnn_types import KINDS, ArchitectureDrawer, layout, lengths


@pytest.fixture
def drawer():
    return ArchitectureDrawer()


def visible(artists):
    return [artist for artist in artists if artist.get_visible()]


def shown(drawer):
    """What the figure shows now: how many boxes of each kind, their labels, and the arrows."""
    d = drawer.diagram
    return {"cells": len(visible(d.cell_boxes)), "inputs": len(visible(d.input_boxes)),
            "outputs": len(visible(d.output_boxes)), "fed": len(visible(d.fed_boxes)),
            "dashed": len(visible(d.feedback_arrows)), "state_arrows": len(visible(d.state_arrows)),
            "parts": [text.get_text() for text in visible(d.part_texts)],
            "output_labels": [text.get_text() for text in visible(d.output_texts)],
            "cell_x": [box.get_x() for box in visible(d.cell_boxes)]}


@pytest.mark.parametrize("kind, T_x, T_y, expected", [
    ("one-to-one", 5, 6, (1, 1)), ("one-to-many", 5, 6, (1, 6)), ("many-to-one", 5, 6, (5, 1)),
    ("many-to-many (T_x = T_y)", 5, 6, (5, 5)), ("many-to-many (encoder-decoder)", 5, 6, (5, 6))])
def test_lengths_fixed_by_each_type(kind, T_x, T_y, expected):
    assert lengths(kind, T_x, T_y) == expected


def test_layouts():
    m2o = layout("many-to-one", 4, 7)
    assert len(m2o["cells"]) == 4 and len(m2o["inputs"]) == 4 and m2o["outputs"] == [(3, r"$\hat{y}$")]
    o2m = layout("one-to-many", 4, 5)
    assert [c for c, _ in o2m["inputs"]] == [0] and len(o2m["outputs"]) == 5
    assert o2m["feedback"] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    ed = layout("many-to-many (encoder-decoder)", 3, 2)
    assert [role for role, _ in ed["cells"]] == ["encoder"] * 3 + ["decoder"] * 2
    assert [c for c, _ in ed["outputs"]] == [3, 4] and ed["parts"] == [("encoder", 0, 2), ("decoder", 3, 4)]
    assert layout("one-to-one", 8, 8)["a0"] is False


def test_slider_grows_the_many_to_one_network(drawer):
    assert drawer.kind.value == "many-to-one" and drawer.T_y.disabled and not drawer.T_x.disabled
    before_image, before = drawer.image.value, shown(drawer)
    drawer.T_x.value = 7
    after = shown(drawer)
    assert (after["cells"], after["inputs"], after["outputs"]) == (7, 7, 1)
    assert after["state_arrows"] == 7  # a<0> -> a<1> and six between cells
    assert after["cell_x"] != before["cell_x"][:7]
    assert drawer.image.value != before_image and drawer.image.value[:4] == b"\x89PNG"
    assert drawer.last_redraw_ms > 0


def test_one_to_many_feeds_predictions_back(drawer):
    drawer.T_y.value = 3  # ignored while many-to-one fixes T_y, remembered for later
    drawer.kind.value = "one-to-many"
    assert drawer.T_x.disabled and drawer.T_x.value == 1 and not drawer.T_y.disabled and drawer.T_y.value == 3
    now = shown(drawer)
    assert (now["cells"], now["inputs"], now["outputs"], now["fed"], now["dashed"]) == (3, 1, 3, 2, 2)
    drawer.T_y.value = 8
    now = shown(drawer)
    assert (now["cells"], now["outputs"], now["dashed"]) == (8, 8, 7)
    arrow = drawer.diagram.feedback_arrows[0]
    assert arrow.get_linestyle() == "--"
    drawer.kind.value = "many-to-one"
    assert drawer.T_x.value == 5 and not drawer.T_x.disabled, "the T_x chosen before comes back"
    assert shown(drawer)["dashed"] == 0


def test_encoder_decoder_labels_its_parts(drawer):
    drawer.kind.value = "many-to-many (encoder-decoder)"
    drawer.T_x.value, drawer.T_y.value = 8, 8
    now = shown(drawer)
    assert now["cells"] == 16 and now["inputs"] == 8 and now["outputs"] == 8
    assert any(text.startswith("encoder") and "8" in text for text in now["parts"])
    assert any(text.startswith("decoder") for text in now["parts"])
    faces = [tuple(np.round(box.get_facecolor(), 3)) for box in visible(drawer.diagram.cell_boxes)]
    assert faces[0] != faces[-1], "encoder and decoder cells are coloured differently"
    assert "T_x = 8,   T_y = 8" == drawer.lengths_text.get_text()


def test_equal_lengths_type_ties_T_y_to_T_x(drawer):
    drawer.kind.value = "many-to-many (T_x = T_y)"
    assert drawer.T_y.disabled and drawer.T_y.value == drawer.T_x.value == 5
    drawer.T_x.value = 2
    assert drawer.T_y.value == 2 and shown(drawer)["outputs"] == 2
    assert "fixed by the type" in drawer.status.value


def test_the_pool_is_fixed_and_every_type_draws(drawer):
    count = len(drawer.figure.axes[0].get_children())
    for kind in KINDS:
        drawer.kind.value = kind
        for T in (1, 8):
            for slider in (drawer.T_x, drawer.T_y):
                if not slider.disabled:
                    slider.value = T
            used = lengths(kind, drawer.T_x.value, drawer.T_y.value)
            assert (drawer.T_x.value, drawer.T_y.value) == used
            assert shown(drawer)["outputs"] == used[1]
    assert len(drawer.figure.axes[0].get_children()) == count
    assert drawer.title.get_text() == list(KINDS)[-1]


def test_static_picture_for_readers_without_a_kernel(drawer):
    bundle = drawer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == drawer.image.value
