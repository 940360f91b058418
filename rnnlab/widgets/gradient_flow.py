"""The gradient-flow lab of the lecture "Vanishing gradients with RNNs"."""

import json
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from ..data import assets_dir
from ..plots import FigureWidget, new_figure


def load_gradient_flow():
    """The traces of ``assets/gradients/gradient_flow.json`` (made by ``assets/scripts/make_gradient_traces.py``).

    Returns a dict with

    - ``W0``: an ``(n_a, n_a)`` array (``n_a = 8``) of spectral radius 1; the lab's ``Waa`` is ``rho * W0``;
    - ``rhos`` (21 values, 0.5 to 1.5) and ``lengths`` (``T_x`` = 5, 10, ..., 50);
    - ``modes``: ``["linear", "tanh, weak inputs", "tanh, strong inputs"]`` and ``input_strengths``;
    - ``states[mode]``: for the two tanh modes, an array ``(len(rhos), n_a, 50)`` of hidden states,
      ``states[mode][i][:, t - 1]`` being ``a<t>`` of the RNN with ``Waa = rhos[i] * W0`` (a linear
      RNN is shown through ``a<t> = 0``, which makes every tanh derivative 1);
    - ``norms[mode][i][j]``: an array of shape ``(lengths[j],)``, the spectral norms of
      ``∂a<T>/∂a<t>`` for ``t = 1..T`` with ``T = lengths[j]``;
    - ``clipping``: ``names``, ``gradients`` (pairs ``(g1, g2)`` standing for ``{"dWaa": [[g1]],
      "dba": [[g2]]}``), ``thresholds``, and ``by_value``/``by_norm`` (arrays
      ``(len(names), len(thresholds), 2)``: the clipped pairs).
    """
    raw = json.loads((assets_dir() / "gradients" / "gradient_flow.json").read_text())
    clipping = raw["clipping"]
    return {"W0": np.array(raw["W0"]), "rhos": list(raw["rhos"]), "lengths": list(raw["lengths"]),
            "modes": list(raw["modes"]), "input_strengths": dict(raw["input_strengths"]),
            "states": {mode: np.array(values) for mode, values in raw["states"].items()},
            "norms": {mode: [[np.array(norms) for norms in per_rho] for per_rho in values]
                      for mode, values in raw["norms"].items()},
            "clipping": {"names": list(clipping["names"]), "gradients": np.array(clipping["gradients"]),
                         "thresholds": list(clipping["thresholds"]), "by_value": np.array(clipping["by_value"]),
                         "by_norm": np.array(clipping["by_norm"])}}


def _angle(u, v):
    """The angle between two 2-D vectors, in degrees (0 when one of them is zero)."""
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return 0.0
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


