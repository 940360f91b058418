"""The dependency grid of the lecture "Deep RNNs".

A deep RNN unrolled in time is a grid: layers (rows, with the inputs ``x<t>`` below and the
predictions ``ŷ<t>`` above) by time steps (columns). ``unrolled_graph`` lists its nodes and edges
(one edge = one matrix product: ``Wax``, ``Waa`` or ``Wya``); ``cone`` finds everything a chosen
node depends on (its past) or everything that depends on it (its future), with the lengths of the
paths; ``DependencyDiagram`` draws a grid with a fixed set of collections whose data it replaces;
``DependencyGrid`` is the widget. Nothing here computes an RNN: it only follows arrows.

Nodes are tuples ``(kind, row, t)`` with ``t`` from 1 to ``T_x``: ``("x", 0, t)`` an input,
``("a", l, t)`` the hidden state of layer ``l`` (its forward half when the layer is bidirectional),
``("b", l, t)`` the backward half of a bidirectional layer, ``("y", L + 1, t)`` a prediction.
"""

import html
import time
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection

from ..plots import FigureWidget, new_figure

MAX_L, MAX_T = 5, 10

FACES = {  # (outside the cone, inside the cone)
    "x": ("#f4f4f4", "#a6a6a6"),
    "a": ("#eaf1f8", "#4f8fcc"),
    "b": ("#f2ecf7", "#9b6fc4"),
    "y": ("#fdf6df", "#efb93f"),
}
SELECTED = "#d62728"
EDGE_DIM, EDGE_PAST, EDGE_FUTURE = "#d4d4d4", "#1f4e79", "#b4570b"
DIRECTIONS = {"past": "what it depends on", "future": "what depends on it"}


def unrolled_graph(L, T_x, bidirectional=0):
    """The nodes and edges of an ``L``-layer RNN unrolled over ``T_x`` steps.

    ``bidirectional`` is the number of the layer (1 to ``L``) that reads the sequence in both
    directions, or 0 for none. Returns ``(nodes, edges)``: a list of node tuples, and a list of
    ``(source, target, matrix)`` with ``matrix`` one of ``"Wax"``, ``"Waa"``, ``"Wya"``.
    """
    return _graph(int(L), int(T_x), int(bidirectional))


@lru_cache(maxsize=128)
def _graph(L, T_x, bidirectional):
    steps = range(1, T_x + 1)
    nodes = [("x", 0, t) for t in steps]
    edges = []
    below = [[("x", 0, t)] for t in steps]  # what layer l reads at each step
    for l in range(1, L + 1):
        kinds = ("a", "b") if l == bidirectional else ("a",)
        for kind in kinds:
            nodes += [(kind, l, t) for t in steps]
        for t in steps:
            for kind in kinds:
                edges += [(source, (kind, l, t), "Wax") for source in below[t - 1]]
            if t > 1:
                edges.append((("a", l, t - 1), ("a", l, t), "Waa"))
            if "b" in kinds and t < T_x:
                edges.append((("b", l, t + 1), ("b", l, t), "Waa"))
        below = [[(kind, l, t) for kind in kinds] for t in steps]
    nodes += [("y", L + 1, t) for t in steps]
    edges += [(source, ("y", L + 1, t), "Wya") for t in steps for source in below[t - 1]]
    return tuple(nodes), tuple(edges)


def selection(L, T_x, row, t, bidirectional=0):
    """The nodes that stand for grid cell ``(row, t)``: row 0 is ``x``, rows 1..L the layers,
    row ``L + 1`` the predictions; a bidirectional layer's cell holds both of its halves."""
    if row == 0:
        return [("x", 0, t)]
    if row == L + 1:
        return [("y", L + 1, t)]
    return [("a", row, t)] + ([("b", row, t)] if row == bidirectional else [])


