"""Write assets/gradients/gradient_flow.json: the traces of the gradient-flow lab (lecture 08).

    .venv/bin/python assets/scripts/make_gradient_traces.py

1. Hidden states. A tanh RNN with n_a = 8 units and n_x = 3 inputs reads one random sequence of
   T_MAX = 50 steps from a<0> = 0:

       a<t> = tanh(Waa a<t-1> + s Wax x<t>),    Waa = rho * W0

   where W0 is a fixed random matrix scaled to spectral radius 1 (its largest |eigenvalue|), so
   rho is the spectral radius of Waa, and s is the strength of the inputs. The states are stored,
   rounded to 6 decimals, for every rho in RHOS and every input strength in INPUTS.

2. Gradient norms. For every rho, every "mode" (the two input strengths, and "linear": a linear
   RNN, whose Jacobians are those of the tanh RNN with a<k> = 0) and every sequence length T in
   LENGTHS, the spectral norms (largest singular values) of the Jacobians

       d a<T> / d a<t> = prod over k = T, T-1, ..., t+1 of  diag(1 - (a<k>)^2) Waa,

   for t = 1, ..., T (the last one, t = T, is the identity: norm 1), computed from the rounded
   states. These are what the widget shows when no student function is passed in.

3. Clipping. For a few two-entry gradients {"dWaa": [[g1]], "dba": [[g2]]} and every threshold in
   THRESHOLDS, the gradient clipped by value (every entry into [-c, c]) and by global norm (scaled
   by c / ||g|| when ||g|| > c).

Deterministic: fixed seed, numbers rounded before they are written.
"""

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "gradients" / "gradient_flow.json"

SEED = 8
N_A, N_X, T_MAX = 8, 3, 50
RHOS = [round(0.5 + 0.05 * k, 2) for k in range(21)]  # 0.5, 0.55, ..., 1.5
LENGTHS = list(range(5, T_MAX + 1, 5))
INPUTS = {"tanh, weak inputs": 0.1, "tanh, strong inputs": 1.0}
MODES = ["linear", *INPUTS]
GRADIENTS = {"large, mostly dWaa": (3.6, 0.9), "large, both entries": (2.8, -2.4),
             "large, mostly dba": (-0.7, 3.4), "small": (0.6, -0.45)}
THRESHOLDS = [round(0.25 * k, 2) for k in range(1, 17)]  # 0.25, ..., 4.0


def base_network():
    """W0 (spectral radius 1), Wax and the input sequence x (n_x, T_MAX)."""
    rng = np.random.default_rng(SEED)
    W0 = rng.standard_normal((N_A, N_A))
    W0 /= np.max(np.abs(np.linalg.eigvals(W0)))
    W0 = np.round(W0, 6)
    Wax = np.round(rng.standard_normal((N_A, N_X)), 6)
    x = np.round(rng.standard_normal((N_X, T_MAX)), 6)
    return W0, Wax, x


def hidden_states(Waa, Wax, x):
    """a (n_a, T): a[:, t-1] = a<t> of the tanh RNN started from a<0> = 0."""
    a = np.zeros((N_A, x.shape[1]))
    a_prev = np.zeros(N_A)
    for t in range(x.shape[1]):
        a_prev = np.tanh(Waa @ a_prev + Wax @ x[:, t])
        a[:, t] = a_prev
    return a


def jacobian_norms(Waa, a):
    """Spectral norms of d a<T>/d a<t> for t = 1..T, with T = a.shape[1]."""
    T = a.shape[1]
    norms = np.ones(T)
    J = np.eye(Waa.shape[0])
    for k in range(T, 1, -1):  # multiply in the factor of step k; J becomes d a<T>/d a<k-1>
        J = J @ ((1 - a[:, k - 1] ** 2)[:, None] * Waa)
        norms[k - 2] = np.linalg.norm(J, 2)
    return norms


def clip_value(g, c):
    return [float(np.clip(v, -c, c)) for v in g]


def clip_norm(g, c):
    norm = float(np.sqrt(sum(v * v for v in g)))
    return [float(v * c / norm) if norm > c else float(v) for v in g]


def make():
    W0, Wax, x = base_network()
    states, norms = {}, {}
    for mode in MODES:
        states_mode, norms_mode = [], []
        for rho in RHOS:
            Waa = rho * W0
            if mode == "linear":
                a = np.zeros((N_A, T_MAX))
            else:
                a = np.round(hidden_states(Waa, INPUTS[mode] * Wax, x), 6)
                states_mode.append(a.tolist())
            norms_mode.append([[float(f"{v:.6g}") for v in jacobian_norms(Waa, a[:, :T])] for T in LENGTHS])
        if mode != "linear":
            states[mode] = states_mode
        norms[mode] = norms_mode
    clipping = {"names": list(GRADIENTS), "gradients": [list(g) for g in GRADIENTS.values()],
                "thresholds": THRESHOLDS,
                "by_value": [[clip_value(g, c) for c in THRESHOLDS] for g in GRADIENTS.values()],
                "by_norm": [[[round(v, 10) for v in clip_norm(g, c)] for c in THRESHOLDS] for g in GRADIENTS.values()]}
    return {"W0": W0.tolist(), "rhos": RHOS, "lengths": LENGTHS, "modes": MODES,
            "input_strengths": INPUTS, "states": states, "norms": norms, "clipping": clipping}


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(make(), separators=(",", ":")) + "\n")
    print("wrote", OUT, OUT.stat().st_size // 1024, "KiB")