class GradientFlowLab(FigureWidget):
    """How far a gradient travels back in time through a tanh RNN, and what clipping does to it.

    Left: on a log scale, the norm of ``∂a<T>/∂a<t>`` (the largest singular value of the product of
    the Jacobians ``diag(1 - (a<k>)²) Waa`` for ``k = T, ..., t+1``) against ``t``, for an RNN with
    ``n_a = 8`` units whose ``Waa`` has spectral radius ``ρ`` (slider), over ``T_x`` steps
    (slider), either linear or with tanh units fed weak or strong inputs (buttons). The dashed line
    is ``ρ^(T-t)``, how a linear RNN's gradient grows or shrinks. Right: a two-entry gradient
    ``(dWaa, dba)`` (dropdown), and what clipping it by value (into the square ``[-c, c]²``) and by
    global norm (onto the circle of radius ``c``) gives, for the threshold ``c`` (slider).

    ``gradient_norms_through_time(Waa, a)`` (``a`` of shape ``(n_a, T_x)``, returning an array of
    shape ``(T_x,)``), ``clip_by_value(gradients, max_value)`` and ``clip_by_global_norm(gradients,
    max_norm)`` are the functions of the lecture's exercises; each one that is missing or fails is
    replaced by precomputed traces (see :func:`load_gradient_flow`), and the status line says so.
    """

    Y_LIMITS = (1e-33, 1e12)
    BOX = 4.5  # half-width of the clipping panel

    def __init__(self, gradient_norms_through_time=None, clip_by_value=None, clip_by_global_norm=None):
        self.norms_function = gradient_norms_through_time
        self.value_function = clip_by_value
        self.norm_function = clip_by_global_norm
        self.data = load_gradient_flow()
        self.T_max = max(self.data["lengths"])
        clipping = self.data["clipping"]

        rhos, lengths = self.data["rhos"], self.data["lengths"]
        self.rho = widgets.FloatSlider(value=0.7, min=rhos[0], max=rhos[-1], step=0.05, description="ρ(Waa)",
                                       readout_format=".2f", continuous_update=True)
        self.T_x = widgets.IntSlider(value=50, min=lengths[0], max=lengths[-1], step=lengths[1] - lengths[0],
                                     description="T_x")
        self.mode = widgets.ToggleButtons(options=self.data["modes"], value="linear", description="RNN",
                                          style={"button_width": "10em"})
        self.example = widgets.Dropdown(options=clipping["names"], value=clipping["names"][0],
                                        description="gradient", layout=widgets.Layout(width="19em"))
        thresholds = clipping["thresholds"]
        self.threshold = widgets.FloatSlider(value=2.0, min=thresholds[0], max=thresholds[-1],
                                             step=thresholds[1] - thresholds[0], description="threshold c",
                                             readout_format=".2f", style={"description_width": "initial"})
        self._build_figure()
        self._assemble(widgets.HBox([self.rho, self.T_x]), self.mode, widgets.HBox([self.example, self.threshold]))
        # The numbers are shown as HTML under the figure: text drawn into the figure at every change would
        # cost more than the rest of the redraw.
        self.norms_caption, self.clip_caption = widgets.HTML(), widgets.HTML()
        self.caption = widgets.HBox([self.norms_caption, self.clip_caption],
                                    layout=widgets.Layout(justify_content="space-between"))
        self.view.children = (*self.view.children[:-1], self.caption, self.view.children[-1])
        self._messages = {"norms": ("", False), "clip": ("", False)}
        self.rho.observe(lambda change: self.show_norms(), "value")
        self.T_x.observe(lambda change: self.show_norms(), "value")
        self.mode.observe(lambda change: self.show_norms(), "value")
        self.example.observe(lambda change: self.show_clipping(), "value")
        self.threshold.observe(lambda change: self.show_clipping(), "value")
        self.show_norms(redraw=False)
        self.show_clipping()

    # ------------------------------------------------------------------ the figure
    def _build_figure(self):
        self.figure = new_figure(11.5, 4.7)
        ax = self.ax_norms = self.figure.add_axes([0.075, 0.13, 0.5, 0.72])
        ax.set_yscale("log", nonpositive="mask")
        ax.set_ylim(*self.Y_LIMITS)
        ax.set_xlim(0, self.T_max + 2)
        ax.set_yticks([10.0 ** k for k in range(-30, 11, 5)])
        ax.axhline(1.0, color="#999999", linewidth=0.8)
        ax.grid(True, which="major", axis="y", color="#eeeeee", linewidth=0.8)
        ax.set_xlabel("step t", fontsize=11)
        ax.set_ylabel(r"$\|\partial a^{\langle T\rangle} / \partial a^{\langle t\rangle}\|_2$", fontsize=12)
        ax.tick_params(labelsize=9)
        ax.set_title("How much of a change at step t still reaches step T", fontsize=12, pad=6)
        t = np.arange(1, self.T_max + 1)
        (self.reference_line,) = ax.plot(t, np.ones_like(t, dtype=float), "--", color="#888888", linewidth=1.3)
        (self.norm_line,) = ax.plot(t, np.ones_like(t, dtype=float), "-o", color="#1f6fb4", linewidth=1.8,
                                    markersize=3)
        self.T_line = ax.axvline(self.T_max, color="#d9480f", linewidth=1.2)
        self.T_label = ax.text(self.T_max + 0.5, 3e-33, "T", color="#d9480f", fontsize=11, ha="left", va="bottom")
        ax.legend([Line2D([], [], color="#1f6fb4", marker="o", markersize=3, linewidth=1.8),
                   Line2D([], [], color="#888888", linestyle="--", linewidth=1.3)],
                  [r"$\|\partial a^{\langle T\rangle}/\partial a^{\langle t\rangle}\|_2$",
                   r"$\rho^{\,T-t}$ (linear RNN, rough)"], loc="upper right", fontsize=9.5, framealpha=0.9)

        box = self.BOX
        cx = self.ax_clip = self.figure.add_axes([0.635, 0.13, 0.345, 0.72])
        cx.set_xlim(-box, box)
        cx.set_ylim(-box, box)
        cx.set_aspect("equal")
        cx.axhline(0, color="#bbbbbb", linewidth=0.8)
        cx.axvline(0, color="#bbbbbb", linewidth=0.8)
        cx.set_xlabel(r"$dW_{aa}$", fontsize=11, labelpad=1)
        cx.set_ylabel(r"$db_a$", fontsize=11, labelpad=1)
        cx.tick_params(labelsize=9)
        cx.set_title("Clipping a gradient at threshold c", fontsize=12, pad=6)
        self.square = cx.add_patch(Rectangle((-2, -2), 4, 4, fill=True, facecolor=(0.95, 0.7, 0.56, 0.3),
                                             edgecolor="#d9480f", linewidth=1.3))
        self.circle = cx.add_patch(Circle((0, 0), 2, fill=False, edgecolor="#1f6fb4", linewidth=1.5,
                                          linestyle="--"))
        colours = ["#555555", "#d9480f", "#1f6fb4"]
        self.arrows = cx.quiver(np.zeros(3), np.zeros(3), np.ones(3), np.ones(3), color=colours, angles="xy",
                                scale_units="xy", scale=1, width=0.012, headwidth=3.5, headlength=4.5, zorder=4)
        cx.legend([Line2D([], [], color=c, linewidth=2.5) for c in colours],
                  ["gradient g", "clipped by value", "clipped by norm"], loc="lower left", fontsize=9,
                  framealpha=0.9)
        self.animate(self.reference_line, self.norm_line, self.T_line, self.T_label, self.square, self.circle,
                     self.arrows)

    # ------------------------------------------------------------------ data
    def _indices(self):
        rho_index = int(np.argmin(np.abs(np.array(self.data["rhos"]) - self.rho.value)))
        length_index = int(np.argmin(np.abs(np.array(self.data["lengths"]) - self.T_x.value)))
        return rho_index, length_index

    def hidden_states(self):
        """The hidden states ``(n_a, T_x)`` of the current RNN (zeros for the linear one) and its ``Waa``."""
        rho_index, _ = self._indices()
        Waa = self.data["rhos"][rho_index] * self.data["W0"]
        T = self.T_x.value
        if self.mode.value == "linear":
            return Waa, np.zeros((Waa.shape[0], T))
        return Waa, self.data["states"][self.mode.value][rho_index][:, :T].copy()

    def current_norms(self):
        """The norms to plot, shape ``(T_x,)``: from the student's function when it works, else the trace."""
        rho_index, length_index = self._indices()
        trace = self.data["norms"][self.mode.value][rho_index][length_index]
        if self.norms_function is None:
            self._messages["norms"] = ("", False)
            return trace
        Waa, a = self.hidden_states()
        try:
            norms = np.asarray(self.norms_function(Waa, a), dtype=float)
            if norms.shape != trace.shape:
                raise ValueError(f"it returned shape {norms.shape}, expected {trace.shape}")
        except Exception as failure:  # a student's function may fail in any way
            self._messages["norms"] = (f"Your gradient_norms_through_time failed ({type(failure).__name__}: "
                                       f"{failure}); showing precomputed norms instead.", True)
            return trace
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.abs(np.log10(norms) - np.log10(trace))
        if not np.all(gap <= 1e-3):  # also catches NaN and non-positive values
            t = int(np.flatnonzero(~(gap <= 1e-3))[0]) + 1  # the first step that differs
            self._messages["norms"] = (f"Your gradient_norms_through_time runs, but at t = {t} it gives "
                                       f"{norms[t - 1]:.4g} where the precomputed norm is {trace[t - 1]:.4g} "
                                       "(showing your values).", True)
        else:
            self._messages["norms"] = ("", False)
        return norms

    def _clip_with(self, function, name, g, c, trace):
        if function is None:
            return trace, ""
        gradients = {"dWaa": np.array([[g[0]]]), "dba": np.array([[g[1]]])}
        try:
            result = function(gradients, c)
            clipped = np.array([float(np.asarray(result["dWaa"]).ravel()[0]),
                                float(np.asarray(result["dba"]).ravel()[0])])
        except Exception as failure:  # a student's function may fail in any way
            return trace, f"Your {name} failed ({type(failure).__name__}: {failure}); showing the precomputed result."
        if not np.allclose(clipped, trace, atol=1e-6):
            return clipped, (f"Your {name} gives ({clipped[0]:.3g}, {clipped[1]:.3g}) where ({trace[0]:.3g}, "
                             f"{trace[1]:.3g}) is expected (showing yours).")
        return clipped, ""

    def current_clipping(self):
        """``(g, by_value, by_norm)``: the gradient and its two clipped versions, as 2-vectors."""
        clipping = self.data["clipping"]
        i = clipping["names"].index(self.example.value)
        j = int(np.argmin(np.abs(np.array(clipping["thresholds"]) - self.threshold.value)))
        g, c = clipping["gradients"][i], clipping["thresholds"][j]
        by_value, problem_value = self._clip_with(self.value_function, "clip_by_value", g, c,
                                                  clipping["by_value"][i, j])
        by_norm, problem_norm = self._clip_with(self.norm_function, "clip_by_global_norm", g, c,
                                                clipping["by_norm"][i, j])
        problems = " ".join(p for p in (problem_value, problem_norm) if p)
        self._messages["clip"] = (problems, bool(problems))
        return g, by_value, by_norm

    def _say_messages(self):
        texts = [text for text, _ in self._messages.values() if text]
        self.say(" ".join(texts), error=any(error for _, error in self._messages.values()))

    # ------------------------------------------------------------------ reacting
    def show_norms(self, redraw=True):
        """Plot the gradient norms for the current ρ, T_x and RNN (animated artists only)."""
        started = time.perf_counter()
        T = self.T_x.value
        rho = self.data["rhos"][self._indices()[0]]
        norms = self.current_norms()
        self.norms = norms
        t = np.arange(1, T + 1)
        self.norm_line.set_data(t, norms)
        self.reference_line.set_data(t, rho ** (T - t).astype(float))
        self.T_line.set_xdata([T, T])
        self.T_label.set_x(T + 0.5)
        first = norms[0]
        if self.mode.value == "linear":
            what = "linear RNN"
        else:
            what = f"tanh RNN, {self.mode.value.split(', ')[1]}"
        self.norms_caption.value = (f"ρ = {rho:.2f}, T = {T}, {what}: &nbsp;‖∂a<sup>⟨T⟩</sup>/∂a<sup>⟨1⟩</sup>‖"
                                    f"<sub>2</sub> = <b>{first:.3g}</b>")
        self._say_messages()
        if redraw:
            self.redraw(started)

    def show_clipping(self):
        """Draw the gradient, the clipping square and circle, and the two clipped gradients."""
        started = time.perf_counter()
        c = self.data["clipping"]["thresholds"][int(np.argmin(np.abs(
            np.array(self.data["clipping"]["thresholds"]) - self.threshold.value)))]
        g, by_value, by_norm = self.current_clipping()
        self.clipped = {"by_value": by_value, "by_norm": by_norm}
        self.square.set_bounds(-c, -c, 2 * c, 2 * c)
        self.circle.set_radius(c)
        vectors = np.array([g, by_value, by_norm])
        self.arrows.set_UVC(vectors[:, 0], vectors[:, 1])
        norm = float(np.linalg.norm(g))
        turn_value, turn_norm = _angle(g, by_value), _angle(g, by_norm)
        self.clip_caption.value = (
            f"g = ({g[0]:.2f}, {g[1]:.2f}), ‖g‖ = {norm:.2f}, c = {c:.2f}<br>"
            f'<span style="color:#d9480f">by value</span>: ({by_value[0]:.2f}, {by_value[1]:.2f}), '
            f"length {np.linalg.norm(by_value):.2f}, turned <b>{turn_value:.0f}°</b><br>"
            f'<span style="color:#1f6fb4">by norm</span>: ({by_norm[0]:.2f}, {by_norm[1]:.2f}), '
            f"length {np.linalg.norm(by_norm):.2f}, turned <b>{turn_norm:.0f}°</b>")
        self._say_messages()
        self.redraw(started)

    def picture_caption(self):
        return (f'<div style="display:flex; justify-content:space-between">'
                f"<div>{self.norms_caption.value}</div><div>{self.clip_caption.value}</div></div>"
                + super().picture_caption())
