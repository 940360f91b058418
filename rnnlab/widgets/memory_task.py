"""What the GRU and LSTM gate inspectors share: the memory task, its controls and the common panels.

The shipped gated networks (``n_a = 8``) read 16 one-hot inputs: a cue "0" or "1" at one of the
steps 1 to 4, noise "·" at the other steps, and "recall" "?" at the last step, where they must
output the cue. An inspector shows heatmaps (units x time) with step ``t`` framed and one unit's
row outlined, one unit's memory over time, the prediction at the recall step and a caption.
"""

import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..plots import FigureWidget

SYMBOLS = {"cue 0": "0", "cue 1": "1", "noise": "·", "recall": "?"}
CUE_RED, UNIT_ORANGE, ERROR_RED, ANSWER_GREEN = "#b2182b", "#ee7733", "#b00020", "#1b7837"


def clearest_memory_unit(examples, column):
    """The unit whose memory ``c`` in ``column`` (as learned) differs most between the two cues."""
    cues = np.array([example["cue"] for example in examples])
    memory = np.stack([example["modes"]["learned"]["c"][:, column] for example in examples], axis=1)
    gap = memory[:, cues == 1].mean(axis=1) - memory[:, cues == 0].mean(axis=1)
    return int(np.argmax(np.abs(gap)))


