"""The architecture drawer of the lecture "Different types of RNNs".

``layout(kind, T_x, T_y)`` says which boxes and arrows an unrolled architecture has (a plain
description, easy to test); ``ArchitectureDiagram`` draws such a layout on a matplotlib axes with a
fixed pool of artists that it shows, hides and moves; ``ArchitectureDrawer`` is the widget: a type
and the lengths ``T_x``, ``T_y`` chosen with controls, and the diagram redrawn in place.
Nothing here computes an RNN: it only draws.
"""

import time

import ipywidgets as widgets
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..plots import FigureWidget, new_figure

MAX_T = 8

# kind -> (rule for the lengths, example tasks, one line on what the unrolled graph looks like).
# A rule is "free", or an int (the length is fixed to it), or "T_x" (T_y follows T_x).
KINDS = {
    "one-to-one": {
        "T_x": 1, "T_y": 1,
        "tasks": "image classification, predicting a price from a fixed list of features",
        "graph": "no recurrence at all: one input, one hidden layer, one output (a standard network)"},
    "one-to-many": {
        "T_x": 1, "T_y": "free",
        "tasks": "music generation from a seed note or a genre, writing a caption for an image",
        "graph": ("one input x<1> at the first step; each prediction ŷ<t> is fed back as the next input "
                  "x<t+1> (dashed)")},
    "many-to-one": {
        "T_x": "free", "T_y": 1,
        "tasks": "sentiment classification of a review, recognising a spoken keyword, rating a sequence",
        "graph": "an input at every step, a single prediction from the last hidden state a<T_x>"},
    "many-to-many (T_x = T_y)": {
        "T_x": "free", "T_y": "T_x",
        "tasks": "named-entity recognition, part-of-speech tagging, one label per video frame",
        "graph": "one prediction per input, made as soon as the input is read"},
    "many-to-many (encoder-decoder)": {
        "T_x": "free", "T_y": "free",
        "tasks": "machine translation, speech recognition, summarising a text",
        "graph": "an encoder reads the whole input first; then a decoder writes T_y outputs"},
}

COLORS = {"input": "#f3f3f3", "cell": "#cfe3f5", "encoder": "#cfe3f5", "decoder": "#fbd9b8",
          "dense": "#e3e3e3", "output": "#fff2b3"}


def lengths(kind, T_x, T_y):
    """The lengths ``(T_x, T_y)`` that the architecture ``kind`` actually uses."""
    rule = KINDS[kind]
    used_x = T_x if rule["T_x"] == "free" else rule["T_x"]
    used_y = {"free": T_y, "T_x": used_x}.get(rule["T_y"], rule["T_y"])
    return used_x, used_y


def _math(symbol, t):
    return rf"${symbol}^{{\langle {t}\rangle}}$"


def layout(kind, T_x, T_y):
    """What to draw for ``kind`` with lengths ``T_x``, ``T_y`` (ignored where ``kind`` fixes them).

    Returns a dict: ``T_x``, ``T_y`` (the lengths used); ``cells``, a list of ``(role, label)``
    one per column from left to right (role ``cell``, ``encoder``, ``decoder`` or ``dense``);
    ``inputs`` and ``outputs``, lists of ``(column, label)``; ``feedback``, a list of
    ``(from_column, to_column)`` for predictions fed back as the next input; ``a0`` (whether an
    initial state ``a<0>`` enters the first cell); ``parts``, a list of ``(name, first_column,
    last_column)`` (the encoder and the decoder).
    """
    T_x, T_y = lengths(kind, T_x, T_y)
    drawing = {"T_x": T_x, "T_y": T_y, "feedback": [], "a0": True, "parts": []}
    if kind == "one-to-one":
        drawing.update(cells=[("dense", "hidden\nlayer")], inputs=[(0, "$x$")], outputs=[(0, r"$\hat{y}$")],
                       a0=False)
    elif kind == "many-to-many (encoder-decoder)":
        drawing["cells"] = ([("encoder", _math("a", t)) for t in range(1, T_x + 1)]
                            + [("decoder", _math("a", T_x + t)) for t in range(1, T_y + 1)])
        drawing["inputs"] = [(t - 1, _math("x", t)) for t in range(1, T_x + 1)]
        drawing["outputs"] = [(T_x + t - 1, _math(r"\hat{y}", t)) for t in range(1, T_y + 1)]
        drawing["parts"] = [("encoder", 0, T_x - 1), ("decoder", T_x, T_x + T_y - 1)]
    else:
        steps = max(T_x, T_y)
        drawing["cells"] = [("cell", _math("a", t)) for t in range(1, steps + 1)]
        drawing["inputs"] = [(t - 1, _math("x", t)) for t in range(1, T_x + 1)]
        first_output = steps - T_y  # many-to-one: the only output is at the last step
        drawing["outputs"] = [(first_output + t - 1, _math(r"\hat{y}", first_output + t))
                              for t in range(1, T_y + 1)]
        if kind == "many-to-one":
            drawing["outputs"] = [(steps - 1, r"$\hat{y}$")]  # one prediction: no time index
        if kind == "one-to-many":
            drawing["feedback"] = [(t, t + 1) for t in range(steps - 1)]
    return drawing


