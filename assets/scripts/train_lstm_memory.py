"""Train the small LSTM of the lecture "Long short-term memory" on a long-range memory task.

Run from the repository root:

    .venv/bin/python assets/scripts/train_lstm_memory.py

The task
--------
Every sequence has ``T_x = 16`` steps and ``n_x = 4`` possible inputs (one-hot)::

    index 0 "cue 0"   index 1 "cue 1"   index 2 "noise"   index 3 "recall"

One step among the first four (t = 1 ... 4) shows a cue, 0 or 1; every other step is "noise",
except the last one, which is "recall". At the recall step the model must output the cue's bit
(``n_y = 2``, softmax). So it must keep one bit for up to 15 steps while the same input repeats.

What the script does
--------------------
1. Trains ``Input -> LSTM(8, return_sequences=True) -> Dense(2, softmax)`` in Keras, with the loss
   on the last step only (the model sees every step, but only y<T_x> is graded).
2. Exports the weights in the course notation (float64)::

       Wf, Wi, Wc, Wo (n_a, n_a + n_x)   acting on [a<t-1>; x<t>]  (previous hidden state first)
       bf, bi, bc, bo (n_a, 1)           Wy (n_y, n_a)   by (n_y, 1)

   Keras keeps ``kernel (n_x, 4 n_a)`` and ``recurrent_kernel (n_a, 4 n_a)`` with the gate blocks
   in the order i, f, c, o, so ``Wf = [recurrent_kernel[:, f].T, kernel[:, f].T]`` and so on.
3. Checks that a plain numpy forward pass with the exported matrices reproduces the Keras outputs
   (hidden states and probabilities) to within 1e-5, and saves ``assets/models/lstm_memory.npz``.
4. Writes ``assets/traces/lstm_gates.json``: four example sequences, each run in three modes of the
   forget gate: "learned", "forced open" (Wf = 0, bf = +20, so Γf ≈ 1) and "forced shut"
   (Wf = 0, bf = -20, so Γf ≈ 0), with every gate, c<t>, a<t> and ŷ<t>.
5. Prints the accuracy in each mode and which hidden unit stores the cue.

This is instructor-side code: the numpy LSTM below solves a graded exercise and must never be copied
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
N_Y = 2
N_TRAIN = 2048
EPOCHS = 40
BATCH_SIZE = 64
LEARNING_RATE = 0.01
FORCED_BIAS = 20.0  # Γf = σ(±20): 1 - 2e-9 or 2e-9
MODES = {"learned": None, "forced open": +FORCED_BIAS, "forced shut": -FORCED_BIAS}
# (cue bit, 1-based step of the cue): two with cue 0 and two with cue 1, all at different steps.
TRACE_EXAMPLES = [(0, 1), (1, 2), (0, 3), (1, 4)]
GATES = ("i", "f", "c", "o")  # Keras' order of the blocks of the kernels and the bias

ASSETS = Path(__file__).resolve().parent.parent
MODEL_OUT = ASSETS / "models" / "lstm_memory.npz"
TRACES_OUT = ASSETS / "traces" / "lstm_gates.json"


def build_models():
    """The sequence model (outputs y<t> at every step) and the model trained on y<T_x> only."""
    inputs = keras.Input(shape=(T_X, N_X), name="x")
    a = keras.layers.LSTM(N_A, return_sequences=True, name="lstm")(inputs)
    y_hat = keras.layers.Dense(N_Y, activation="softmax", name="softmax")(a)
    sequence_model = keras.Model(inputs, y_hat, name="lstm_memory")
    hidden_model = keras.Model(inputs, a, name="lstm_memory_hidden")
    last_model = keras.Model(inputs, y_hat[:, -1, :], name="lstm_memory_last_step")
    last_model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE, clipnorm=5.0),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return sequence_model, hidden_model, last_model


def export_parameters(sequence_model):
    """Keras weights -> course notation, float64."""
    kernel, recurrent_kernel, bias = sequence_model.get_layer("lstm").get_weights()
    dense_kernel, dense_bias = sequence_model.get_layer("softmax").get_weights()
    assert kernel.shape == (N_X, 4 * N_A) and recurrent_kernel.shape == (N_A, 4 * N_A)
    parameters = {}
    for index, gate in enumerate(GATES):
        block = slice(index * N_A, (index + 1) * N_A)
        parameters[f"W{gate}"] = np.concatenate(
            [recurrent_kernel[:, block].T, kernel[:, block].T], axis=1).astype(np.float64)
        parameters[f"b{gate}"] = bias[block].reshape(-1, 1).astype(np.float64)
    parameters["Wy"] = dense_kernel.T.astype(np.float64)
    parameters["by"] = dense_bias.reshape(-1, 1).astype(np.float64)
    return {name: parameters[name] for name in ("Wf", "Wi", "Wc", "Wo", "bf", "bi", "bc", "bo", "Wy", "by")}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_lstm(x, parameters):
    """Plain numpy LSTM over a batch, in the course notation.

    ``x`` has shape (n_x, m, T_x); a<0> = 0 and c<0> = 0. Returns a dict of arrays of shape
    (n_a, m, T_x) for ft, it, cct, ot, c, a and (n_y, m, T_x) for y.
    """
    p = parameters
    n_x, m, steps = x.shape
    n_a = p["Wf"].shape[0]
    out = {name: np.zeros((n_a, m, steps)) for name in ("ft", "it", "cct", "ot", "c", "a")}
    out["y"] = np.zeros((p["Wy"].shape[0], m, steps))
    a_prev, c_prev = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in range(steps):
        concat = np.concatenate([a_prev, x[:, :, t]], axis=0)
        ft = sigmoid(p["Wf"] @ concat + p["bf"])
        it = sigmoid(p["Wi"] @ concat + p["bi"])
        cct = np.tanh(p["Wc"] @ concat + p["bc"])
        c_next = ft * c_prev + it * cct
        ot = sigmoid(p["Wo"] @ concat + p["bo"])
        a_next = ot * np.tanh(c_next)
        z = p["Wy"] @ a_next + p["by"]
        e = np.exp(z - z.max(axis=0, keepdims=True))
        for name, value in (("ft", ft), ("it", it), ("cct", cct), ("ot", ot), ("c", c_next), ("a", a_next)):
            out[name][:, :, t] = value
        out["y"][:, :, t] = e / e.sum(axis=0, keepdims=True)
        a_prev, c_prev = a_next, c_next
    return out


def with_forget_gate(parameters, bias):
    """A copy of ``parameters``; with ``bias`` set, Wf = 0 and bf = bias (the gate is forced)."""
    forced = {name: value.copy() for name, value in parameters.items()}
    if bias is not None:
        forced["Wf"][:] = 0.0
        forced["bf"][:] = bias
    return forced


class EpochReport(keras.callbacks.Callback):
    def __init__(self, every):
        super().__init__()
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0 or epoch == 0:
            print(f"  epoch {epoch + 1:3d}/{EPOCHS}: loss {logs['loss']:.4f}, "
                  f"accuracy {logs['accuracy']:.4f}", flush=True)


def main():
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)

    x_train, y_train = make_data(N_TRAIN, rng)
    sequence_model, hidden_model, last_model = build_models()
    start = time.perf_counter()
    last_model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=True, verbose=0,
                   callbacks=[EpochReport(every=5)])
    seconds = time.perf_counter() - start
    x_test, y_test = make_data(1000, rng)
    loss, accuracy = last_model.evaluate(x_test, y_test, batch_size=250, verbose=0)
    print(f"training time {seconds:.1f} s; Keras on 1000 fresh sequences: loss {loss:.5f}, "
          f"accuracy {accuracy:.4f}")

    parameters = export_parameters(sequence_model)
    for gate in "fico":
        assert parameters[f"W{gate}"].shape == (N_A, N_A + N_X), gate
        assert parameters[f"b{gate}"].shape == (N_A, 1), gate
    assert parameters["Wy"].shape == (N_Y, N_A) and parameters["by"].shape == (N_Y, 1)

    # The numpy forward pass with the exported matrices must agree with Keras.
    ids, bits = all_sequences()
    keras_y = sequence_model.predict(one_hot(ids), verbose=0)  # (m, T_x, n_y)
    keras_a = hidden_model.predict(one_hot(ids), verbose=0)  # (m, T_x, n_a)
    run = numpy_lstm(course_x(ids), parameters)
    max_diff = max(float(np.abs(np.transpose(keras_y, (2, 0, 1)) - run["y"]).max()),
                   float(np.abs(np.transpose(keras_a, (2, 0, 1)) - run["a"]).max()))
    assert max_diff < 1e-5, f"numpy and Keras disagree: max |difference| = {max_diff:.2e}"
    print(f"numpy forward pass vs Keras (a<t> and y<t>, all {len(ids)} sequences): "
          f"max |difference| = {max_diff:.2e}")

    MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(MODEL_OUT, **parameters, inputs=np.array(INPUTS))

    # Accuracy in each mode, on every possible sequence (2 bits x 4 cue steps).
    print("accuracy at the recall step, on all 8 possible sequences:")
    for mode, bias in MODES.items():
        y_last = numpy_lstm(course_x(ids), with_forget_gate(parameters, bias))["y"][:, :, -1]
        right = y_last[bits, np.arange(len(bits))]
        print(f"  {mode:12}: accuracy {np.mean(np.argmax(y_last, axis=0) == bits):.3f}, "
              f"P(right answer) mean {right.mean():.3f}, min {right.min():.3f}; "
              f"P(bit = 1) for cue 0 / cue 1: {np.round(y_last[1, bits == 0], 3).tolist()} / "
              f"{np.round(y_last[1, bits == 1], 3).tolist()}")

    learned = numpy_lstm(course_x(ids), parameters)
    gap = learned["c"][:, bits == 1, -1].mean(axis=1) - learned["c"][:, bits == 0, -1].mean(axis=1)
    unit = int(np.argmax(np.abs(gap)))
    print(f"c<T_x>(cue 1) - c<T_x>(cue 0) per unit: {np.round(gap, 2).tolist()}; unit {unit} stores the "
          f"cue most clearly")
    for name in ("ft", "it", "cct", "ot", "c", "a"):
        for bit in (0, 1):
            print(f"  unit {unit} {name:3} cue {bit}, cue at t=1: "
                  f"{np.round(learned[name][unit, list(bits).index(bit), :], 2).tolist()}")
    print(f"  Wy[:, {unit}] = {np.round(parameters['Wy'][:, unit], 2).tolist()}")

    examples = []
    for bit, cue_step in TRACE_EXAMPLES:
        example_ids = sequence(bit, cue_step)
        example = {"name": f"cue {bit} at t={cue_step}", "cue": bit, "cue_step": cue_step,
                   "inputs": example_ids.tolist(), "modes": {}}
        for mode, bias in MODES.items():
            out = numpy_lstm(course_x(example_ids[None, :]), with_forget_gate(parameters, bias))
            example["modes"][mode] = {name: np.round(value[:, 0, :], 5).tolist() for name, value in out.items()}
        examples.append(example)
    trace = {"model": MODEL_OUT.name, "inputs": INPUTS, "modes": list(MODES),
             "forced_forget_bias": FORCED_BIAS, "memory_unit": unit, "examples": examples}
    TRACES_OUT.parent.mkdir(parents=True, exist_ok=True)
    TRACES_OUT.write_text(json.dumps(trace, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_OUT.relative_to(ASSETS.parent)} and {TRACES_OUT.relative_to(ASSETS.parent)}")


if __name__ == "__main__":
    main()