class MemoryTaskInspector(FigureWidget):
    """Base class of the gate inspectors.

    A subclass sets ``PANELS`` (``(name, title)`` of each heatmap), ``LABELS`` (short names of the
    arrays for messages), ``COMPARED`` (the arrays checked against the trace) and ``function_name``
    (the name of the student's function, also the attribute that holds it, or None), and implements ``_build_figure``
    (with the ``_heatmap``, ``_unit_axes`` and ``_prediction_panel`` helpers), ``_run_student(example,
    mode)`` (arrays ``(n_a, T_x)`` like a trace), ``_p_one(run)`` (P(bit = 1) at recall),
    ``_unit_curves(unit)``, ``_step_story(t)`` and ``_step_numbers(unit, column)``.
    """

    def _controls(self, examples, modes, mode_description, button_width, memory_unit):
        """Build the controls, the figure and the layout, wire the events and show the first example.

        ``modes``: the mode ToggleButtons' options; ``memory_unit``: the unit plotted first.
        """
        self.traces = {example["name"]: example for example in examples}
        self.steps = len(examples[0]["inputs"])
        self.memory_unit = memory_unit
        self.example = widgets.Dropdown(options=list(self.traces), value=examples[0]["name"], description="example")
        self.mode = widgets.ToggleButtons(options=modes, value="learned", description=mode_description,
                                          style={"button_width": button_width, "description_width": "initial"})
        self.t = widgets.IntSlider(value=1, min=1, max=self.steps, description="t")
        self.play = widgets.Play(value=1, min=1, max=self.steps, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        units = [(f"unit {k}" + (" (clearest memory)" if k == memory_unit else ""), k) for k in range(self.n_a)]
        self.unit = widgets.Dropdown(options=units, value=memory_unit, description="plot",
                                     layout=widgets.Layout(width="16em"))
        self.axes, self.heatmaps, self.frames, self.rows = {}, {}, [], []
        self._build_figure()
        self._assemble(widgets.HBox([self.example, self.mode]), widgets.HBox([self.play, self.t, self.unit]))
        self.example.observe(lambda change: self.show_run(), "value")
        self.mode.observe(lambda change: self.show_run(), "value")
        self.t.observe(lambda change: self.show_step(), "value")
        self.unit.observe(lambda change: self.show_unit(), "value")
        self.show_run()

    # -- figure helpers ---------------------------------------------------------------------------

    def _heatmap(self, name, title, box, gate, limit=1.0, first_column=False, input_labels=True, label_size=10):
        """One heatmap (units x time) with the step frame and the unit row outline; returns its axes."""
        n_a, steps = self.n_a, self.steps
        ax = self.figure.add_axes(box)
        self.heatmaps[name] = ax.imshow(np.zeros((n_a, steps)), cmap="viridis" if gate else "RdBu_r",
                                        vmin=0 if gate else -limit, vmax=limit, aspect="auto",
                                        interpolation="nearest")
        ax.set_title(title, fontsize=11, pad=4)
        ax.set_yticks(range(n_a), [str(k) for k in range(n_a)] if first_column else [])
        ax.tick_params(axis="y", labelsize=9, length=2, pad=2)
        ax.tick_params(axis="x", labelsize=label_size, length=2, pad=1, labelbottom=input_labels)
        if first_column:
            ax.set_ylabel("unit", fontsize=10, labelpad=2)
        for color, linewidth in (("white", 4), ("black", 2)):
            self.frames.append(ax.add_patch(Rectangle((-0.5, -0.5), 1, n_a, fill=False, edgecolor=color,
                                                      linewidth=linewidth)))
        self.rows.append(ax.add_patch(Rectangle((-0.5, -0.5), steps, 1, fill=False, edgecolor=UNIT_ORANGE,
                                                linewidth=1.2, linestyle=(0, (3, 2)))))
        self.axes[name] = ax
        return ax

    def _unit_axes(self, box):
        """The axes of one unit over time, with its memory line ``c_line``, the step line and marker."""
        steps = self.steps
        ax = self.ax_unit = self.figure.add_axes(box)
        time_axis = np.arange(1, steps + 1)
        ax.axhline(0, color="#999999", linewidth=0.8)
        (self.c_line,) = ax.plot(time_axis, np.zeros(steps), "-o", color=CUE_RED, markersize=3.5, linewidth=1.8,
                                 label=r"$c^{\langle t\rangle}$")
        self.t_line = ax.axvline(1, color="black", linewidth=1)
        (self.c_marker,) = ax.plot([1], [0], "o", color="black", markersize=7)
        ax.set_xlim(0.5, steps + 0.5)
        ax.set_xticks(time_axis)
        ax.tick_params(labelsize=9, length=2, pad=2)
        ax.set_xlabel("step t", fontsize=10, labelpad=1)
        self.unit_label = ax.text(1.0, 1.02, "", transform=ax.transAxes, ha="right", va="bottom", fontsize=10,
                                  fontweight="bold", color=UNIT_ORANGE)
        return ax

    def _prediction_panel(self, box, caption_left):
        """The bar of P(bit = 1) at the recall step with the right answer marked; the caption and the
        source line at the bottom of the figure."""
        ax = self.ax_pred = self.figure.add_axes(box)
        self.pred_bar = ax.barh([0], [0.5], height=0.5, color="#7a5195")[0]
        ax.axvline(0.5, color="#666666", linewidth=1, linestyle=":")
        (self.answer_marker,) = ax.plot([1], [1.02], "v", color=ANSWER_GREEN, markersize=10, clip_on=False,
                                        transform=ax.get_xaxis_transform())
        self.answer_text = ax.text(1, 1.1, "answer", color=ANSWER_GREEN, fontsize=9, ha="center",
                                   transform=ax.get_xaxis_transform())
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.4, 1.0)
        ax.set_yticks([])
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0\nbit 0", "0.25", "0.5", "0.75", "1\nbit 1"])
        ax.tick_params(labelsize=9, length=2, pad=2)
        ax.set_title(rf"prediction $\hat{{y}}^{{\langle {self.steps}\rangle}}$ at recall: P(bit = 1)",
                     fontsize=11, pad=22)
        self.pred_text = ax.text(0.5, 0.62, "", fontsize=9.5, ha="center", va="center")
        self.source_text = self.figure.text(0.985, 0.015, "", fontsize=9, ha="right", color="#555555")
        self.caption = self.figure.text(caption_left, 0.015, "", fontsize=10.5, linespacing=1.5)

    # -- events -----------------------------------------------------------------------------------

    def _first_mismatch(self, run, trace):
        """The first array that differs from the trace, and by how much (None when all agree)."""
        for name in self.COMPARED:
            difference = float(np.max(np.abs(run[name] - trace[name])))
            if not difference <= 1e-3:  # also catches NaN
                return name, difference
        return None

    def _run_or_trace(self, example, mode):
        """The student's run of ``example`` when it works, else the trace; and a message ('' if fine)."""
        trace = example["modes"][mode]
        self.source = "precomputed trace"
        name = self.function_name
        if getattr(self, name) is None:
            return trace, ""
        try:
            run = self._run_student(example, mode)
        except Exception as failure:  # a student's function may fail in any way
            what = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
            return trace, f"Your {name} failed ({what}); showing the precomputed trace instead."
        self.source = f"your {name}"
        mismatch = self._first_mismatch(run, trace)
        if mismatch:
            return run, (f"Your {name} runs, but its {self.LABELS[mismatch[0]]} differs from the precomputed "
                         f"trace by up to {mismatch[1]:.3g} (showing your values). Check that one first.")
        return run, ""

    def _more_problems(self):
        """Hook: a problem to add to the status line after a run ('' if none)."""
        return ""

    def _scale_unit_axes(self):
        """Hook: adapt the unit plot's scale to a new run."""

    def show_run(self):
        """Show the current example in the current mode (new heatmap data)."""
        example = self.traces[self.example.value]
        run, message = self._run_or_trace(example, self.mode.value)
        self.run, self.inputs = run, example["inputs"]
        self.cue, self.cue_step = example["cue"], example["cue_step"]
        message = f"{message} {self._more_problems()}".strip()
        self.say(message, error=bool(message))

        labels = [SYMBOLS.get(self.input_names[index], "?") for index in self.inputs]
        for name, _ in self.PANELS:
            self.heatmaps[name].set_data(run[name])
            ax = self.axes[name]
            ax.set_xticks(range(self.steps), labels)
            for tick, index in zip(ax.get_xticklabels(), self.inputs):
                is_cue = self.input_names[index].startswith("cue")
                tick.set_color(CUE_RED if is_cue else "black")
                tick.set_fontweight("bold" if is_cue else "normal")
        self._scale_unit_axes()

        p_one = self._p_one(run)
        self.pred_bar.set_width(p_one if np.isfinite(p_one) else 0)
        self.answer_marker.set_xdata([self.cue])
        self.answer_text.set_x(self.cue)
        said = int(p_one > 0.5)
        right = said == self.cue
        unsure = " but unsure" if 0.2 < p_one < 0.8 else ""
        self.pred_text.set_text(f"P(bit = 1) = {p_one:.2f}: says {said}, " + ("right ✓" if right else "wrong ✗")
                                + unsure)
        self.pred_text.set_color(ANSWER_GREEN if right else ERROR_RED)
        self.source_text.set_text(f"[{self.source}]")
        self.invalidate()
        self.show_unit()

    def show_unit(self):
        """Outline the chosen unit and plot its curves (animated artists only), then show the step."""
        unit = self.unit.value
        for row in self.rows:
            row.set_y(unit - 0.5)
        self.c_line.set_ydata(self.run["c"][unit])
        self._unit_curves(unit)
        self.unit_label.set_text(f"unit {unit}")
        self.show_step()

    def _story_opening(self, t):
        """The caption's start for step ``t``: the step, its input and the input's name."""
        name = self.input_names[self.inputs[t - 1]]
        return name, f"step t = {t}, x<t> = '{SYMBOLS.get(name, name)}' ({name}): "

    def show_step(self):
        """Frame step ``t``, mark it on the unit's curve, and tell what happens in the caption."""
        started = time.perf_counter()
        t, unit = self.t.value, self.unit.value
        column = t - 1
        for frame in self.frames:
            frame.set_x(column - 0.5)
        self.t_line.set_xdata([t, t])
        self.c_marker.set_data([t], [self.run["c"][unit, column]])
        self.caption.set_text(self._step_story(t) + "\n" + self._step_numbers(unit, column))
        self.redraw(started)