class ArchitectureDiagram:
    """Draws a ``layout`` on ``ax`` with a pool of artists created once (for up to ``2 * max_T`` columns).

    ``show(kind, T_x, T_y)`` shows, hides and moves the pool's artists; nothing is created or
    removed after ``__init__``. ``artists`` lists every artist of the pool.
    """

    WIDTH, HEIGHT = 0.66, 0.56           # box size in data units (one column = 1 unit)
    ROWS = {"input": 0.0, "cell": 1.35, "output": 2.7}

    def __init__(self, ax, max_T=MAX_T, fontsize=11):
        self.ax, self.max_T, self._fontsize = ax, max_T, fontsize
        self.columns = 2 * max_T
        ax.set_xlim(-1.6, self.columns + 0.1)
        ax.set_ylim(-1.35, 4.0)
        ax.set_axis_off()

        def box(kind):
            patch = FancyBboxPatch((0, 0), self.WIDTH, self.HEIGHT, boxstyle="round,pad=0,rounding_size=0.08",
                                   facecolor=COLORS[kind], edgecolor="#333333", linewidth=1.2, visible=False)
            return ax.add_patch(patch)

        def text(size=fontsize, **kwargs):
            return ax.text(0, 0, "", ha="center", va="center", fontsize=size, visible=False, **kwargs)

        def arrow(style="-|>", linestyle="-", color="#333333", connection="arc3"):
            patch = FancyArrowPatch((0, 0), (1, 0), arrowstyle=style, mutation_scale=11, shrinkA=0, shrinkB=0,
                                    color=color, linestyle=linestyle, linewidth=1.3,
                                    connectionstyle=connection, visible=False)
            return ax.add_patch(patch)

        self.cell_boxes = [box("cell") for _ in range(self.columns)]
        self.cell_texts = [text() for _ in range(self.columns)]
        self.input_boxes = [box("input") for _ in range(max_T)]
        self.input_texts = [text() for _ in range(max_T)]
        self.output_boxes = [box("output") for _ in range(max_T)]
        self.output_texts = [text() for _ in range(max_T)]
        self.input_arrows = [arrow() for _ in range(max_T)]
        self.output_arrows = [arrow() for _ in range(max_T)]
        self.state_arrows = [arrow() for _ in range(self.columns)]  # [0] brings a<0> in
        self.feedback_arrows = [arrow(linestyle="--", color="#c05000") for _ in range(max_T)]
        self.fed_boxes = [box("input") for _ in range(max_T)]  # x<t+1> = ŷ<t>, drawn dashed
        for patch in self.fed_boxes:
            patch.set_linestyle("--")
            patch.set_edgecolor("#c05000")
        self.fed_texts = [text() for _ in range(max_T)]
        self.fed_arrows = [arrow() for _ in range(max_T)]
        self.a0_text = text()
        self.part_lines = [ax.add_line(Line2D([], [], color=color, linewidth=2, visible=False))
                           for color in ("#2b6ca3", "#c05000")]
        self.part_texts = [text(size=fontsize, color=color) for color in ("#2b6ca3", "#c05000")]
        # arrows first, then boxes, then the labels on top of them
        self.artists = [*self.state_arrows, *self.input_arrows, *self.output_arrows, *self.feedback_arrows,
                        *self.fed_arrows, *self.cell_boxes, *self.input_boxes, *self.fed_boxes, *self.output_boxes,
                        *self.cell_texts, *self.input_texts, *self.fed_texts, *self.output_texts, self.a0_text,
                        *self.part_lines, *self.part_texts]

    def _place(self, box, label, x, row, text, kind=None):
        y = self.ROWS[row]
        box.set_bounds(x - self.WIDTH / 2, y - self.HEIGHT / 2, self.WIDTH, self.HEIGHT)
        if kind is not None:
            box.set_facecolor(COLORS[kind])
        box.set_visible(True)
        text.set_position((x, y))
        text.set_text(label)
        text.set_fontsize(self._fontsize * (0.75 if "\n" in label else 1))
        text.set_visible(True)

    def show(self, kind, T_x, T_y):
        """Draw the architecture ``kind`` with lengths ``T_x``, ``T_y``; returns its ``layout``."""
        drawing = layout(kind, min(T_x, self.max_T), min(T_y, self.max_T))
        for artist in self.artists:
            artist.set_visible(False)
        count = len(drawing["cells"])
        center = (self.columns - 1) / 2
        xs = [center - (count - 1) / 2 + column for column in range(count)]
        w, h = self.WIDTH / 2, self.HEIGHT / 2
        cell_y, in_y, out_y = self.ROWS["cell"], self.ROWS["input"], self.ROWS["output"]

        for column, (role, label) in enumerate(drawing["cells"]):
            self._place(self.cell_boxes[column], label, xs[column], "cell", self.cell_texts[column], role)
            if column > 0:
                arrow = self.state_arrows[column]
                arrow.set_positions((xs[column - 1] + w, cell_y), (xs[column] - w, cell_y))
                arrow.set_visible(True)
        if drawing["a0"]:
            self.a0_text.set_position((xs[0] - 0.8, cell_y))
            self.a0_text.set_text(_math("a", 0))
            self.a0_text.set_visible(True)
            self.state_arrows[0].set_positions((xs[0] - 0.58, cell_y), (xs[0] - w, cell_y))
            self.state_arrows[0].set_visible(True)

        for k, (column, label) in enumerate(drawing["inputs"]):
            self._place(self.input_boxes[k], label, xs[column], "input", self.input_texts[k])
            self.input_arrows[k].set_positions((xs[column], in_y + h), (xs[column], cell_y - h))
            self.input_arrows[k].set_visible(True)
        for k, (column, label) in enumerate(drawing["outputs"]):
            self._place(self.output_boxes[k], label, xs[column], "output", self.output_texts[k])
            self.output_arrows[k].set_positions((xs[column], cell_y + h), (xs[column], out_y - h))
            self.output_arrows[k].set_visible(True)
        for k, (source, target) in enumerate(drawing["feedback"]):
            # ŷ<t> becomes the next input x<t+1>: a dashed box below the next cell, reached by a dashed
            # arrow that passes between the two cells
            self._place(self.fed_boxes[k], _math("x", target + 1), xs[target], "input", self.fed_texts[k])
            self.feedback_arrows[k].set_positions((xs[source] + 0.6 * w, out_y - h),
                                                  (xs[target] - 0.6 * w, in_y + h))
            self.feedback_arrows[k].set_visible(True)
            self.fed_arrows[k].set_positions((xs[target], in_y + h), (xs[target], cell_y - h))
            self.fed_arrows[k].set_visible(True)

        for k, (name, first, last) in enumerate(drawing["parts"]):
            line, label = self.part_lines[k], self.part_texts[k]
            left, right = xs[first] - w - 0.08, xs[last] + w + 0.08
            if name == "encoder":
                y, tick, text_y, va = in_y - h - 0.22, 0.12, in_y - h - 0.42, "top"
                last = drawing["T_x"]
                label.set_text(rf"encoder: reads $x^{{\langle 1\rangle}} \ldots x^{{\langle {last}\rangle}}$")
            else:
                y, tick, text_y, va = out_y + h + 0.22, -0.12, out_y + h + 0.42, "bottom"
                label.set_text(rf"decoder: writes $\hat{{y}}^{{\langle 1\rangle}} \ldots "
                               rf"\hat{{y}}^{{\langle {drawing['T_y']}\rangle}}$")
            line.set_data([left, left, right, right], [y + tick, y, y, y + tick])
            line.set_visible(True)
            label.set_position(((left + right) / 2, text_y))
            label.set_verticalalignment(va)
            label.set_visible(True)
        return drawing


