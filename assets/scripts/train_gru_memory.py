"""Train the small GRU of the lecture "Gated recurrent unit" on the long-range memory task.

Run from the repository root:

    .venv/bin/python assets/scripts/train_gru_memory.py

The task (the same as the LSTM lecture's, see ``train_lstm_memory.py``)
-----------------------------------------------------------------------
Every sequence has ``T_x = 16`` steps and ``n_x = 4`` possible inputs (one-hot)::

    index 0 "cue 0"   index 1 "cue 1"   index 2 "noise"   index 3 "recall"

One step among t = 1 ... 4 shows the cue (a bit), the other steps show "noise" and the last one
"recall", where the model must output the bit. Here the output is a single sigmoid unit,
``ŷ<t> = σ(Wy c<t> + by)`` = P(bit = 1), so ``n_y = 1``.

What the script does
--------------------
1. Trains ``Input -> GRU(8, reset_after=False, return_sequences=True) -> Dense(1, sigmoid)`` in
   Keras, with the loss on the last step only.
2. Exports the weights in the lecture form (float64)::

       Wu, Wr, Wc (n_a, n_a + n_x)   acting on [c<t-1>; x<t>]  (previous memory cell first)
       bu, br, bc (n_a, 1)           Wy (1, n_a)   by (1, 1)

   Keras keeps ``kernel (n_x, 3 n_a)``, ``recurrent_kernel (n_a, 3 n_a)`` and ``bias (3 n_a,)``
   with the blocks in the order z, r, h, and computes (``reset_after=False``)::

       z = σ(x Wz + h_prev Uz + bz),  r = σ(x Wr + h_prev Ur + br)
       hh = tanh(x Wh + (r * h_prev) Uh + bh),  h = z * h_prev + (1 - z) * hh

   Keras' ``z`` is the fraction of the OLD state that is kept: the lecture's update gate is
   ``Γu = 1 - z = σ(-(...))``, so ``Wu = -[Uzᵀ, Wzᵀ]`` and ``bu = -bz``; ``Wr = [Urᵀ, Wrᵀ]``,
   ``Wc = [Uhᵀ, Whᵀ]``.
3. Checks that a plain numpy GRU in the lecture form reproduces Keras' ``c<t>`` and ``ŷ<t>`` to
   within 1e-5 and saves ``assets/models/gru_memory.npz``.
4. Writes ``assets/traces/gru_gates.json``: four example sequences, each in four modes of the
   update gate: "learned"; "latch" (``Wu = 0, bu = -20`` at the noise steps, so ``Γu ≈ 2e-9``
   there and ``c`` is carried over them unchanged); "always shut" (the same at every step: nothing
   is ever written, ``c<t> = c<0> = 0``); "always open" (``Wu = 0, bu = +20`` at every step, so
   ``c<t> = c̃<t>``: a GRU without its update gate), with ``Γu``, ``Γr``, ``c̃<t>``, ``c<t>`` and
   ``ŷ<t>`` (rounded to 6 decimals).

This is instructor-side code: the numpy GRU below solves a graded exercise and must never be copied
into ``rnnlab``. Everything is seeded, so two runs give the same files.
"""

import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("PYTHONHASHSEED", "0")

import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

from memory_task import INPUTS, N_X, T_X, all_sequences, course_x, make_data, one_hot, sequence  # noqa: E402

SEED = 2024
N_A = 8
N_TRAIN = 2048
EPOCHS = 30
BATCH_SIZE = 64
LEARNING_RATE = 0.01
FORCED_BIAS = 20.0
# mode -> (bias forced on Γu, which inputs it is forced at)
MODES = {"learned": None, "latch": (-FORCED_BIAS, ("noise",)),
         "always shut": (-FORCED_BIAS, tuple(INPUTS)), "always open": (+FORCED_BIAS, tuple(INPUTS))}
TRACE_EXAMPLES = [(0, 1), (1, 2), (1, 3), (0, 4)]  # cue 0 at t=4: lost when Γu is always open
GATES = ("z", "r", "h")

