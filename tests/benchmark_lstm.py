"""Benchmark: the worked numpy LSTM (forward + backward) against Keras' LSTM with a gradient tape.

    .venv/bin/python tests/benchmark_lstm.py [REPEATS]

Same CPU, same sizes (n_x = n_a = 64, m = 32, T_x = 50), same weights, loss sum(da * a) in both.
The numpy functions are the ones in solutions/A1_rnn_step_by_step.ipynb (float64, as in the
assignment); TensorFlow runs in float32, its usual precision, and in float64 for a like-for-like
figure, each run eagerly and compiled with tf.function. Prints the median time of REPEATS runs (default 20) after a warm-up, and the ratios.
"""

import statistics
import sys
import time

import numpy as np

from conftest import solution_namespace
from rnnlab.keras_setup import import_keras

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
n_x = n_a = 64
m, T_x = 32, 50


def median_seconds(run):
    run()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


ns = solution_namespace("A1_rnn_step_by_step")
rng = np.random.default_rng(0)
parameters = {f"W{g}": 0.1 * rng.standard_normal((n_a, n_a + n_x)) for g in "fico"}
parameters.update({f"b{g}": 0.1 * rng.standard_normal((n_a, 1)) for g in "fico"})
parameters.update({"Wy": rng.standard_normal((2, n_a)), "by": np.zeros((2, 1))})
x = rng.standard_normal((n_x, m, T_x))
da = rng.standard_normal((n_a, m, T_x))


def numpy_step():
    a, _, _, caches = ns["lstm_forward"](x, np.zeros((n_a, m)), parameters)
    return ns["lstm_backward"](da, caches)


numpy_seconds = median_seconds(numpy_step)

keras = import_keras()
import tensorflow as tf  # noqa: E402  (already loaded quietly by import_keras)

order = ["Wi", "Wf", "Wc", "Wo"]
weights = [np.concatenate([parameters[w][:, n_a:].T for w in order], axis=1),
           np.concatenate([parameters[w][:, :n_a].T for w in order], axis=1),
           np.concatenate([parameters["b" + w[1]][:, 0] for w in order])]
results = {}
for dtype in ("float32", "float64"):
    layer = keras.layers.LSTM(n_a, return_sequences=True, dtype=dtype)
    layer.build((m, T_x, n_x))
    layer.set_weights([w.astype(dtype) for w in weights])
    x_tf = tf.constant(np.transpose(x, (1, 2, 0)), dtype=dtype)
    da_tf = tf.constant(np.transpose(da, (1, 2, 0)), dtype=dtype)

    def tape_step():
        with tf.GradientTape() as tape:
            tape.watch(x_tf)
            loss = tf.reduce_sum(da_tf * layer(x_tf))
        return tape.gradient(loss, [x_tf, *layer.trainable_variables])

    dx_numpy = numpy_step()["dx"]
    for mode, step in (("eager", tape_step), ("tf.function", tf.function(tape_step))):
        dx_tf = np.transpose(np.asarray(step()[0]), (2, 0, 1))
        results[f"{dtype}, {mode}"] = (median_seconds(step), np.max(np.abs(dx_tf - dx_numpy)))

print(f"numpy LSTM, forward + backward (float64): {1000 * numpy_seconds:.1f} ms")
for label, (seconds, difference) in results.items():
    print(f"TensorFlow LSTM with GradientTape ({label}): {1000 * seconds:.1f} ms "
          f"(time ratio numpy / TF = {numpy_seconds / seconds:.2f}; largest difference in dx {difference:.1e})")
