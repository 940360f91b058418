"""The LSTM gate inspector of the programming assignment and the LSTM lecture."""

import numpy as np

from ..data import load_lstm_gate_traces, load_lstm_memory
from ..plots import new_figure
from .memory_task import MemoryTaskInspector, clearest_memory_unit


class LSTMGateInspector(MemoryTaskInspector):
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
    PANELS = (("ft", r"forget gate $\Gamma_f$"), ("it", r"update gate $\Gamma_u$"),
              ("ot", r"output gate $\Gamma_o$"), ("cct", r"candidate $\tilde{c}^{\langle t\rangle}$"),
              ("c", r"memory cell $c^{\langle t\rangle}$"), ("a", r"hidden state $a^{\langle t\rangle}$"))
    CACHE_INDEX = {"ft": 4, "it": 5, "cct": 6, "ot": 7}
    LABELS = {"ft": "Γf", "it": "Γu", "cct": "c̃<t>", "ot": "Γo", "c": "c<t>", "a": "a<t>", "y": "ŷ<t>"}
    COMPARED = ("ft", "it", "cct", "ot", "c", "a", "y")
    function_name = "lstm_forward"

    def __init__(self, lstm_forward=None, retention=None):
        self.lstm_forward, self.retention = lstm_forward, retention
        self.parameters, self.input_names = load_lstm_memory()
        examples = load_lstm_gate_traces()
        self.n_a = self.parameters["Wf"].shape[0]
        self.n_y = self.parameters["Wy"].shape[0]
        learned = [example["modes"]["learned"] for example in examples]
        self.c_limit = float(np.ceil(max(np.abs(run["c"]).max() for run in learned)))
        # The unit whose final c<t> differs most between the two cues holds the bit most clearly.
        self._controls(examples, list(self.MODES), "forget gate", "7.5em", clearest_memory_unit(examples, -1))

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self):
        self.figure = new_figure(11.25, 7.4)
        lefts, width = (0.055, 0.36, 0.665), 0.255
        for index, (name, title) in enumerate(self.PANELS):
            gate = index < 3
            limit = 1.0 if gate or name in ("cct", "a") else self.c_limit
            ax = self._heatmap(name, title, [lefts[index % 3], 0.715 if gate else 0.425, width, 0.215], gate,
                               limit, first_column=index % 3 == 0, input_labels=not gate, label_size=11)
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

        # One unit's memory and hidden state over time, and the share of its memory kept.
        ax = self._unit_axes([0.055, 0.15, 0.5, 0.19])
        time_axis = np.arange(1, self.steps + 1)
        (self.a_line,) = ax.plot(time_axis, np.zeros(self.steps), "--", color="#2166ac", linewidth=1.4,
                                 label=r"$a^{\langle t\rangle}$")
        handles = [self.c_line, self.a_line]
        self.keep_line = None
        if self.retention is not None:
            self.ax_keep = ax.twinx()
            self.ax_keep.set_ylim(-0.05, 1.45)
            self.ax_keep.set_yticks([0, 0.5, 1])
            self.ax_keep.tick_params(labelsize=9, length=2, pad=2, colors="#1b7837")
            self.ax_keep.set_ylabel("share kept", fontsize=9.5, color="#1b7837", labelpad=2)
            (self.keep_line,) = self.ax_keep.plot(time_axis, np.full(self.steps, np.nan), ":", color="#1b7837",
                                                  linewidth=2.2, label="share of the cue-step memory kept")
            handles.append(self.keep_line)
        ax.legend(handles=handles, loc="upper left", fontsize=9.5, ncol=len(handles), frameon=False,
                  handlelength=1.6, columnspacing=1.0)
        ax.set_title(r"one unit's memory $c^{\langle t\rangle}$ and hidden state $a^{\langle t\rangle}$",
                     fontsize=11, pad=4)

        self._prediction_panel([0.665, 0.15, 0.255, 0.14], caption_left=0.055)
        self.animate(*self.frames, *self.rows, self.c_line, self.a_line, self.t_line, self.c_marker, self.unit_label,
                     self.caption, *[line for line in [self.keep_line] if line is not None])

    # -- data -------------------------------------------------------------------------------------

    def _parameters_for(self, mode):
        """A copy of the shipped parameters, with the forget gate forced in the forced modes."""
        parameters = {name: value.copy() for name, value in self.parameters.items()}
        bias = self.MODES[mode]
        if bias is not None:
            parameters["Wf"][:] = 0.0
            parameters["bf"][:] = bias
        return parameters

    def _run_student(self, example, mode):
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

    def _more_problems(self):
        return self._compute_kept(self.cue_step) if self.retention is not None else ""

    def _scale_unit_axes(self):
        c = self.run["c"]
        top = max(self.c_limit, 1.15 * float(np.nanmax(np.abs(c))) if np.isfinite(c).any() else 1)
        self.ax_unit.set_ylim(-top, top)

    def _p_one(self, run):
        return float(run["y"][1, -1])

    def _unit_curves(self, unit):
        self.a_line.set_ydata(self.run["a"][unit])
        if self.keep_line is not None:
            self.keep_line.set_ydata(self.kept[unit])

    def _step_story(self, t):
        """What happens at step ``t`` (1-based), in words."""
        name, opening = self._story_opening(t)
        mode = self.mode.value
        if name.startswith("cue"):
            story = "the cue arrives; Γu decides how much of c̃<t> is written into the memory c<t>"
        elif name == "recall":
            story = (f"Γo lets the memory out into a<t>, and ŷ<t> says P(bit = 1) = {self.run['y'][1, -1]:.2f} "
                     f"(answer: {self.cue})")
        elif t < self.cue_step:
            story = "nothing to remember yet"
        elif mode == "forced shut":
            story = "Γf ≈ 0 wipes c<t-1> at every step, so the cue is lost"
        elif mode == "forced open":
            story = "Γf ≈ 1 keeps all of c<t-1>, and Γu c̃<t> keeps adding to it"
        else:
            story = "Γf keeps most of c<t-1>, and Γu c̃<t> tops it up with the same sign"
        return opening + story

    def _step_numbers(self, unit, column):
        run = self.run
        c_prev = run["c"][unit, column - 1] if column > 0 else 0.0
        return (f"unit {unit}:  Γf {run['ft'][unit, column]:.2f} × c<t-1> {c_prev:+.2f}  +  "
                f"Γu {run['it'][unit, column]:.2f} × c̃<t> {run['cct'][unit, column]:+.2f}  =  "
                f"c<t> {run['c'][unit, column]:+.2f};    Γo {run['ot'][unit, column]:.2f}  →  "
                f"a<t> {run['a'][unit, column]:+.2f}")
