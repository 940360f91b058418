"""The backpropagation-through-time stepper of the lecture "Backpropagation through time"."""

import html
import json
import re
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch, Polygon

from ..data import assets_dir
from ..plots import FigureWidget, new_figure


def load_bptt_trace():
    """The precomputed forward and backward pass of a one-unit RNN over ``T_x = 4`` steps.

    Returns the dict of ``assets/bptt/scalar_rnn_trace.json`` (made by
    ``assets/scripts/make_bptt_trace.py``): ``parameters`` (``w_ax, w_aa, w_ya, b_a, b_y``), ``x`` and
    ``y`` (lists of ``T_x`` numbers; ``y`` holds 0/1 labels), ``a`` (``T_x + 1`` values, ``a[0]`` is
    ``a<0> = 0``), ``y_hat`` and ``losses`` (``T_x`` values), ``loss`` (their sum), ``backward`` (one
    dict per step with ``dz_y, da_from_loss, da_from_next, da, dz`` and the step's contributions
    ``dw_aa, dw_ax, db_a, dw_ya, db_y``) and ``gradients`` (the contributions summed over the steps).
    """
    return json.loads((assets_dir() / "bptt" / "scalar_rnn_trace.json").read_text())


# Colours of a node or an edge: not computed yet, computed at an earlier stage, computed now.
TODO, DONE = "#d0d0d0", "#8c8c8c"
FORWARD, BACKWARD, LIGHT_BACKWARD = "#1f6fb4", "#d9480f", "#f3b48f"
# A node is a white disc with its label (drawn once) under a tinted, translucent disc that changes:
# nearly opaque white while the node is not computed yet (its label looks faded), then tinted.
FACE = {"todo": (1, 1, 1, 0.7), "done": (0.55, 0.55, 0.55, 0.16), "forward": (0.12, 0.44, 0.71, 0.2),
        "backward": (0.85, 0.28, 0.06, 0.2)}
PARAMETERS = ("Wax", "Waa", "Wya")


def caption_html(text):
    """A caption written in the course's code notation (``a<t>``, ``Waa``, ``dWax``, ...) as HTML."""
    text = html.escape(text)
    text = re.sub(r"([A-Za-zŷ]|∂a)&lt;([^&]+?)&gt;", r"\1<sup>⟨\2⟩</sup>", text)
    text = re.sub(r"\b(d?W)(aa|ax|ya)\b", r"<i>\1</i><sub>\2</sub>", text)
    text = re.sub(r"\b(d?b)(a|y)\b", r"<i>\1</i><sub>\2</sub>", text)
    text = re.sub(" {3,}", "&ensp;&emsp;", text.replace("Σt", "Σ<sub>t</sub>"))
    lines = text.split("\n")
    return ('<div style="font-size:1.15em; line-height:1.8">' + "<br>".join(lines) + "</div>")


class _Arrow:
    """The artists of one arrow (a line and maybe a head), styled together."""

    def __init__(self, artists):
        self.artists = artists

    def style(self, colour, width, visible=True, alpha=1.0):
        for artist in self.artists:
            artist.set_color(colour)
            artist.set_visible(visible)
            artist.set_alpha(alpha)
        self.artists[0].set_linewidth(width)


