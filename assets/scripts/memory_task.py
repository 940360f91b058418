"""The memory task shared by the LSTM and GRU training scripts (instructor-side, numpy only).

Each sequence has ``T_x = 16`` one-hot inputs: a cue "0" or "1" at one of the steps 1 to 4, noise
at the other steps and "recall" at the last one, where the network must output the cue.
"""

import numpy as np

T_X = 16
INPUTS = ["cue 0", "cue 1", "noise", "recall"]
CUE_0, CUE_1, NOISE, RECALL = range(len(INPUTS))
N_X = len(INPUTS)
CUE_STEPS = (1, 2, 3, 4)  # 1-based steps where the cue may appear


def sequence(bit, cue_step):
    """Input indices, shape (T_x,): noise, the cue at ``cue_step`` (1-based), noise, recall."""
    ids = np.full(T_X, NOISE, dtype=np.int64)
    ids[cue_step - 1] = CUE_0 + bit
    ids[-1] = RECALL
    return ids


def one_hot(ids):
    """One-hot inputs, shape ids.shape + (n_x,), float32 (Keras' layout: batch, time, features)."""
    return np.eye(N_X, dtype=np.float32)[ids]


def make_data(count, rng):
    """``count`` random sequences: one-hot inputs (count, T_x, n_x) and their bits (count,)."""
    bits = rng.integers(0, 2, size=count)
    steps = rng.choice(CUE_STEPS, size=count)
    ids = np.stack([sequence(bit, step) for bit, step in zip(bits, steps)])
    return one_hot(ids), bits


def all_sequences():
    """Every possible input: 2 bits x 4 cue steps; returns (ids (8, T_x), bits (8,))."""
    pairs = [(bit, step) for bit in (0, 1) for step in CUE_STEPS]
    return np.stack([sequence(bit, step) for bit, step in pairs]), np.array([bit for bit, _ in pairs])


def course_x(ids):
    """Input indices (m, T_x) -> one-hot x of shape (n_x, m, T_x), float64."""
    return np.transpose(np.eye(N_X)[ids], (2, 0, 1))
