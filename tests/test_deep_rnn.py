"""The dependency grid of the deep-RNN lecture: the cones it computes and the figure it recolours in place."""

import base64
import html
from math import comb

import numpy as np
import pytest

from rnnlab.widgets.deep_rnn import DependencyGrid, cone, describe, unrolled_graph


@pytest.fixture
def grid():
    return DependencyGrid(L=3, T_x=6, row=2, t=4)


def test_graph_of_a_plain_deep_rnn():
    nodes, edges = unrolled_graph(3, 4)
    assert len(nodes) == 4 * (3 + 2)
    matrices = [matrix for _, _, matrix in edges]
    assert matrices.count("Wax") == 3 * 4 and matrices.count("Waa") == 3 * 3 and matrices.count("Wya") == 4
    assert (("a", 1, 2), ("a", 2, 2), "Wax") in edges and (("a", 2, 1), ("a", 2, 2), "Waa") in edges


def test_past_cone_is_everything_below_and_before():
    found = cone(3, 6, 2, 4)
    assert {node for node in found["states"]} == {("a", l, s) for l in (1, 2) for s in range(1, 5)} - {("a", 2, 4)}
    assert found["inputs"] == [("x", 0, s) for s in range(1, 5)]
    # from x<s> to a[l]<t>: every path has l + t - s products, and there are C(t - s + l - 1, l - 1) of them
    for s in range(1, 5):
        assert found["ends"][("x", 0, s)] == (2 + 4 - s, 2 + 4 - s, comb(4 - s + 1, 1))
    assert describe(3, 6, 2, 4).startswith("a[2]<4> depends on 7 hidden states and 4 inputs: x<1> … x<4>.")


def test_output_of_one_layer_against_three_layers():
    assert cone(1, 5, 2, 5)["ends"][("x", 0, 1)] == (6, 6, 1)   # x<1> -> a<1> -> ... -> a<5> -> ŷ<5>
    assert cone(3, 5, 4, 5)["ends"][("x", 0, 1)] == (8, 8, comb(4 + 2, 2))


def test_future_cone_and_a_bidirectional_layer():
    future = cone(2, 5, 0, 2, direction="future")
    assert future["outputs"] == [("y", 3, s) for s in range(2, 6)]
    assert future["inputs"] == []
    bidi = cone(2, 5, 3, 2, bidirectional=1)
    assert bidi["inputs"] == [("x", 0, s) for s in range(1, 6)], "a bidirectional layer sees the future"
    assert ("b", 1, 5) in bidi["states"] and ("a", 1, 3) not in bidi["states"]
    assert "depends on nothing" in describe(2, 5, 0, 1)
    assert "nothing in the network depends on it" in describe(2, 5, 3, 1, direction="future")


def test_moving_the_selection_recolours_in_place(grid):
    diagram = grid.diagram
    before_image = grid.image.value
    before_faces = diagram.boxes.get_facecolors().copy()
    before_hot = len(diagram.hot_edges.get_segments())
    children = len(diagram.ax.get_children())
    grid.t.value = 6
    assert len(diagram.ax.get_children()) == children, "no artist is created or removed"
    assert not np.array_equal(diagram.boxes.get_facecolors(), before_faces)
    assert len(diagram.hot_edges.get_segments()) > before_hot
    assert grid.image.value != before_image and grid.image.value[:4] == b"\x89PNG"
    assert grid.title.get_text() == "a[2]<6> depends on 11 hidden states and 6 inputs: x<1> … x<6>."
    assert "11 hidden states and 6 inputs" in html.unescape(grid.status.value)
    assert grid.last_redraw_ms > 0
    grid.direction.value = "future"
    assert len(diagram.hot_edges.get_segments()) == len(grid.found["edges"])
    assert "depend on a[2]<6>" in html.unescape(grid.status.value)


def test_selected_box_is_red_and_cone_boxes_coloured(grid):
    diagram = grid.diagram
    faces = diagram.boxes.get_facecolors()
    index = diagram.index
    assert np.allclose(faces[index[("a", 2, 4)]][:3], (0xd6 / 255, 0x27 / 255, 0x28 / 255))
    inside, outside = faces[index[("a", 1, 1)]], faces[index[("a", 1, 5)]]
    assert inside.sum() < outside.sum(), "boxes in the cone are darker than the others"


def test_changing_the_shape_keeps_a_valid_selection(grid):
    grid.row.value = 4  # ŷ
    grid.L.value = 5
    assert grid.row.value == 6, "the prediction row stays selected"
    assert [value for _, value in grid.row.options][0] == 6 and len(grid.row.options) == 7
    assert len(grid.diagram.boxes.get_offsets()) == 6 * 7
    grid.T_x.value = 3
    assert grid.t.value == 3 and grid.t.max == 3 and grid.play.max == 3
    assert len(grid.diagram.boxes.get_offsets()) == 3 * 7
    grid.bidirectional.value = 2
    assert len(grid.diagram.boxes.get_offsets()) == 3 * 8
    assert "bidirectional" in html.unescape(grid.status.value)
    grid.L.value = 1
    assert grid.bidirectional.value == 0 and grid.row.value == 2
    visible = [text.get_text() for text in grid.diagram.row_labels if text.get_visible()]
    assert visible == ["$x^{\\langle t\\rangle}$", "layer 1", "$\\hat{y}^{\\langle t\\rangle}$"]


def test_static_picture_for_readers_without_a_kernel(grid):
    bundle = grid._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == grid.image.value