def name(node):
    """A node as plain text, e.g. ``a[2]<3>``, ``x<1>``, ``ŷ<4>``, ``a←[1]<2>``."""
    kind, row, t = node
    return {"x": f"x<{t}>", "y": f"ŷ<{t}>", "a": f"a[{row}]<{t}>", "b": f"a←[{row}]<{t}>"}[kind]


def cone(L, T_x, row, t, direction="past", bidirectional=0):
    """What grid cell ``(row, t)`` depends on (``direction="past"``) or what depends on it ("future").

    Returns a dict: ``selected`` (the cell's nodes), ``nodes`` (the other nodes of the cone),
    ``edges`` (indices into the graph's edge list of the edges on paths between them),
    ``states``, ``inputs``, ``outputs`` (the cone's hidden states, inputs ``x`` and predictions
    ``ŷ``, sorted), and ``ends``: for each input in the cone (past) or each prediction (future),
    ``(shortest, longest, count)``: the fewest and most matrix products on a path between it and
    the cell, and how many different paths there are.
    """
    nodes, edges = unrolled_graph(L, T_x, bidirectional)
    selected = selection(L, T_x, row, t, bidirectional)
    forward = direction == "future"
    ahead = {node: [] for node in nodes}  # node -> [(neighbour, edge index)], walking away from the cell
    behind = {node: [] for node in nodes}  # the same links, walked the other way
    for index, (source, target, _) in enumerate(edges):
        if forward:
            source, target = target, source
        ahead[target].append((source, index))
        behind[source].append((target, index))
    reached, on_paths, stack = set(), set(), list(selected)
    while stack:
        node = stack.pop()
        for neighbour, index in ahead[node]:
            on_paths.add(index)
            if neighbour not in reached:
                reached.add(neighbour)
                stack.append(neighbour)
    reached -= set(selected)

    @lru_cache(maxsize=None)
    def paths(node):  # (shortest, longest, count) of the paths between the cell and `node`
        if node in selected:
            return 0, 0, 1
        found = [paths(n) for n, _ in behind[node] if n in reached or n in selected]
        return 1 + min(f[0] for f in found), 1 + max(f[1] for f in found), sum(f[2] for f in found)

    ends_kind = "y" if forward else "x"
    ends = {node: paths(node) for node in sorted(reached, key=_order) if node[0] == ends_kind}
    return {"selected": selected, "nodes": reached, "edges": on_paths,
            "states": sorted((n for n in reached if n[0] in "ab"), key=_order),
            "inputs": sorted((n for n in reached if n[0] == "x"), key=_order),
            "outputs": sorted((n for n in reached if n[0] == "y"), key=_order),
            "ends": ends}


def _order(node):
    return node[1], node[2], node[0]


def _span(nodes):
    """``x<1> … x<4>`` or a list, for a caption."""
    if not nodes:
        return "none"
    steps = [node[2] for node in nodes]
    if len(nodes) > 2 and steps == list(range(steps[0], steps[-1] + 1)):
        return f"{name(nodes[0])} … {name(nodes[-1])}"
    return ", ".join(name(node) for node in nodes)


def describe(L, T_x, row, t, direction="past", bidirectional=0, found=None):
    """The caption of a selection: what is in its cone, and how long the paths are (plain text).
    ``found`` is the selection's ``cone``, when it is known already."""
    found = found or cone(L, T_x, row, t, direction, bidirectional)
    here = " and ".join(name(node) for node in found["selected"])
    states = len(found["states"])
    if direction == "past":
        if row == 0:
            return f"{here} is an input: it depends on nothing. Choose 'what depends on it'."
        first = (f"{here} depends on {states} hidden state{'s' * (states != 1)} and "
                 f"{len(found['inputs'])} input{'s' * (len(found['inputs']) != 1)}: {_span(found['inputs'])}.")
        what = "input"
    else:
        if row == L + 1:
            return f"{here} is a prediction: nothing in the network depends on it. Choose 'what it depends on'."
        first = (f"{states} hidden state{'s' * (states != 1)} and {len(found['outputs'])} "
                 f"prediction{'s' * (len(found['outputs']) != 1)} depend on {here}: {_span(found['outputs'])}.")
        what = "prediction"
    ends = found["ends"]
    shortest = min(ends.items(), key=lambda item: (item[1][0], -item[0][2]))
    longest = max(ends.items(), key=lambda item: (item[1][1], -item[0][2]))
    count = sum(value[2] for value in ends.values())
    second = (f"Matrix products on a path to a{'n' * (what == 'input')} {what}: fewest {shortest[1][0]} "
              f"({name(shortest[0])}), most {longest[1][1]} ({name(longest[0])}); "
              + (f"{count} different paths in all." if count > 1 else "a single path."))
    return first + "\n" + second


