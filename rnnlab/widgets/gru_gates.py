"""The GRU gate inspector of the lecture "Gated recurrent unit", and the loaders of its model and traces."""

import json
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..data import assets_dir
from ..plots import FigureWidget, new_figure

GRU_PARAMETER_NAMES = ("Wu", "Wr", "Wc", "bu", "br", "bc", "Wy", "by")
GATE_KEYS = ("gamma_u", "gamma_r", "c_tilde")


def load_gru_memory():
    """The small GRU shipped with the course, trained to remember a cue bit for up to 15 steps.

    Returns ``(parameters, input_names)``. ``parameters`` holds, in float64, ``Wu, Wr, Wc`` of shape
    ``(n_a, n_a + n_x)`` acting on ``[c<t-1>; x<t>]`` (previous memory cell first), ``bu, br, bc``
    of shape ``(n_a, 1)``, and the read-out ``Wy (1, n_a)``, ``by (1, 1)``: ``ŷ<t> = σ(Wy c<t> + by)``
    is P(bit = 1). ``n_a = 8``, ``n_x = 4``; ``input_names`` lists the inputs in one-hot order:
    ``["cue 0", "cue 1", "noise", "recall"]``. It is the lecture form of a Keras
    ``GRU(8, reset_after=False)`` (see ``assets/scripts/train_gru_memory.py``).
    """
    with np.load(assets_dir() / "models" / "gru_memory.npz") as archive:
        parameters = {name: archive[name].astype(np.float64) for name in GRU_PARAMETER_NAMES}
        input_names = [str(name) for name in archive["inputs"]]
    return parameters, input_names


def load_gru_gate_traces():
    """Precomputed runs of the shipped GRU on four example sequences, in four update-gate modes.

    Returns ``(examples, modes)``. ``examples`` is a list of dicts with ``name`` (like
    ``"cue 1 at t=2"``), ``cue`` (0 or 1), ``cue_step`` (1-based), ``inputs`` (int array of shape
    ``(T_x,) = (16,)``, indices into the input names) and ``modes``: a dict from each mode name to
    arrays ``gamma_u, gamma_r, c_tilde, c`` of shape ``(n_a, T_x)`` and ``y`` of shape ``(1, T_x)``
    (column ``t - 1`` is step ``t``, from ``c<0> = 0``; rounded to 6 decimals). ``modes`` maps each
    mode name to ``None`` (as learned) or ``{"bu": ±20, "at": [input names]}``: at the steps whose
    input is listed, ``Γu`` is forced by ``Wu = 0`` and ``bu = ±20``.
    """
    trace = json.loads((assets_dir() / "traces" / "gru_gates.json").read_text())
    examples = [{"name": example["name"], "cue": int(example["cue"]), "cue_step": int(example["cue_step"]),
                 "inputs": np.array(example["inputs"], dtype=int),
                 "modes": {mode: {name: np.array(values) for name, values in arrays.items()}
                           for mode, arrays in example["modes"].items()}}
                for example in trace["examples"]]
    return examples, trace["modes"]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