class ArchitectureDrawer(FigureWidget):
    """Pick a type of RNN and the lengths ``T_x``, ``T_y``; see the architecture unrolled in time.

    Inputs ``x<t>`` (grey boxes, bottom), cells with their hidden states ``a<t>`` (blue; the
    encoder blue and the decoder orange in the encoder-decoder), predictions ``ŷ<t>`` (yellow,
    top), arrows for what flows where, dashed arrows for predictions fed back as the next input.
    A slider whose length the type fixes is disabled and shows the fixed value; the value chosen
    before comes back when a type that frees it is picked.
    """

    def __init__(self, kind="many-to-one", T_x=5, T_y=4, max_T=MAX_T):
        self.max_T = max_T
        self.kind = widgets.ToggleButtons(options=list(KINDS), value=kind, description="type",
                                          style={"button_width": "auto"})
        self.T_x = widgets.IntSlider(value=T_x, min=1, max=max_T, description="T_x")
        self.T_y = widgets.IntSlider(value=T_y, min=1, max=max_T, description="T_y")
        self._chosen = {"T_x": T_x, "T_y": T_y}  # what the user picked, kept while a slider is fixed
        self._syncing = False
        self._build_figure()
        self._assemble(self.kind, widgets.HBox([self.T_x, self.T_y]))
        self.kind.observe(lambda change: self.update(), "value")
        for name, slider in (("T_x", self.T_x), ("T_y", self.T_y)):
            slider.observe(lambda change, name=name: self._slider_moved(name, change["new"]), "value")
        self.update()

    def _build_figure(self):
        self.figure = new_figure(12, 4.3)
        ax = self.figure.add_axes([0.0, 0.17, 1.0, 0.72])
        self.diagram = ArchitectureDiagram(ax, self.max_T)
        self.title = self.figure.text(0.012, 0.955, "", fontsize=14, va="top", weight="bold")
        self.caption = self.figure.text(0.012, 0.13, "", fontsize=11, va="top")
        self.lengths_text = self.figure.text(0.988, 0.955, "", fontsize=13, va="top", ha="right")
        self._captioned = None  # the type the title and caption describe (they change with the type only)
        self.animate(*self.diagram.artists, self.lengths_text)

    def _slider_moved(self, name, value):
        if self._syncing:
            return
        self._chosen[name] = value
        self.update()

    def _sync_sliders(self, used_x, used_y):
        """Disable the sliders the type fixes and show the fixed values on them."""
        rule = KINDS[self.kind.value]
        self._syncing = True
        try:
            for name, slider, used in (("T_x", self.T_x, used_x), ("T_y", self.T_y, used_y)):
                fixed = rule[name] != "free"
                slider.disabled = fixed
                slider.value = used if fixed else self._chosen[name]
        finally:
            self._syncing = False

    def update(self):
        """Redraw the diagram for the current type and lengths."""
        started = time.perf_counter()
        kind = self.kind.value
        used_x, used_y = lengths(kind, self._chosen["T_x"], self._chosen["T_y"])
        self._sync_sliders(used_x, used_y)
        self.drawing = self.diagram.show(kind, used_x, used_y)
        self.lengths_text.set_text(f"T_x = {used_x},   T_y = {used_y}")
        if kind != self._captioned:  # not animated: a new type redraws the whole figure once
            info = KINDS[kind]
            self.title.set_text(kind)
            self.caption.set_text(f"Tasks: {info['tasks']}.\nGraph: {info['graph']}.")
            self._captioned = kind
            self.invalidate()
        fixed = [f"{name} = {KINDS[kind][name] if KINDS[kind][name] != 'T_x' else 'T_x'}"
                 for name in ("T_x", "T_y") if KINDS[kind][name] != "free"]
        self.say(f"For {kind}, {' and '.join(fixed)} (fixed by the type)." if fixed else "")
        self.redraw(started)