class BPTTStepper(FigureWidget):
    """Step through the forward pass and then the backward pass of an RNN unrolled over ``T_x`` steps.

    Left: the computational graph (inputs ``x<t>``, hidden states ``a<t>``, predictions ``ŷ<t>``,
    losses ``L<t>``, the total loss ``L``, and the shared parameters ``Wax``, ``Waa``, ``Wya`` drawn
    once, with a line to every step that uses them). The nodes and edges computed at the current
    stage are coloured (blue forward, orange backward), those of earlier stages grey. Right: the
    gradient accumulated into ``Waa`` step by step. Below: the equation of the stage with its numbers.

    The numbers come from ``trace`` (default: :func:`load_bptt_trace`), a one-unit RNN whose
    parameters are written ``w_ax``, ... in the trace and ``Wax``, ... on the figure.
    """

    def __init__(self, trace=None):
        self.trace = load_bptt_trace() if trace is None else trace
        self.T = len(self.trace["x"])
        self.stages = self._stages()
        self.stage = widgets.IntSlider(value=0, min=0, max=len(self.stages) - 1, description="stage",
                                       readout=False, layout=widgets.Layout(width="22em"))
        self.back = widgets.Button(description="◀ back", layout=widgets.Layout(width="7em"))
        self.next = widgets.Button(description="next ▶", layout=widgets.Layout(width="7em"))
        self.label = widgets.HTML()
        self._build_figure()
        # The equation of the stage is shown as HTML under the figure: rendering long strings into the
        # figure at every step would cost more than all the rest of the redraw.
        self.caption = widgets.HTML(layout=widgets.Layout(min_height="4.2em"))
        self._assemble(widgets.HBox([self.back, self.next, self.stage, self.label]))
        self.view.children = (*self.view.children[:-1], self.caption, self.view.children[-1])
        self.back.on_click(lambda button: self.step(-1))
        self.next.on_click(lambda button: self.step(+1))
        self.stage.observe(lambda change: self.show_stage(), "value")
        self.show_stage()

    # ------------------------------------------------------------------ the stages
    def _stages(self):
        """One dict per stage: its kind, the graph items it computes, its title and caption."""
        tr, T = self.trace, len(self.trace["x"])
        p = tr["parameters"]
        stages = [{"kind": "forward", "items": {("node", "a", 0)}, "accumulated": 0,
                   "title": "Forward pass: start from a zero hidden state",
                   "caption": "a<0> = 0\nThe forward pass goes left to right, forward in time, one step after the other."}]
        for t in range(1, T + 1):
            items = {("node", "x", t), ("node", "a", t), ("node", "y", t), ("node", "L", t),
                     ("edge", "xa", t), ("edge", "aa", t), ("edge", "ay", t), ("edge", "yL", t),
                     ("param", "Wax", t), ("param", "Waa", t), ("param", "Wya", t)}
            y_t = tr["y"][t - 1]
            loss = f"−log ŷ<{t}>" if y_t == 1 else f"−log(1 − ŷ<{t}>)"
            stages.append({
                "kind": "forward", "items": items, "accumulated": 0, "title": f"Forward pass, step t = {t}",
                "caption": f"a<{t}> = tanh(Waa·a<{t - 1}> + Wax·x<{t}> + ba) = tanh({p['w_aa']:g}·{tr['a'][t - 1]:.3f} "
                           f"+ {p['w_ax']:g}·({tr['x'][t - 1]:g}) + {p['b_a']:g}) = {tr['a'][t]:.3f}\n"
                           f"ŷ<{t}> = σ(Wya·a<{t}> + by) = {tr['y_hat'][t - 1]:.3f}     y<{t}> = {y_t}     "
                           f"L<{t}> = {loss} = {tr['losses'][t - 1]:.3f}"})
        stages.append({
            "kind": "forward", "items": {("node", "L", 0)} | {("edge", "LL", t) for t in range(1, T + 1)},
            "accumulated": 0, "title": "Forward pass: the total loss",
            "caption": "L = L<1> + ... + L<{}> = ".format(T) + " + ".join(f"{v:.3f}" for v in tr["losses"])
                       + f" = {tr['loss']:.3f}\n"
                       "The backward pass starts from L and goes right to left, backward in time."})
        running = 0.0
        for t in range(T, 0, -1):
            b = tr["backward"][t - 1]
            running += b["dw_aa"]
            items = {("bnode", "L", t), ("bnode", "y", t), ("bnode", "a", t), ("bedge", "LL", t),
                     ("bedge", "yL", t), ("bedge", "ay", t),
                     ("param", "Waa", t), ("param", "Wax", t), ("param", "Wya", t)}
            if t < T:  # the second part of the gradient reaching a<t>, sent back by step t + 1
                items.add(("bedge", "aa", t + 1))
                second = f" + Waa·dz<{t + 1}>"
                why = f"(from L<{t}>, plus from step {t + 1})"
            else:
                second = " + 0"
                why = f"(from L<{t}> only: no step {t + 1} uses a<{t}>)"
            stages.append({
                "kind": "backward", "items": items, "accumulated": T - t + 1,
                "title": f"Backward pass, step t = {t}",
                "caption": f"∂L/∂a<{t}> = Wya·(ŷ<{t}> − y<{t}>){second} = {b['da_from_loss']:.3f} + "
                           f"{b['da_from_next']:.3f} = {b['da']:.3f}   {why}\n"
                           f"dz<{t}> = ∂L/∂a<{t}>·(1 − a<{t}>²) = {b['dz']:.3f}     "
                           f"dWaa += dz<{t}>·a<{t - 1}> = {b['dz']:.3f}·{tr['a'][t - 1]:.3f} = {b['dw_aa']:+.3f}"
                           f"   →   dWaa = {running:.3f}"})
        g = tr["gradients"]
        stages.append({
            "kind": "backward", "items": {("param", name, t) for name in PARAMETERS for t in range(1, T + 1)},
            "accumulated": T, "title": "Done: each shared parameter collected one term from every step",
            "caption": f"dWaa = Σt dz<t>·a<t−1> = {g['dw_aa']:.3f}     dWax = Σt dz<t>·x<t> = {g['dw_ax']:.3f}     "
                       f"dWya = Σt (ŷ<t> − y<t>)·a<t> = {g['dw_ya']:.3f}     dba = {g['db_a']:.3f}     "
                       f"dby = {g['db_y']:.3f}\n"
                       "One step of gradient descent then updates every shared parameter once: Waa ← Waa − α·dWaa, ..."})
        return stages

    # ------------------------------------------------------------------ the figure
    SPACING = 1.75  # between time steps, in data units (the graph's axes have an equal aspect)
    ROWS = {"x": 0.0, "a": 1.3, "y": 2.6, "L": 3.9}
    RADIUS = 0.33

    def _position(self, kind, t):
        """Where node ``kind`` of step ``t`` sits on the graph (data coordinates)."""
        if kind == "L" and t == 0:
            return ((self.T + 1) / 2 * self.SPACING, 5.15)
        return (t * self.SPACING, self.ROWS[kind])

    def _arrow(self, start, end, rad=0.0, head=True, trim=None, **line_kwargs):
        """A straight (``rad = 0``) or curved arrow from node centre ``start`` to node centre ``end``.

        Built from a Line2D and a triangular Polygon, which draw much faster than a FancyArrowPatch.
        The curve is a quadratic Bézier bent by ``rad`` times the distance (like matplotlib's
        ``arc3``), cut where it enters the circles of radius ``trim`` around both ends.
        """
        trim = (self.RADIUS, self.RADIUS) if trim is None else trim
        start, end = np.asarray(start, float), np.asarray(end, float)
        chord = end - start
        control = (start + end) / 2 + rad * np.array([chord[1], -chord[0]])
        s = np.linspace(0, 1, 60)[:, None]
        points = (1 - s) ** 2 * start + 2 * s * (1 - s) * control + s ** 2 * end
        keep = (np.linalg.norm(points - start, axis=1) >= trim[0]) & (np.linalg.norm(points - end, axis=1) >= trim[1])
        points = points[keep]
        ax = self.ax_graph
        artists = []
        if head:
            tip, before = points[-1], points[-4]
            direction = (tip - before) / np.linalg.norm(tip - before)
            normal = np.array([-direction[1], direction[0]])
            base = tip - 0.2 * direction
            triangle = ax.add_patch(Polygon([tip, base + 0.08 * normal, base - 0.08 * normal], closed=True,
                                            linewidth=0, zorder=2))
            points = np.vstack([points[np.linalg.norm(points - tip, axis=1) >= 0.18], base])
            artists.append(triangle)
        line, = ax.plot(points[:, 0], points[:, 1], solid_capstyle="butt", zorder=2, **line_kwargs)
        return _Arrow([line, *artists])

    def _build_figure(self):
        T, tr, pos = self.T, self.trace, self._position
        self.figure = new_figure(11, 4.6)
        ax = self.ax_graph = self.figure.add_axes([0.0, 0.0, 0.64, 0.9])
        ax.set_xlim(-0.75, (T + 0.85) * self.SPACING)
        ax.set_ylim(-1.75, 5.6)
        ax.set_aspect("equal")
        ax.axis("off")
        self.title = self.figure.text(0.015, 0.935, "", fontsize=13, weight="bold")
        self.nodes, self.edges, self.values, self.node_labels = {}, {}, {}, []
        names = {"x": "x", "a": "a", "y": r"\hat{y}", "L": r"\mathcal{L}"}
        node_list = [("a", 0)] + [(kind, t) for t in range(1, T + 1) for kind in "xayL"] + [("L", 0)]
        for kind, t in node_list:
            centre = pos(kind, t)
            ax.add_patch(Circle(centre, self.RADIUS, facecolor="white", linewidth=0, zorder=3))
            self.nodes[(kind, t)] = ax.add_patch(Circle(centre, self.RADIUS, linewidth=2, zorder=5))
            label = r"$\mathcal{L}$" if (kind, t) == ("L", 0) else rf"${names[kind]}^{{\langle {t}\rangle}}$"
            self.node_labels.append(ax.text(*centre, label, ha="center", va="center", fontsize=12, zorder=4))

        for t in range(1, T + 1):
            self.edges[("edge", "xa", t)] = self._arrow(pos("x", t), pos("a", t))
            self.edges[("edge", "aa", t)] = self._arrow(pos("a", t - 1), pos("a", t))
            self.edges[("edge", "ay", t)] = self._arrow(pos("a", t), pos("y", t))
            self.edges[("edge", "yL", t)] = self._arrow(pos("y", t), pos("L", t))
            self.edges[("edge", "LL", t)] = self._arrow(pos("L", t), pos("L", 0))
            # The backward pass walks the same edges the other way: drawn beside them, in orange.
            left = np.array([-0.17, 0.0])
            self.edges[("bedge", "LL", t)] = self._arrow(pos("L", 0), pos("L", t), rad=0.18)
            self.edges[("bedge", "yL", t)] = self._arrow(pos("L", t) + left, pos("y", t) + left)
            self.edges[("bedge", "ay", t)] = self._arrow(pos("y", t) + left, pos("a", t) + left)
            if t > 1:  # nothing flows back into a<0>, which is fixed
                self.edges[("bedge", "aa", t)] = self._arrow(pos("a", t), pos("a", t - 1), rad=0.3)

        # The shared parameters: one box each, with a dashed line to every step that uses it.
        self.param_nodes, self.param_lines = {}, {}
        middle = (T + 1) / 2 * self.SPACING
        param_at = {"Wax": (middle - 2.1, -1.15), "Waa": (middle + 0.9, -1.15),
                    "Wya": ((T + 0.62) * self.SPACING, 1.95)}
        targets = {"Wax": lambda t: (t * self.SPACING, 0.65),
                   "Waa": lambda t: ((t - 0.5) * self.SPACING, self.ROWS["a"]),
                   "Wya": lambda t: (t * self.SPACING, 1.95)}
        labels = {"Wax": r"$W_{ax}$", "Waa": r"$W_{aa}$", "Wya": r"$W_{ya}$"}
        for name in PARAMETERS:
            centre = np.array(param_at[name])
            shape = dict(boxstyle="round,pad=0.02,rounding_size=0.12")
            ax.add_patch(FancyBboxPatch(centre - (0.4, 0.24), 0.8, 0.48, facecolor="white", linewidth=0, zorder=3,
                                        **shape))
            self.param_nodes[name] = ax.add_patch(FancyBboxPatch(centre - (0.4, 0.24), 0.8, 0.48, linewidth=2,
                                                                 zorder=5, **shape))
            self.node_labels.append(ax.text(*centre, labels[name], ha="center", va="center", fontsize=12, zorder=4))
            for t in range(1, T + 1):
                self.param_lines[(name, t)] = self._arrow(centre, targets[name](t), rad=0.08, head=False,
                                                          trim=(0.3, 0.0), linestyle=(0, (4, 3)))
        ax.text(0.0, 0.55, "numbers: values\norange: ∂L/∂a<t>", fontsize=9, color="#555555", ha="center", va="center")
        ax.text(middle, -1.65, "shared parameters: the same $W_{ax}$, $W_{aa}$, $W_{ya}$ (and $b_a$, $b_y$) "
                "at every step", ha="center", va="center", fontsize=10, color="#555555")
        # Values: x<t> and y<t> are known from the start; the others appear when they are computed.
        right = self.RADIUS + 0.06
        for t in range(1, T + 1):
            x0 = t * self.SPACING
            ax.text(x0 + right, self.ROWS["x"] - 0.1, f"{tr['x'][t - 1]:g}", fontsize=10, color="#555555",
                    ha="left", va="top")
            ax.text(x0 + right, self.ROWS["L"] - 0.1, f"y={tr['y'][t - 1]}", fontsize=10, color="#555555",
                    ha="left", va="top")
            for kind in "ayL":
                self.values[(kind, t)] = ax.text(x0 + right, self.ROWS[kind] + 0.14, "", fontsize=10, ha="left",
                                                 va="bottom", zorder=5)
            self.values[("da", t)] = ax.text(x0 + right, self.ROWS["a"] - 0.1, "", fontsize=10, ha="left",
                                             va="top", color=BACKWARD, zorder=5)
        self.values[("L", 0)] = ax.text(pos("L", 0)[0] + self.RADIUS + 0.1, pos("L", 0)[1], "", fontsize=11,
                                        ha="left", va="center")

        # The gradient accumulated into Waa: the term of every step visited, and their running sum.
        bars = self.ax_bars = self.figure.add_axes([0.715, 0.3, 0.27, 0.58])
        terms = [step["dw_aa"] for step in tr["backward"]]
        limit = 1.15 * max(np.abs(terms).max(), np.abs(np.cumsum(terms[::-1])).max(), 1e-9)
        self.step_bars = list(bars.bar(range(1, T + 1), np.zeros(T), width=0.7))
        self.total_bar = bars.bar([T + 1.4], [0.0], width=0.9, color=BACKWARD)[0]
        bars.axhline(0, color="black", linewidth=0.8)
        bars.set_xticks(list(range(1, T + 1)) + [T + 1.4], [f"t={t}" for t in range(1, T + 1)] + ["sum"])
        bars.set_ylim(-limit, limit)
        bars.set_xlim(0.4, T + 2.1)
        bars.set_title(r"gradient accumulated into $W_{aa}$", fontsize=12)
        bars.text(0.02, 0.97, "term of step t:  dz<t>·a<t−1>", transform=bars.transAxes, fontsize=9,
                  va="top", color="#555555")
        self.counter = bars.text(0.5, -0.12, "", transform=bars.transAxes, ha="center", va="top", fontsize=12)
        self.others = bars.text(0.5, -0.24, "", transform=bars.transAxes, ha="center", va="top", fontsize=10,
                                color="#555555")
        artists = [artist for arrow in [*self.edges.values(), *self.param_lines.values()] for artist in arrow.artists]
        self.animate(*artists, *self.nodes.values(), *self.param_nodes.values(),
                     *self.values.values(), *self.step_bars, self.total_bar, self.counter, self.others, self.title)

    # ------------------------------------------------------------------ reacting
    def step(self, direction):
        """Go one stage forward (+1) or back (-1)."""
        self.stage.value = int(np.clip(self.stage.value + direction, 0, len(self.stages) - 1))

    def state_of(self, item, upto):
        """``"todo"``, ``"done"`` or the current stage's kind, for a graph item at stage ``upto``."""
        current = self.stages[upto]
        if item in current["items"]:
            return current["kind"]
        if any(item in stage["items"] for stage in self.stages[:upto]):
            return "done"
        return "todo"

    def show_stage(self):
        """Colour the graph, fill the values, the bars and the caption for the current stage."""
        started = time.perf_counter()
        k = self.stage.value
        stage = self.stages[k]
        tr, T = self.trace, self.T
        stroke = {"todo": TODO, "done": DONE, "forward": FORWARD, "backward": BACKWARD}
        for (kind, t), patch in self.nodes.items():
            forward = self.state_of(("node", kind, t), k)
            backward = self.state_of(("bnode", kind, t), k)
            state = backward if backward in ("backward",) else forward
            if forward == "todo" and backward == "todo":
                state = "todo"
            patch.set_facecolor(FACE[state])
            patch.set_edgecolor(stroke[state])
            patch.set_linewidth(3 if state in ("forward", "backward") else 1.5)
        for key, arrow in self.edges.items():
            state = self.state_of(key, k)
            backward_edge = key[0] == "bedge"
            colour = {"done": LIGHT_BACKWARD if backward_edge else DONE}.get(state, stroke[state])
            arrow.style(colour, 2.6 if state in ("forward", "backward") else 1.4,
                        visible=not (backward_edge and state == "todo"))
        for name, box in self.param_nodes.items():
            states = [self.state_of(("param", name, t), k) for t in range(1, T + 1)]
            state = next((s for s in ("forward", "backward") if s in states), "done" if "done" in states else "todo")
            box.set_facecolor(FACE[state])
            box.set_edgecolor(stroke[state])
        for (name, t), line in self.param_lines.items():
            state = self.state_of(("param", name, t), k)
            current = state in ("forward", "backward")
            line.style(stroke[state], 2.2 if current else 1.0, alpha=1.0 if current else 0.6)
        # Values computed so far.
        for t in range(1, T + 1):
            seen = self.state_of(("node", "a", t), k) != "todo"
            colour = FORWARD if self.state_of(("node", "a", t), k) == "forward" else "#333333"
            for kind, text in (("a", f"{tr['a'][t]:.3f}"), ("y", f"{tr['y_hat'][t - 1]:.3f}"),
                               ("L", f"{tr['losses'][t - 1]:.3f}")):
                self.values[(kind, t)].set_text(text if seen else "")
                self.values[(kind, t)].set_color(colour)
            back = self.state_of(("bnode", "a", t), k)
            self.values[("da", t)].set_text(f"{tr['backward'][t - 1]['da']:.3f}" if back != "todo" else "")
            self.values[("da", t)].set_color(BACKWARD if back == "backward" else "#b5734d")
        total_seen = self.state_of(("node", "L", 0), k) != "todo"
        self.values[("L", 0)].set_text(f"= {tr['loss']:.3f}" if total_seen else "")
        # dWaa: the terms of the steps visited so far by the backward pass, and their running sum.
        added = stage["accumulated"]
        visited = set(range(T, T - added, -1))
        newest = T - added + 1 if stage["title"].startswith("Backward") else None
        running = 0.0
        for t, bar in zip(range(1, T + 1), self.step_bars):
            term = tr["backward"][t - 1]["dw_aa"]
            bar.set_height(term if t in visited else 0.0)
            bar.set_color(BACKWARD if t == newest else LIGHT_BACKWARD)
            running += term if t in visited else 0.0
        self.total_bar.set_height(running)
        gradients = {name: sum(tr["backward"][t - 1][name] for t in visited) for name in ("dw_ax", "dw_ya")}
        self.counter.set_text(f"dWaa so far: {running:+.3f}" + (f"  ({added} of {T} terms)" if added else ""))
        self.others.set_text(f"dWax so far: {gradients['dw_ax']:+.3f}    dWya so far: {gradients['dw_ya']:+.3f}")
        self.title.set_text(stage["title"])
        self.caption.value = caption_html(stage["caption"])
        self.label.value = f"stage {k + 1} of {len(self.stages)}"
        self.back.disabled = k == 0
        self.next.disabled = k == len(self.stages) - 1
        self.redraw(started)

    def picture_caption(self):
        return self.caption.value + super().picture_caption()

    def _repr_mimebundle_(self, **kwargs):
        # A stepper still at its first stage would leave a reader without a kernel an empty graph:
        # the static picture shows the backward pass half done instead, then the stepper goes back.
        if self.stage.value != 0:
            return super()._repr_mimebundle_(**kwargs)
        self.stage.value = self.picture_stage()
        try:
            return super()._repr_mimebundle_(**kwargs)
        finally:
            self.stage.value = 0

    def picture_stage(self):
        """The stage of the backward pass at ``t = 2`` (the last step's, for one step)."""
        return next(k for k, stage in enumerate(self.stages)
                    if stage["title"] == f"Backward pass, step t = {min(2, self.T)}")
