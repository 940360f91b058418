"""Loading the data sets, models and traces shipped in ``assets/``."""

import json
import os
from pathlib import Path

import numpy as np


def assets_dir():
    """The ``assets/`` folder: ``$RNNLAB_ASSETS`` if set, else the one beside this package."""
    folder = Path(os.environ.get("RNNLAB_ASSETS", Path(__file__).resolve().parent.parent / "assets"))
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The course assets folder {folder} does not exist. Run the notebooks from a clone of "
            "the course repository, or set RNNLAB_ASSETS to the path of its assets/ folder.")
    return folder


def load_char_rnn():
    """The small character-level RNN shipped with the course.

    Returns ``(parameters, vocab)``: ``parameters`` holds ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``,
    ``Wya (n_y, n_a)``, ``ba (n_a, 1)``, ``by (n_y, 1)``; ``vocab`` is the list of the ``n_x = n_y``
    characters, in one-hot order.
    """
    with np.load(assets_dir() / "models" / "char_rnn.npz") as archive:
        parameters = {name: archive[name].astype(np.float64) for name in ("Wax", "Waa", "Wya", "ba", "by")}
        vocab = [str(char) for char in archive["vocab"]]
    return parameters, vocab


def load_hidden_state_traces():
    """Precomputed runs of the shipped RNN over example strings.

    Returns a list of dicts with ``text`` (length ``T``), ``a`` of shape ``(n_a, T)`` and
    ``y_hat`` of shape ``(n_y, T)``; ``y_hat[:, t]`` is the distribution of the character after
    ``text[t]``.
    """
    trace = json.loads((assets_dir() / "traces" / "rnn_hidden_states.json").read_text())
    return [{"text": example["text"], "a": np.array(example["a"]), "y_hat": np.array(example["y_hat"])}
            for example in trace["examples"]]


LSTM_PARAMETER_NAMES = ("Wf", "Wi", "Wc", "Wo", "bf", "bi", "bc", "bo", "Wy", "by")


def load_lstm_memory():
    """The small LSTM shipped with the course, trained to remember a cue bit for up to 15 steps.

    Returns ``(parameters, input_names)``. ``parameters`` holds, in float64, ``Wf, Wi, Wc, Wo`` of
    shape ``(n_a, n_a + n_x)`` acting on ``[a<t-1>; x<t>]`` (previous hidden state first), ``bf, bi,
    bc, bo`` of shape ``(n_a, 1)``, ``Wy (n_y, n_a)`` and ``by (n_y, 1)``, with ``n_a = 8``,
    ``n_x = 4`` and ``n_y = 2``. ``input_names`` lists the ``n_x`` inputs in one-hot order:
    ``["cue 0", "cue 1", "noise", "recall"]``.
    """
    with np.load(assets_dir() / "models" / "lstm_memory.npz") as archive:
        parameters = {name: archive[name].astype(np.float64) for name in LSTM_PARAMETER_NAMES}
        input_names = [str(name) for name in archive["inputs"]]
    return parameters, input_names


def load_lstm_gate_traces():
    """Precomputed runs of the shipped LSTM on four example sequences, in three forget-gate modes.

    Returns a list of dicts, one per example, with ``T_x = 16``, ``n_a = 8``, ``n_y = 2``:

    - ``name`` (like ``"cue 1 at t=2"``), ``cue`` (the bit, 0 or 1), ``cue_step`` (1-based step of
      the cue) and ``inputs``, an int array of shape ``(T_x,)``: the index of ``x<t>`` in the
      input names of :func:`load_lstm_memory`.
    - ``modes``: a dict from ``"learned"``, ``"forced open"`` (``Wf = 0``, ``bf = +20``, so
      ``Γf ≈ 1``) and ``"forced shut"`` (``Wf = 0``, ``bf = -20``, so ``Γf ≈ 0``) to a dict of
      arrays ``ft, it, cct, ot, c, a`` of shape ``(n_a, T_x)`` and ``y`` of shape ``(n_y, T_x)``.
      Column ``t - 1`` is step ``t``, computed from ``a<0> = 0`` and ``c<0> = 0``.

    The numbers are rounded to 5 decimals.
    """
    trace = json.loads((assets_dir() / "traces" / "lstm_gates.json").read_text())
    return [{"name": example["name"], "cue": int(example["cue"]), "cue_step": int(example["cue_step"]),
             "inputs": np.array(example["inputs"], dtype=int),
             "modes": {mode: {name: np.array(values) for name, values in arrays.items()}
                       for mode, arrays in example["modes"].items()}}
            for example in trace["examples"]]


def load_dinosaur_names():
    """The real dinosaur genus names of the assignment "Dinosaur Island".

    Returns a list of str, in file order (sorted alphabetically): one genus name per entry, in
    lowercase, using only the letters ``a`` to ``z``. See the section "Dinosaur names" of
    ``assets/README.md`` for where the names come from.
    """
    text = (assets_dir() / "dinosaurs" / "names.txt").read_text(encoding="ascii")
    return text.splitlines()