class GRUGateInspector(FigureWidget):
    """Watch the gates and the memory cell of a GRU that must remember one bit for up to 15 steps.

    The shipped GRU (``n_a = 8``) reads 16 inputs: a cue "0" or "1" at one of the steps 1 to 4,
    noise "·" at the other steps and "recall" "?" at the last one, where ``ŷ = σ(Wy c<16> + by)``
    must give the cue. Four heatmaps (units x time) show ``Γu``, ``Γr``, ``c̃<t>`` and ``c<t>``
    with step ``t`` framed; below, one unit's ``c<t>`` and ``Γu`` over time and the prediction.
    The update gate can be left as learned, or forced (``Wu = 0``, ``bu = ±20``): shut at the noise
    steps ("latch"), shut at every step, or open at every step.

    ``gru_cell_forward(xt, c_prev, parameters) -> (c_next, gates)`` is a GRU step with the interface
    of the exercise (``gates`` a dict with ``gamma_u``, ``gamma_r``, ``c_tilde``); the widget runs
    it over the sequence. Without it (or when it fails) the widget shows precomputed traces.
    """

    SYMBOLS = {"cue 0": "0", "cue 1": "1", "noise": "·", "recall": "?"}
    PANELS = (("gamma_u", r"update gate $\Gamma_u$"), ("gamma_r", r"relevance gate $\Gamma_r$"),
              ("c_tilde", r"candidate $\tilde{c}^{\langle t\rangle}$"), ("c", r"memory cell $c^{\langle t\rangle}$"))
    LABELS = {"gamma_u": "Γu", "gamma_r": "Γr", "c_tilde": "c̃<t>", "c": "c<t>", "y": "ŷ<t>"}
    MODE_LABELS = {"learned": "learned", "latch": "latch (shut on ·)", "always shut": "always shut",
                   "always open": "always open"}

    def __init__(self, gru_cell_forward=None):
        self.gru_cell_forward = gru_cell_forward
        self.parameters, self.input_names = load_gru_memory()
        examples, self.modes = load_gru_gate_traces()
        self.traces = {example["name"]: example for example in examples}
        self.n_a = self.parameters["Wu"].shape[0]
        first = examples[0]
        self.steps = len(first["inputs"])
        # The unit whose c<t> before recall differs most between the two cues: it holds the bit most clearly.
        cues = np.array([example["cue"] for example in examples])
        before_recall = np.stack([example["modes"]["learned"]["c"][:, -2] for example in examples], axis=1)
        gap = before_recall[:, cues == 1].mean(axis=1) - before_recall[:, cues == 0].mean(axis=1)
        self.memory_unit = int(np.argmax(np.abs(gap)))

        self.example = widgets.Dropdown(options=list(self.traces), value=first["name"], description="example")
        self.mode = widgets.ToggleButtons(options=[(self.MODE_LABELS.get(mode, mode), mode) for mode in self.modes],
                                          value="learned", description="update gate Γu",
                                          style={"button_width": "8.5em", "description_width": "initial"})
        self.t = widgets.IntSlider(value=1, min=1, max=self.steps, description="t")
        self.play = widgets.Play(value=1, min=1, max=self.steps, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        units = [(f"unit {k}" + (" (clearest memory)" if k == self.memory_unit else ""), k) for k in range(self.n_a)]
        self.unit = widgets.Dropdown(options=units, value=self.memory_unit, description="plot",
                                     layout=widgets.Layout(width="16em"))
        self._build_figure()
        self._assemble(widgets.HBox([self.example, self.mode]), widgets.HBox([self.play, self.t, self.unit]))

        self.example.observe(lambda change: self.show_run(), "value")
        self.mode.observe(lambda change: self.show_run(), "value")
        self.t.observe(lambda change: self.show_step(), "value")
        self.unit.observe(lambda change: self.show_unit(), "value")
        self.show_run()

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self):
        self.figure = new_figure(11.25, 6.6)
        n_a, steps = self.n_a, self.steps
        self.axes, self.heatmaps, self.frames, self.rows = {}, {}, [], []
        lefts, width, bottom, height = (0.05, 0.275, 0.545, 0.765), 0.19, 0.6, 0.3
        for index, (name, title) in enumerate(self.PANELS):
            gate = name.startswith("gamma")
            ax = self.figure.add_axes([lefts[index], bottom, width, height])
            self.heatmaps[name] = ax.imshow(np.zeros((n_a, steps)), cmap="viridis" if gate else "RdBu_r",
                                            vmin=0 if gate else -1, vmax=1, aspect="auto", interpolation="nearest")
            ax.set_title(title, fontsize=11, pad=4)
            ax.set_yticks(range(n_a), [str(k) for k in range(n_a)] if index == 0 else [])
            ax.tick_params(axis="y", labelsize=9, length=2, pad=2)
            ax.tick_params(axis="x", labelsize=10, length=2, pad=1)
            if index == 0:
                ax.set_ylabel("unit", fontsize=10, labelpad=2)
                ax.text(-0.03, -0.03, r"$x^{\langle t\rangle}$", transform=ax.transAxes, ha="right", va="top",
                        fontsize=10)
            for color, linewidth in (("white", 4), ("black", 2)):
                self.frames.append(ax.add_patch(Rectangle((-0.5, -0.5), 1, n_a, fill=False, edgecolor=color,
                                                          linewidth=linewidth)))
            self.rows.append(ax.add_patch(Rectangle((-0.5, -0.5), steps, 1, fill=False, edgecolor="#ee7733",
                                                    linewidth=1.2, linestyle=(0, (3, 2)))))
            self.axes[name] = ax
        for mappable, box, label in ((self.heatmaps["gamma_r"], [0.4705, bottom, 0.009, height], "gates"),
                                     (self.heatmaps["c"], [0.961, bottom, 0.009, height], r"$\tilde{c}$, $c$")):
            bar = self.figure.colorbar(mappable, cax=self.figure.add_axes(box))
            bar.ax.tick_params(labelsize=8, length=2, pad=1)
            bar.ax.set_title(label, fontsize=9, pad=4)

        # One unit over time: its memory and its update gate.
        self.ax_unit = self.figure.add_axes([0.05, 0.2, 0.5, 0.27])
        time_axis = np.arange(1, steps + 1)
        self.ax_unit.axhline(0, color="#999999", linewidth=0.8)
        (self.c_line,) = self.ax_unit.plot(time_axis, np.zeros(steps), "-o", color="#b2182b", markersize=3.5,
                                           linewidth=1.8, label=r"$c^{\langle t\rangle}$")
        (self.u_line,) = self.ax_unit.plot(time_axis, np.zeros(steps), "--s", color="#35608d", markersize=3,
                                           linewidth=1.3, label=r"$\Gamma_u$")
        self.t_line = self.ax_unit.axvline(1, color="black", linewidth=1)
        (self.c_marker,) = self.ax_unit.plot([1], [0], "o", color="black", markersize=7)
        self.ax_unit.set_xlim(0.5, steps + 0.5)
        self.ax_unit.set_ylim(-1.1, 1.1)
        self.ax_unit.set_xticks(time_axis)
        self.ax_unit.tick_params(labelsize=9, length=2, pad=2)
        self.ax_unit.set_xlabel("step t", fontsize=10, labelpad=1)
        self.ax_unit.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10, frameon=False)
        self.ax_unit.set_title(r"one unit's memory cell $c^{\langle t\rangle}$ and update gate $\Gamma_u$",
                               fontsize=11, pad=4)
        self.unit_label = self.ax_unit.text(1.0, 1.02, "", transform=self.ax_unit.transAxes, ha="right",
                                            va="bottom", fontsize=10, fontweight="bold", color="#ee7733")

        # The prediction at the recall step.
        self.ax_pred = self.figure.add_axes([0.665, 0.24, 0.3, 0.12])
        self.pred_bar = self.ax_pred.barh([0], [0.5], height=0.5, color="#7a5195")[0]
        self.ax_pred.axvline(0.5, color="#666666", linewidth=1, linestyle=":")
        (self.answer_marker,) = self.ax_pred.plot([1], [1.02], "v", color="#1b7837", markersize=10, clip_on=False,
                                                  transform=self.ax_pred.get_xaxis_transform())
        self.answer_text = self.ax_pred.text(1, 1.1, "answer", color="#1b7837", fontsize=9, ha="center",
                                             transform=self.ax_pred.get_xaxis_transform())
        self.ax_pred.set_xlim(0, 1)
        self.ax_pred.set_ylim(-0.4, 1.0)
        self.ax_pred.set_yticks([])
        self.ax_pred.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0\nbit 0", "0.25", "0.5", "0.75", "1\nbit 1"])
        self.ax_pred.tick_params(labelsize=9, length=2, pad=2)
        self.ax_pred.set_title(rf"prediction $\hat{{y}}^{{\langle {steps}\rangle}}$ at recall: P(bit = 1)",
                               fontsize=11, pad=22)
        self.pred_text = self.ax_pred.text(0.5, 0.62, "", fontsize=9.5, ha="center", va="center")
        self.source_text = self.figure.text(0.985, 0.015, "", fontsize=9, ha="right", color="#555555")

        self.caption = self.figure.text(0.05, 0.015, "", fontsize=10.5, linespacing=1.5)
        self.animate(*self.frames, *self.rows, self.c_line, self.u_line, self.t_line, self.c_marker,
                     self.unit_label, self.caption)

    # -- data -------------------------------------------------------------------------------------

    def _parameters_for(self, forced, input_name):
        """The parameters used at a step with input ``input_name``: a copy, with Γu forced if the mode says so."""
        if forced is None or input_name not in forced["at"]:
            return {name: value.copy() for name, value in self.parameters.items()}
        parameters = {name: value.copy() for name, value in self.parameters.items()}
        parameters["Wu"][:] = 0.0
        parameters["bu"][:] = forced["bu"]
        return parameters

    def _run_cell(self, example, mode):
        """Run ``gru_cell_forward`` over one example; returns arrays of shape (n_a, T_x) (y: (1, T_x))."""
        n_x, n_a = len(self.input_names), self.n_a
        forced = self.modes[mode]
        run = {name: np.zeros((n_a, self.steps)) for name in (*GATE_KEYS, "c")}
        run["y"] = np.zeros((1, self.steps))
        c_prev = np.zeros((n_a, 1))
        for column, index in enumerate(example["inputs"]):
            xt = np.zeros((n_x, 1))
            xt[index, 0] = 1.0
            parameters = self._parameters_for(forced, self.input_names[index])
            result = self.gru_cell_forward(xt, c_prev, parameters)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise ValueError("gru_cell_forward must return the 2 values (c_next, gates)")
            c_next, gates = result
            if not isinstance(gates, dict):
                raise ValueError(f"gates must be a dict, got {type(gates).__name__}")
            missing = [key for key in GATE_KEYS if key not in gates]
            if missing:
                raise ValueError(f"gates has no key {missing[0]!r}")
            for name, value in (("c_next", c_next), *((key, gates[key]) for key in GATE_KEYS)):
                if np.shape(value) != (n_a, 1):
                    raise ValueError(f"{name} has shape {np.shape(value)}, expected ({n_a}, 1)")
            c_next = np.asarray(c_next, dtype=float)
            for key in GATE_KEYS:
                run[key][:, column] = np.asarray(gates[key], dtype=float)[:, 0]
            run["c"][:, column] = c_next[:, 0]
            run["y"][:, column] = _sigmoid(self.parameters["Wy"] @ c_next + self.parameters["by"])[:, 0]
            c_prev = c_next
        return run

    @staticmethod
    def _compare_with_trace(run, trace):
        """The first array that differs from the trace, and by how much (None when all agree)."""
        for name in (*GATE_KEYS, "c", "y"):
            difference = float(np.max(np.abs(run[name] - trace[name])))
            if not difference <= 1e-3:  # also catches NaN
                return name, difference
        return None

    def show_run(self):
        """Show the current example in the current update-gate mode (new heatmap data)."""
        example = self.traces[self.example.value]
        mode = self.mode.value
        trace = example["modes"][mode]
        run, self.source = trace, "precomputed trace"
        message, error = "", False
        if self.gru_cell_forward is not None:
            try:
                run = self._run_cell(example, mode)
                self.source = "your gru_cell_forward"
                mismatch = self._compare_with_trace(run, trace)
                if mismatch:
                    message, error = (f"Your gru_cell_forward runs, but its {self.LABELS[mismatch[0]]} differs from "
                                      f"the precomputed trace by up to {mismatch[1]:.3g} (showing your values). "
                                      "Check that one first.", True)
            except Exception as failure:  # a student's function may fail in any way
                run = trace
                what = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
                message, error = (f"Your gru_cell_forward failed ({what}); showing the precomputed trace instead.",
                                  True)
        self.say(message, error=error)
        self.run, self.inputs, self.cue = run, example["inputs"], example["cue"]
        self.cue_step = example["cue_step"]

        labels = [self.SYMBOLS.get(self.input_names[index], "?") for index in self.inputs]
        for name, _ in self.PANELS:
            self.heatmaps[name].set_data(run[name])
            ax = self.axes[name]
            ax.set_xticks(range(self.steps), labels)
            for tick, index in zip(ax.get_xticklabels(), self.inputs):
                is_cue = self.input_names[index].startswith("cue")
                tick.set_color("#b2182b" if is_cue else "black")
                tick.set_fontweight("bold" if is_cue else "normal")

        p_one = float(run["y"][0, -1])
        self.pred_bar.set_width(p_one if np.isfinite(p_one) else 0)
        self.answer_marker.set_xdata([self.cue])
        self.answer_text.set_x(self.cue)
        said = int(p_one > 0.5)
        right = said == self.cue
        unsure = " but unsure" if 0.2 < p_one < 0.8 else ""
        self.pred_text.set_text(f"P(bit = 1) = {p_one:.2f}: says {said}, " + ("right ✓" if right else "wrong ✗")
                                + unsure)
        self.pred_text.set_color("#1b7837" if right else "#b00020")
        self.source_text.set_text(f"[{self.source}]")
        self.invalidate()
        self.show_unit()

    def show_unit(self):
        """Outline the chosen unit and plot its c<t> and Γu (animated artists only), then show the step."""
        unit = self.unit.value
        for row in self.rows:
            row.set_y(unit - 0.5)
        self.c_line.set_ydata(self.run["c"][unit])
        self.u_line.set_ydata(self.run["gamma_u"][unit])
        self.unit_label.set_text(f"unit {unit}")
        self.show_step()

    def _step_story(self, t):
        """What happens at step ``t`` (1-based), in words."""
        name = self.input_names[self.inputs[t - 1]]
        mode = self.mode.value
        if mode == "always shut":
            story = "Γu ≈ 0 at every step: nothing is ever written, c<t> stays c<0> = 0"
        elif name.startswith("cue"):
            story = "the cue arrives; Γu decides how much of c̃<t> replaces c<t-1>"
        elif name == "recall":
            story = f"ŷ = σ(Wy c<t> + by) says P(bit = 1) = {self.run['y'][0, -1]:.2f} (answer: {self.cue})"
        elif mode == "always open":
            story = "Γu ≈ 1: c<t> = c̃<t>, the old memory survives only through Γr * c<t-1> inside c̃"
        elif t < self.cue_step:
            story = "nothing to remember yet"
        elif mode == "latch":
            story = "Γu ≈ 0 (forced): c<t> = c<t-1>, the memory is carried over unchanged"
        else:
            story = "c̃<t> has the sign of the memory, so mixing it in with Γu keeps the bit"
        return f"step t = {t}, x<t> = '{self.SYMBOLS.get(name, name)}' ({name}): {story}"

    def show_step(self):
        """Frame step ``t``, mark it on the unit's curve, and tell what happens in the caption."""
        started = time.perf_counter()
        t, unit, run = self.t.value, self.unit.value, self.run
        column = t - 1
        for frame in self.frames:
            frame.set_x(column - 0.5)
        self.t_line.set_xdata([t, t])
        self.c_marker.set_data([t], [run["c"][unit, column]])
        c_prev = run["c"][unit, column - 1] if column > 0 else 0.0
        gamma_u = run["gamma_u"][unit, column]
        numbers = (f"unit {unit}:  Γu {gamma_u:.2f} × c̃<t> {run['c_tilde'][unit, column]:+.2f}  +  "
                   f"(1 − Γu) {1 - gamma_u:.2f} × c<t-1> {c_prev:+.2f}  =  c<t> {run['c'][unit, column]:+.2f};"
                   f"    Γr {run['gamma_r'][unit, column]:.2f} scaled c<t-1> inside c̃<t>")
        self.caption.set_text(self._step_story(t) + "\n" + numbers)
        self.redraw(started)
