"""The GRU gate inspector of the lecture "Gated recurrent unit", and the loaders of its model and traces."""

import json

import numpy as np

from ..data import assets_dir
from ..plots import new_figure
from .memory_task import MemoryTaskInspector, clearest_memory_unit

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


class GRUGateInspector(MemoryTaskInspector):
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

    PANELS = (("gamma_u", r"update gate $\Gamma_u$"), ("gamma_r", r"relevance gate $\Gamma_r$"),
              ("c_tilde", r"candidate $\tilde{c}^{\langle t\rangle}$"), ("c", r"memory cell $c^{\langle t\rangle}$"))
    LABELS = {"gamma_u": "Γu", "gamma_r": "Γr", "c_tilde": "c̃<t>", "c": "c<t>", "y": "ŷ<t>"}
    COMPARED = (*GATE_KEYS, "c", "y")
    MODE_LABELS = {"learned": "learned", "latch": "latch (shut on ·)", "always shut": "always shut",
                   "always open": "always open"}
    function_name = "gru_cell_forward"

    def __init__(self, gru_cell_forward=None):
        self.gru_cell_forward = gru_cell_forward
        self.parameters, self.input_names = load_gru_memory()
        examples, self.modes = load_gru_gate_traces()
        self.n_a = self.parameters["Wu"].shape[0]
        # The unit whose c<t> before recall differs most between the two cues holds the bit most clearly.
        self._controls(examples, [(self.MODE_LABELS.get(mode, mode), mode) for mode in self.modes],
                       "update gate Γu", "8.5em", clearest_memory_unit(examples, -2))

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self):
        self.figure = new_figure(11.25, 6.6)
        lefts, width, bottom, height = (0.05, 0.275, 0.545, 0.765), 0.19, 0.6, 0.3
        for index, (name, title) in enumerate(self.PANELS):
            ax = self._heatmap(name, title, [lefts[index], bottom, width, height], gate=name.startswith("gamma"),
                               first_column=index == 0)
            if index == 0:
                ax.text(-0.03, -0.03, r"$x^{\langle t\rangle}$", transform=ax.transAxes, ha="right", va="top",
                        fontsize=10)
        for mappable, box, label in ((self.heatmaps["gamma_r"], [0.4705, bottom, 0.009, height], "gates"),
                                     (self.heatmaps["c"], [0.961, bottom, 0.009, height], r"$\tilde{c}$, $c$")):
            bar = self.figure.colorbar(mappable, cax=self.figure.add_axes(box))
            bar.ax.tick_params(labelsize=8, length=2, pad=1)
            bar.ax.set_title(label, fontsize=9, pad=4)

        # One unit over time: its memory and its update gate.
        ax = self._unit_axes([0.05, 0.2, 0.5, 0.27])
        (self.u_line,) = ax.plot(np.arange(1, self.steps + 1), np.zeros(self.steps), "--s", color="#35608d",
                                 markersize=3, linewidth=1.3, label=r"$\Gamma_u$")
        ax.set_ylim(-1.1, 1.1)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10, frameon=False)
        ax.set_title(r"one unit's memory cell $c^{\langle t\rangle}$ and update gate $\Gamma_u$", fontsize=11, pad=4)

        self._prediction_panel([0.665, 0.24, 0.3, 0.12], caption_left=0.05)
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

    def _run_student(self, example, mode):
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

    def _p_one(self, run):
        return float(run["y"][0, -1])

    def _unit_curves(self, unit):
        self.u_line.set_ydata(self.run["gamma_u"][unit])

    def _step_story(self, t):
        """What happens at step ``t`` (1-based), in words."""
        name, opening = self._story_opening(t)
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
        return opening + story

    def _step_numbers(self, unit, column):
        run = self.run
        c_prev = run["c"][unit, column - 1] if column > 0 else 0.0
        gamma_u = run["gamma_u"][unit, column]
        return (f"unit {unit}:  Γu {gamma_u:.2f} × c̃<t> {run['c_tilde'][unit, column]:+.2f}  +  "
                f"(1 − Γu) {1 - gamma_u:.2f} × c<t-1> {c_prev:+.2f}  =  c<t> {run['c'][unit, column]:+.2f};"
                f"    Γr {run['gamma_r'][unit, column]:.2f} scaled c<t-1> inside c̃<t>")