ASSETS = Path(__file__).resolve().parent.parent
MODEL_OUT = ASSETS / "models" / "gru_memory.npz"
TRACES_OUT = ASSETS / "traces" / "gru_gates.json"


def build_models():
    inputs = keras.Input(shape=(T_X, N_X), name="x")
    c = keras.layers.GRU(N_A, reset_after=False, return_sequences=True, name="gru")(inputs)
    y_hat = keras.layers.Dense(1, activation="sigmoid", name="readout")(c)
    sequence_model = keras.Model(inputs, [c, y_hat], name="gru_memory")
    last_model = keras.Model(inputs, y_hat[:, -1, :], name="gru_memory_last_step")
    last_model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE, clipnorm=5.0),
                       loss="binary_crossentropy", metrics=["accuracy"])
    return sequence_model, last_model


def export_parameters(sequence_model):
    """Keras weights -> lecture form, float64."""
    kernel, recurrent_kernel, bias = sequence_model.get_layer("gru").get_weights()
    dense_kernel, dense_bias = sequence_model.get_layer("readout").get_weights()
    assert kernel.shape == (N_X, 3 * N_A) and recurrent_kernel.shape == (N_A, 3 * N_A)
    assert bias.shape == (3 * N_A,), bias.shape
    blocks = {}
    for index, gate in enumerate(GATES):
        block = slice(index * N_A, (index + 1) * N_A)
        blocks[gate] = (np.concatenate([recurrent_kernel[:, block].T, kernel[:, block].T], axis=1).astype(np.float64),
                        bias[block].reshape(-1, 1).astype(np.float64))
    return {"Wu": -blocks["z"][0], "Wr": blocks["r"][0], "Wc": blocks["h"][0],
            "bu": -blocks["z"][1], "br": blocks["r"][1], "bc": blocks["h"][1],
            "Wy": dense_kernel.T.astype(np.float64), "by": dense_bias.reshape(1, 1).astype(np.float64)}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_gru(x, parameters, mode="learned"):
    """The lecture's GRU over a batch ``x (n_x, m, T_x)`` from c<0> = 0, Γu forced as ``mode`` says.

    Returns a dict of arrays (n_a, m, T_x) for gamma_u, gamma_r, c_tilde, c and (1, m, T_x) for y.
    """
    p = parameters
    n_x, m, steps = x.shape
    n_a = p["Wu"].shape[0]
    out = {name: np.zeros((n_a, m, steps)) for name in ("gamma_u", "gamma_r", "c_tilde", "c")}
    out["y"] = np.zeros((1, m, steps))
    c_prev = np.zeros((n_a, m))
    forced = MODES[mode]
    for t in range(steps):
        xt = x[:, :, t]
        concat = np.concatenate([c_prev, xt], axis=0)
        pre_u = p["Wu"] @ concat + p["bu"]
        if forced is not None:  # the same as Wu = 0 and bu = ±20 at the forced steps
            at = np.isin(np.argmax(xt, axis=0), [INPUTS.index(name) for name in forced[1]])[None, :]
            pre_u = np.where(at, forced[0], pre_u)
        gamma_u = sigmoid(pre_u)
        gamma_r = sigmoid(p["Wr"] @ concat + p["br"])
        c_tilde = np.tanh(p["Wc"] @ np.concatenate([gamma_r * c_prev, xt], axis=0) + p["bc"])
        c_next = gamma_u * c_tilde + (1 - gamma_u) * c_prev
        for name, value in (("gamma_u", gamma_u), ("gamma_r", gamma_r), ("c_tilde", c_tilde), ("c", c_next)):
            out[name][:, :, t] = value
        out["y"][:, :, t] = sigmoid(p["Wy"] @ c_next + p["by"])
        c_prev = c_next
    return out


