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