class DependencyDiagram:
    """Draws the dependency grid on ``ax`` with a fixed set of artists whose data ``show`` replaces.

    Light grey: every node and arrow of the unrolled network; coloured: the cone of the selected
    cell (red), with the arrows on its paths dark. ``artists`` lists the artists that change with
    the selection; ``structure`` those that change only with ``L``, ``T_x`` and the bidirectional layer.
    """

    def __init__(self, ax, fontsize=11):
        self.ax, self.fontsize = ax, fontsize
        ax.set_axis_off()
        self.dim_edges = ax.add_collection(LineCollection([], colors=EDGE_DIM, linewidths=1.2, zorder=1))
        self.hot_edges = ax.add_collection(LineCollection([], colors=EDGE_PAST, linewidths=2.4, zorder=2))
        self.heads = {marker: ax.scatter([], [], marker=marker, s=40, linewidths=0, zorder=3)
                      for marker in (">", "<", "^")}
        self.boxes = ax.scatter([], [], marker="s", zorder=4)
        self.row_labels = [ax.text(0, 0, "", ha="right", va="center", fontsize=fontsize, visible=False)
                           for _ in range(MAX_L + 2)]
        self.column_labels = [ax.text(0, 0, "", ha="center", va="top", fontsize=fontsize, visible=False)
                              for _ in range(MAX_T)]
        self.artists = [self.hot_edges, *self.heads.values(), self.boxes]
        self.structure = [self.dim_edges, *self.row_labels, *self.column_labels]
        self.key = None

    @staticmethod
    def position(node, bidirectional):
        kind, row, t = node
        if row == bidirectional and kind in "ab":
            return (t - 0.2, row + 0.13) if kind == "a" else (t + 0.2, row - 0.13)
        return float(t), float(row)

    def _layout(self, L, T_x, bidirectional):
        """Place the grid for a new shape (changes the non-animated artists)."""
        self.key = (L, T_x, bidirectional)
        ax = self.ax
        ax.set_xlim(-0.35, T_x + 0.6)
        ax.set_ylim(-0.75, L + 1.5)
        self.nodes, self.edges = unrolled_graph(L, T_x, bidirectional)
        self.xy = np.array([self.position(node, bidirectional) for node in self.nodes])
        self.index = {node: k for k, node in enumerate(self.nodes)}
        # box size: 0.42 of a grid step in the tighter direction, in points
        figure = ax.figure
        width_px = ax.get_position().width * figure.get_figwidth() * figure.dpi
        height_px = ax.get_position().height * figure.get_figheight() * figure.dpi
        step_px = min(width_px / (T_x + 0.95), height_px / (L + 2.25))
        side = 0.42 * step_px * 72 / figure.dpi
        small = [node[1] == bidirectional and node[0] in "ab" for node in self.nodes]
        self.sizes = np.where(small, (0.62 * side) ** 2, side ** 2)
        half = np.where(small, 0.31, 0.5) * 0.42 * step_px  # half a box, in pixels
        scale = np.array([width_px / (T_x + 0.95), height_px / (L + 2.25)])  # pixels per data unit

        segments, heads = [], []
        for source, target, _ in self.edges:
            start, end = self.xy[self.index[source]], self.xy[self.index[target]]
            vector = (end - start) * scale
            length = np.hypot(*vector)
            unit = vector / length
            tip = end - unit * half[self.index[target]] / scale
            segments.append([start, tip])
            marker = ">" if unit[0] > 0.9 else "<" if unit[0] < -0.9 else "^"
            heads.append((tip - unit * 4.5 / scale, marker))
        self.segments = np.array(segments)
        self.head_xy = np.array([xy for xy, _ in heads])
        self.head_marker = [marker for _, marker in heads]
        self.dim_edges.set_segments(self.segments)

        labels = [("$x^{\\langle t\\rangle}$", 0)] + [(f"layer {l}", l) for l in range(1, L + 1)]
        labels.append(("$\\hat{y}^{\\langle t\\rangle}$", L + 1))
        for text in self.row_labels + self.column_labels:
            text.set_visible(False)
        for text, (label, row) in zip(self.row_labels, labels):
            if bidirectional and row == bidirectional:
                label += "\n(bidirectional)"
            text.set_text(label)
            text.set_position((0.45, row))
            text.set_fontsize(self.fontsize if "\n" not in label else 0.85 * self.fontsize)
            text.set_visible(True)
        for t, text in zip(range(1, T_x + 1), self.column_labels):
            text.set_text(f"t = {t}")
            text.set_position((t, -0.45))
            text.set_visible(True)

    def show(self, L, T_x, row, t, direction="past", bidirectional=0):
        """Draw the grid for ``L`` layers and ``T_x`` steps with the cone of cell ``(row, t)``.

        Returns ``(found, relayout)``: the ``cone`` dict and whether the structure changed (then the
        non-animated artists changed too).
        """
        relayout = (L, T_x, bidirectional) != self.key
        if relayout:
            self._layout(L, T_x, bidirectional)
        found = cone(L, T_x, row, t, direction, bidirectional)
        inside = found["nodes"]
        faces = [SELECTED if node in found["selected"] else FACES[node[0]][node in inside] for node in self.nodes]
        edgecolors = ["#7f0000" if node in found["selected"] else "#555555" if node in inside else "#bbbbbb"
                      for node in self.nodes]
        self.boxes.set_offsets(self.xy)
        self.boxes.set_sizes(self.sizes)
        self.boxes.set_facecolors(faces)
        self.boxes.set_edgecolors(edgecolors)
        self.boxes.set_linewidths([2.0 if node in found["selected"] else 1.0 for node in self.nodes])
        hot = sorted(found["edges"])
        color = EDGE_PAST if direction == "past" else EDGE_FUTURE
        self.hot_edges.set_segments(self.segments[hot] if hot else [])
        self.hot_edges.set_color(color)
        hot_set = set(hot)
        for marker, heads in self.heads.items():
            chosen = [k for k, m in enumerate(self.head_marker) if m == marker]
            heads.set_offsets(self.head_xy[chosen] if chosen else np.empty((0, 2)))
            heads.set_facecolors([color if k in hot_set else "#bdbdbd" for k in chosen])
            heads.set_sizes([46 if k in hot_set else 30 for k in chosen])
        return found, relayout


