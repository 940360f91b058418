"""The LSTM gate inspector of the programming assignment and the LSTM lecture."""

import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..data import load_lstm_gate_traces, load_lstm_memory
from ..plots import FigureWidget, new_figure


class LSTMGateInspector(FigureWidget):
    """Watch the gates and the memory cell of an LSTM that must remember one bit for 15 steps.

    The shipped LSTM (``n_a = 8`` units) reads 16 inputs: a cue "0" or "1" at one of the steps 1 to 4,
    noise "·" at the other steps, and "recall" "?" at the last step, where it must output the cue.
    Six heatmaps (units x time) show ``Γf``, ``Γu``, ``Γo``, ``c̃<t>``, ``c<t>`` and ``a<t>`` with
    step ``t`` framed; below, one unit's ``c<t>`` and ``a<t>`` over time and the final prediction.
    The forget gate can be left as learned, or forced open (``Γf ≈ 1``) or shut (``Γf ≈ 0``) by
    setting ``Wf = 0`` and ``bf = ±20``.

    ``lstm_forward`` is an LSTM forward pass with the interface of the exercise,
    ``lstm_forward(x, a0, parameters) -> (a, y, c, caches)`` with ``x (n_x, m, T_x)``,
    ``a0 (n_a, m)``; the gates are read from the step caches ``(a_next, c_next, a_prev, c_prev, ft,
    it, cct, ot, xt, parameters)``. Without it (or when it fails) the widget shows precomputed traces.

    ``retention`` (optional) is a function ``retention(gamma_f) -> kept`` that maps forget-gate values of
    shape ``(n_a, T)`` to the share of the memory of the first of those steps still held at each step,
    shape ``(n_a, T)``. When given, the one-unit panel also plots, on a right-hand axis from 0 to 1, the
    share of that unit's ``c<t>`` at the cue step still kept at each later step (computed from ``Γf`` from
    the cue step on).
    """

    MODES = {"learned": None, "forced open": 20.0, "forced shut": -20.0}
    SYMBOLS = {"cue 0": "0", "cue 1": "1", "noise": "·", "recall": "?"}
    PANELS = (("ft", r"forget gate $\Gamma_f$"), ("it", r"update gate $\Gamma_u$"),
              ("ot", r"output gate $\Gamma_o$"), ("cct", r"candidate $\tilde{c}^{\langle t\rangle}$"),
              ("c", r"memory cell $c^{\langle t\rangle}$"), ("a", r"hidden state $a^{\langle t\rangle}$"))
    CACHE_INDEX = {"ft": 4, "it": 5, "cct": 6, "ot": 7}
    LABELS = {"ft": "Γf", "it": "Γu", "cct": "c̃<t>", "ot": "Γo", "c": "c<t>", "a": "a<t>", "y": "ŷ<t>"}

    def __init__(self, lstm_forward=None, retention=None):
        self.lstm_forward = lstm_forward
        self.retention = retention
        self.parameters, self.input_names = load_lstm_memory()
        self.traces = {example["name"]: example for example in load_lstm_gate_traces()}
        self.n_a = self.parameters["Wf"].shape[0]
        self.n_y = self.parameters["Wy"].shape[0]
        first = next(iter(self.traces.values()))
        self.steps = len(first["inputs"])
        learned = [example["modes"]["learned"] for example in self.traces.values()]
        # The unit whose final c<t> differs most between the two cues: it holds the bit most clearly.
        cues = np.array([example["cue"] for example in self.traces.values()])
        final_c = np.stack([run["c"][:, -1] for run in learned], axis=1)
        gap = final_c[:, cues == 1].mean(axis=1) - final_c[:, cues == 0].mean(axis=1)
        self.memory_unit = int(np.argmax(np.abs(gap)))
        self.c_limit = float(np.ceil(max(np.abs(run["c"]).max() for run in learned)))

        self.example = widgets.Dropdown(options=list(self.traces), value=first["name"], description="example")
        self.mode = widgets.ToggleButtons(options=list(self.MODES), value="learned", description="forget gate",
                                          style={"button_width": "7.5em", "description_width": "initial"})
        self.t = widgets.IntSlider(value=1, min=1, max=self.steps, description="t")
        self.play = widgets.Play(value=1, min=1, max=self.steps, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        units = [(f"unit {k}" + (" (clearest memory)" if k == self.memory_unit else ""), k)
                 for k in range(self.n_a)]
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
        self.figure = new_figure(11.25, 7.4)
        n_a, steps = self.n_a, self.steps
        self.axes, self.heatmaps, self.frames, self.rows = {}, {}, [], []
        lefts, width = (0.055, 0.36, 0.665), 0.255
        for index, (name, title) in enumerate(self.PANELS):
            gate = index < 3
            ax = self.figure.add_axes([lefts[index % 3], 0.715 if gate else 0.425, width, 0.215])
            limit = 1.0 if gate or name in ("cct", "a") else self.c_limit
            self.heatmaps[name] = ax.imshow(
                np.zeros((n_a, steps)), cmap="viridis" if gate else "RdBu_r", vmin=0 if gate else -limit,
                vmax=limit, aspect="auto", interpolation="nearest")
            ax.set_title(title, fontsize=11, pad=4)
            ax.set_yticks(range(n_a), [str(k) for k in range(n_a)] if index % 3 == 0 else [])
            ax.tick_params(axis="y", labelsize=9, length=2, pad=2)
            ax.tick_params(axis="x", labelsize=11, length=2, pad=1, labelbottom=not gate)  # inputs: below
            if index % 3 == 0:
                ax.set_ylabel("unit", fontsize=10, labelpad=2)
            for color, linewidth in (("white", 4), ("black", 2)):
                self.frames.append(ax.add_patch(Rectangle((-0.5, -0.5), 1, n_a, fill=False,
                                                          edgecolor=color, linewidth=linewidth)))
            self.rows.append(ax.add_patch(Rectangle((-0.5, -0.5), steps, 1, fill=False, edgecolor="#ee7733",
                                                    linewidth=1.2, linestyle=(0, (3, 2)))))
            self.axes[name] = ax
            if index == 3:
                ax.text(-0.02, -0.035, r"$x^{\langle t\rangle}$", transform=ax.transAxes, ha="right", va="top",
                        fontsize=10)
        colorbars = ((self.heatmaps["ft"], [0.93, 0.715, 0.012, 0.215], "gates"),
                     (self.heatmaps["c"], [0.622, 0.425, 0.01, 0.215], r"$c$"),
                     (self.heatmaps["a"], [0.93, 0.425, 0.012, 0.215], r"$\tilde{c}$, $a$"))
        for mappable, box, label in colorbars:
            bar = self.figure.colorbar(mappable, cax=self.figure.add_axes(box),
                                       extend="both" if mappable is self.heatmaps["c"] else "neither")
            bar.ax.tick_params(labelsize=8, length=2, pad=1)
            bar.ax.set_title(label, fontsize=9, pad=8 if label == r"$c$" else 4)

        # One unit's memory over time.
        self.ax_unit = self.figure.add_axes([0.055, 0.15, 0.5, 0.19])
        time_axis = np.arange(1, steps + 1)
        self.ax_unit.axhline(0, color="#999999", linewidth=0.8)
        (self.c_line,) = self.ax_unit.plot(time_axis, np.zeros(steps), "-o", color="#b2182b", markersize=3.5,
                                           linewidth=1.8, label=r"$c^{\langle t\rangle}$")
        (self.a_line,) = self.ax_unit.plot(time_axis, np.zeros(steps), "--", color="#2166ac", linewidth=1.4,
                                           label=r"$a^{\langle t\rangle}$")
        self.t_line = self.ax_unit.axvline(1, color="black", linewidth=1)
        (self.c_marker,) = self.ax_unit.plot([1], [0], "o", color="black", markersize=7)
        self.ax_unit.set_xlim(0.5, steps + 0.5)
        self.ax_unit.set_xticks(time_axis)
        self.ax_unit.tick_params(labelsize=9, length=2, pad=2)
        self.ax_unit.set_xlabel("step t", fontsize=10, labelpad=1)
        handles = [self.c_line, self.a_line]
        self.keep_line = None
        if self.retention is not None:
            self.ax_keep = self.ax_unit.twinx()
            self.ax_keep.set_ylim(-0.05, 1.45)
            self.ax_keep.set_yticks([0, 0.5, 1])
            self.ax_keep.tick_params(labelsize=9, length=2, pad=2, colors="#1b7837")
            self.ax_keep.set_ylabel("share kept", fontsize=9.5, color="#1b7837", labelpad=2)
            (self.keep_line,) = self.ax_keep.plot(time_axis, np.full(steps, np.nan), ":", color="#1b7837",
                                                  linewidth=2.2, label="share of the cue-step memory kept")
            handles.append(self.keep_line)
        self.ax_unit.legend(handles=handles, loc="upper left", fontsize=9.5, ncol=len(handles), frameon=False,
                            handlelength=1.6, columnspacing=1.0)
        self.ax_unit.set_title(r"one unit's memory $c^{\langle t\rangle}$ and hidden state $a^{\langle t\rangle}$",
                               fontsize=11, pad=4)
        self.unit_label = self.ax_unit.text(1.0, 1.02, "", transform=self.ax_unit.transAxes, ha="right",
                                            va="bottom", fontsize=10, fontweight="bold", color="#ee7733")

        # The prediction at the recall step.
        self.ax_pred = self.figure.add_axes([0.665, 0.15, 0.255, 0.14])
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

        self.caption = self.figure.text(0.055, 0.015, "", fontsize=10.5, linespacing=1.5)
        self.animate(*self.frames, *self.rows, self.c_line, self.a_line, self.t_line, self.c_marker, self.unit_label,
                     self.caption)
        if self.keep_line is not None:
            self.animate(self.keep_line)

    # -- data -------------------------------------------------------------------------------------

    def _parameters_for(self, mode):
        """A copy of the shipped parameters, with the forget gate forced in the forced modes."""
        parameters = {name: value.copy() for name, value in self.parameters.items()}
        bias = self.MODES[mode]
        if bias is not None:
            parameters["Wf"][:] = 0.0
            parameters["bf"][:] = bias
        return parameters

    def _run_lstm_forward(self, example, mode):
        """Run ``lstm_forward`` on one example; returns arrays of shape (n_a, T_x) (y: (n_y, T_x))."""
        n_x, n_a, steps = len(self.input_names), self.n_a, self.steps
        x = np.zeros((n_x, 1, steps))
        x[example["inputs"], 0, np.arange(steps)] = 1.0
        result = self.lstm_forward(x, np.zeros((n_a, 1)), self._parameters_for(mode))
        if not isinstance(result, (tuple, list)) or len(result) != 4:
            raise ValueError("lstm_forward must return the 4 values (a, y, c, caches)")
        a, y, c, caches = result
        run = {"a": np.asarray(a, dtype=float), "y": np.asarray(y, dtype=float), "c": np.asarray(c, dtype=float)}
        expected = {"a": (n_a, 1, steps), "y": (self.n_y, 1, steps), "c": (n_a, 1, steps)}
        for name, shape in expected.items():
            if run[name].shape != shape:
                raise ValueError(f"lstm_forward returned {name} of shape {run[name].shape}, expected {shape}")
        try:
            step_caches = list(caches[0])
        except (TypeError, IndexError, KeyError):
            raise ValueError("caches must be (list of the T_x step caches, x)") from None
        if len(step_caches) != steps:
            raise ValueError(f"caches[0] holds {len(step_caches)} step caches, expected T_x = {steps}")
        for name, index in self.CACHE_INDEX.items():
            columns = []
            for cache in step_caches:
                value = np.asarray(cache[index], dtype=float)
                if value.shape != (n_a, 1):
                    raise ValueError(f"{name} in a step cache (item {index}) has shape {value.shape}, "
                                     f"expected ({n_a}, 1)")
                columns.append(value[:, 0])
            run[name] = np.stack(columns, axis=1)
        return {name: value[:, 0, :] if value.ndim == 3 else value for name, value in run.items()}

    def _compare_with_trace(self, run, trace):
        """The first array that differs from the trace, and by how much (None when all agree)."""
        for name in ("ft", "it", "cct", "ot", "c", "a", "y"):
            difference = float(np.max(np.abs(run[name] - trace[name])))
            if not difference <= 1e-3:  # also catches NaN
                return name, difference
        return None

    def show_run(self):
        """Show the current example in the current forget-gate mode (new heatmap data)."""
        example = self.traces[self.example.value]
        mode = self.mode.value
        trace = example["modes"][mode]
        run, self.source = trace, "precomputed trace"
        message, error = "", False
        if self.lstm_forward is not None:
            try:
                run = self._run_lstm_forward(example, mode)
                self.source = "your lstm_forward"
                mismatch = self._compare_with_trace(run, trace)
                if mismatch:
                    message, error = (f"Your lstm_forward runs, but its {self.LABELS[mismatch[0]]} differs from the "
                                      f"precomputed trace by up to {mismatch[1]:.3g} (showing your values). "
                                      "Check that gate first.", True)
            except Exception as failure:  # a student's function may fail in any way
                run = trace
                message, error = (f"Your lstm_forward failed ({type(failure).__name__}: {failure}); "
                                  "showing the precomputed trace instead.", True)
        self.run, self.inputs, self.cue = run, example["inputs"], example["cue"]
        if self.retention is not None:
            problem = self._compute_kept(example["cue_step"])
            if problem:
                message, error = (message + " " + problem).strip(), True
        self.say(message, error=error)

        labels = [self.SYMBOLS.get(self.input_names[index], "?") for index in self.inputs]
        for name, _ in self.PANELS:
            self.heatmaps[name].set_data(run[name])
            ax = self.axes[name]
            ax.set_xticks(range(self.steps), labels)
            for tick, index in zip(ax.get_xticklabels(), self.inputs):
                is_cue = self.input_names[index].startswith("cue")
                tick.set_color("#b2182b" if is_cue else "black")
                tick.set_fontweight("bold" if is_cue else "normal")
        top = max(self.c_limit, 1.15 * float(np.nanmax(np.abs(run["c"]))) if np.isfinite(run["c"]).any() else 1)
        self.ax_unit.set_ylim(-top, top)

        p_one = float(run["y"][1, -1])
        self.pred_bar.set_width(p_one if np.isfinite(p_one) else 0)
        self.answer_marker.set_xdata([self.cue])
        self.answer_text.set_x(self.cue)
        said = int(p_one > 0.5)
        right = said == self.cue
        unsure = " but unsure" if 0.2 < p_one < 0.8 else ""
        self.pred_text.set_text(f"P(bit = 1) = {p_one:.2f}: says {said}, "
                                + ("right ✓" if right else "wrong ✗") + unsure)
        self.pred_text.set_color("#1b7837" if right else "#b00020")
        self.source_text.set_text(f"[{self.source}]")
        self.invalidate()
        self.show_unit()

    def _compute_kept(self, cue_step):
        """``self.kept`` (n_a, T_x): the share of c<cue step> kept at each step, by ``retention``
        (NaN before the cue step, or everywhere when it fails); returns a problem to report, or ''."""
        self.kept = np.full((self.n_a, self.steps), np.nan)
        gamma_f = np.array(self.run["ft"][:, cue_step - 1:], dtype=float)
        try:
            kept = self.retention(gamma_f)
        except Exception as failure:  # a student's function may fail in any way
            return f"Your memory_retention failed ({type(failure).__name__}: {failure}), so the share kept is not drawn."
        kept = np.asarray(kept, dtype=float) if isinstance(kept, np.ndarray) else None
        if kept is None or kept.shape != gamma_f.shape:
            got = "not a numpy array" if kept is None else f"shape {kept.shape}"
            return f"Your memory_retention returned {got}; expected shape {gamma_f.shape}, like its input."
        self.kept[:, cue_step - 1:] = kept
        return ""

    def show_unit(self):
        """Outline the chosen unit and plot its memory (animated artists only), then show the step."""
        unit = self.unit.value
        for row in self.rows:
            row.set_y(unit - 0.5)
        self.c_line.set_ydata(self.run["c"][unit])
        self.a_line.set_ydata(self.run["a"][unit])
        if self.keep_line is not None:
            self.keep_line.set_ydata(self.kept[unit])
        self.unit_label.set_text(f"unit {unit}")
        self.show_step()

    def _step_story(self, t):
        """What happens at step ``t`` (1-based), in words."""
        name = self.input_names[self.inputs[t - 1]]
        cue_step = 1 + int(np.flatnonzero([self.input_names[i].startswith("cue") for i in self.inputs])[0])
        mode = self.mode.value
        if name.startswith("cue"):
            story = f"the cue arrives; Γu decides how much of c̃<t> is written into the memory c<t>"
        elif name == "recall":
            story = (f"Γo lets the memory out into a<t>, and ŷ<t> says P(bit = 1) = {self.run['y'][1, -1]:.2f} "
                     f"(answer: {self.cue})")
        elif t < cue_step:
            story = "nothing to remember yet"
        elif mode == "forced shut":
            story = "Γf ≈ 0 wipes c<t-1> at every step, so the cue is lost"
        elif mode == "forced open":
            story = "Γf ≈ 1 keeps all of c<t-1>, and Γu c̃<t> keeps adding to it"
        else:
            story = "Γf keeps most of c<t-1>, and Γu c̃<t> tops it up with the same sign"
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
        numbers = (f"unit {unit}:  Γf {run['ft'][unit, column]:.2f} × c<t-1> {c_prev:+.2f}  +  "
                   f"Γu {run['it'][unit, column]:.2f} × c̃<t> {run['cct'][unit, column]:+.2f}  =  "
                   f"c<t> {run['c'][unit, column]:+.2f};    Γo {run['ot'][unit, column]:.2f}  →  "
                   f"a<t> {run['a'][unit, column]:+.2f}")
        self.caption.set_text(self._step_story(t) + "\n" + numbers)
        self.redraw(started)