def main():
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)

    x_train, y_train = make_data(N_TRAIN, rng)
    y_train = y_train.astype(np.float32)  # the sigmoid read-out's targets
    sequence_model, last_model = build_models()
    start = time.perf_counter()
    history = last_model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=True, verbose=0)
    seconds = time.perf_counter() - start
    for epoch in (0, 4, 9, 19, EPOCHS - 1):
        print(f"  epoch {epoch + 1:3d}: loss {history.history['loss'][epoch]:.4f}, "
              f"accuracy {history.history['accuracy'][epoch]:.4f}")
    x_test, y_test = make_data(1000, rng)
    y_test = y_test.astype(np.float32)
    loss, accuracy = last_model.evaluate(x_test, y_test, batch_size=250, verbose=0)
    print(f"training time {seconds:.1f} s; Keras on 1000 fresh sequences: loss {loss:.5f}, accuracy {accuracy:.4f}")

    parameters = export_parameters(sequence_model)
    for gate in "urc":
        assert parameters[f"W{gate}"].shape == (N_A, N_A + N_X) and parameters[f"b{gate}"].shape == (N_A, 1)

    ids, bits = all_sequences()
    keras_c, keras_y = sequence_model.predict(one_hot(ids), verbose=0)
    run = numpy_gru(course_x(ids), parameters)
    max_diff = max(float(np.abs(np.transpose(keras_c, (2, 0, 1)) - run["c"]).max()),
                   float(np.abs(np.transpose(keras_y, (2, 0, 1)) - run["y"]).max()))
    assert max_diff < 1e-5, f"numpy and Keras disagree: max |difference| = {max_diff:.2e}"
    print(f"numpy GRU (lecture form) vs Keras GRU(reset_after=False), c<t> and y<t> on all {len(ids)} "
          f"sequences: max |difference| = {max_diff:.2e}")

    MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(MODEL_OUT, **parameters, inputs=np.array(INPUTS))

    print("at the recall step, on all 8 possible sequences:")
    for mode in MODES:
        p_one = numpy_gru(course_x(ids), parameters, mode)["y"][0, :, -1]
        print(f"  {mode:12}: accuracy {np.mean((p_one > 0.5) == bits):.3f}; P(bit = 1) for cue 0 / cue 1: "
              f"{np.round(p_one[bits == 0], 3).tolist()} / {np.round(p_one[bits == 1], 3).tolist()}")

    learned = numpy_gru(course_x(ids), parameters)
    gap = learned["c"][:, bits == 1, -2].mean(axis=1) - learned["c"][:, bits == 0, -2].mean(axis=1)
    unit = int(np.argmax(np.abs(gap)))
    print(f"c<T_x - 1>(cue 1) - c<T_x - 1>(cue 0) per unit: {np.round(gap, 2).tolist()}; unit {unit} "
          f"stores the cue most clearly")
    for name in ("gamma_u", "gamma_r", "c_tilde", "c"):
        for bit in (0, 1):
            print(f"  unit {unit} {name:7} cue {bit} at t=1: "
                  f"{np.round(learned[name][unit, list(bits).index(bit), :], 2).tolist()}")

    examples = []
    for bit, cue_step in TRACE_EXAMPLES:
        example_ids = sequence(bit, cue_step)
        example = {"name": f"cue {bit} at t={cue_step}", "cue": bit, "cue_step": cue_step,
                   "inputs": example_ids.tolist(), "modes": {}}
        for mode in MODES:
            out = numpy_gru(course_x(example_ids[None, :]), parameters, mode)
            example["modes"][mode] = {name: np.round(value[:, 0, :], 6).tolist() for name, value in out.items()}
        examples.append(example)
    trace = {"model": MODEL_OUT.name, "inputs": INPUTS, "forced_update_bias": FORCED_BIAS,
             "modes": {mode: None if forced is None else {"bu": forced[0], "at": list(forced[1])}
                       for mode, forced in MODES.items()},
             "memory_unit": unit, "examples": examples}
    TRACES_OUT.parent.mkdir(parents=True, exist_ok=True)
    TRACES_OUT.write_text(json.dumps(trace, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_OUT.relative_to(ASSETS.parent)} and {TRACES_OUT.relative_to(ASSETS.parent)}")


if __name__ == "__main__":
    main()