class DependencyGrid(FigureWidget):
    """Select a cell of a deep RNN unrolled in time; see every input and hidden state it depends on.

    Controls: the number of layers ``L`` (1 to 5) and of steps ``T_x`` (2 to 10), an optional
    bidirectional layer, the selected cell (its row: ``x``, a layer or ``ŷ``; its step ``t``, with a
    play button) and the direction: what the cell depends on (its past), or what depends on it
    (its future). The caption counts the cone's hidden states, inputs or predictions, and the matrix
    products on the paths. Only the coloured artists change when the selection moves.
    """

    def __init__(self, L=3, T_x=6, row=2, t=4, direction="past", bidirectional=0):
        style = {"description_width": "initial"}
        self.L = widgets.IntSlider(value=L, min=1, max=MAX_L, description="layers L", style=style)
        self.T_x = widgets.IntSlider(value=T_x, min=2, max=MAX_T, description="steps T_x", style=style)
        self.bidirectional = widgets.Dropdown(description="bidirectional", style=style,
                                              layout=widgets.Layout(width="15em"))
        self.row = widgets.Dropdown(description="cell: row", style=style, layout=widgets.Layout(width="15em"))
        self.t = widgets.IntSlider(value=t, min=1, max=T_x, description="step t")
        self.play = widgets.Play(value=t, min=1, max=T_x, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        self.direction = widgets.ToggleButtons(options=[(label, key) for key, label in DIRECTIONS.items()],
                                               value=direction, style={"button_width": "11em"})
        self._syncing = False
        self._sync_options(row, bidirectional)
        self._build_figure()
        self._assemble(widgets.HBox([self.L, self.T_x, self.bidirectional]),
                       widgets.HBox([self.row, self.play, self.t]), self.direction)
        for control in (self.L, self.T_x, self.bidirectional):
            control.observe(lambda change: self._shape_changed(), "value")
        for control in (self.row, self.t, self.direction):
            control.observe(lambda change: self.update(), "value")
        self.update()

    def _sync_options(self, row, bidirectional):
        """Options of the row and bidirectional menus for the current L, keeping the choices if they fit."""
        L = self.L.value
        self._syncing = True
        try:
            self.bidirectional.options = [("none", 0)] + [(f"layer {l}", l) for l in range(1, L + 1)]
            self.bidirectional.value = bidirectional if bidirectional <= L else 0
            options = [("ŷ (predictions)", L + 1)] + [(f"layer {l}", l) for l in range(L, 0, -1)]
            self.row.options = options + [("x (inputs)", 0)]
            old_top = getattr(self, "_top", None)
            if row == old_top:  # the prediction row stays selected as L changes
                row = L + 1
            self.row.value = min(row, L + 1)
            self._top = L + 1
            self.t.max = self.play.max = self.T_x.value
        finally:
            self._syncing = False

    def _shape_changed(self):
        if self._syncing:
            return
        self._sync_options(self.row.value, self.bidirectional.value)
        self.update()

    def _build_figure(self):
        self.figure = new_figure(12, 5.4)
        ax = self.figure.add_axes([0.06, 0.0, 0.93, 0.9])
        self.diagram = DependencyDiagram(ax)
        self.title = self.figure.text(0.012, 0.975, "", fontsize=13, va="top", weight="bold")
        self.animate(*self.diagram.artists, self.title)

    @property
    def selected(self):
        """The current selection as the arguments of ``cone``."""
        return (self.L.value, self.T_x.value, self.row.value, self.t.value, self.direction.value,
                self.bidirectional.value)

    def update(self):
        """Recolour the grid for the current selection (and re-lay it out after a change of shape)."""
        if self._syncing:
            return
        started = time.perf_counter()
        L, T_x, row, t, direction, bidirectional = self.selected
        self.found, relayout = self.diagram.show(L, T_x, row, t, direction, bidirectional)
        if relayout:
            self.invalidate()
        self.caption = describe(L, T_x, row, t, direction, bidirectional, self.found)
        self.title.set_text(self.caption.split("\n")[0])  # so that the static picture says it too
        if bidirectional:
            self.caption += (f"\nLayer {bidirectional} is bidirectional: its small blue boxes read the sequence "
                             "forwards, its purple boxes backwards (right to left).")
        self.redraw(started)
        lines = [html.escape(line) for line in self.caption.split("\n")]
        self.status.value = f'<div style="font-size:1.05em; line-height:1.5">{"<br>".join(lines)}</div>'
