"""The worked numpy RNN and LSTM of assignment 1 compute what Keras computes, gradients included."""

import numpy as np
import pytest

from conftest import solution_namespace
from rnnlab.keras_setup import import_keras

n_x, n_a, m, T_x = 3, 4, 5, 6


@pytest.fixture(scope="module")
def worked():
    return solution_namespace("A1_rnn_step_by_step")


@pytest.fixture(scope="module")
def tf():
    import_keras()
    import tensorflow
    return tensorflow


def keras_lstm_weights(parameters):
    """Our Wf, Wi, Wc, Wo acting on [a; x] to Keras' kernel, recurrent kernel and bias (gates i, f, c, o)."""
    order = ["Wi", "Wf", "Wc", "Wo"]
    return [np.concatenate([parameters[w][:, n_a:].T for w in order], axis=1),
            np.concatenate([parameters[w][:, :n_a].T for w in order], axis=1),
            np.concatenate([parameters["b" + w[1]][:, 0] for w in order])]


def test_rnn_forward_and_backward_match_simple_rnn(worked, tf):
    keras = import_keras()
    rng = np.random.default_rng(0)
    p = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": 0.5 * rng.standard_normal((n_a, n_a)),
         "ba": rng.standard_normal((n_a, 1)), "Wya": rng.standard_normal((2, n_a)), "by": np.zeros((2, 1))}
    x, da = rng.standard_normal((n_x, m, T_x)), rng.standard_normal((n_a, m, T_x))
    a, _, caches = worked["rnn_forward"](x, np.zeros((n_a, m)), p)
    grads = worked["rnn_backward"](da, caches)

    layer = keras.layers.SimpleRNN(n_a, return_sequences=True, dtype="float64")
    layer.build((m, T_x, n_x))
    layer.set_weights([p["Wax"].T, p["Waa"].T, p["ba"][:, 0]])
    x_tf = tf.constant(np.transpose(x, (1, 2, 0)))
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        a_tf = layer(x_tf)
        loss = tf.reduce_sum(tf.constant(np.transpose(da, (1, 2, 0))) * a_tf)
    dx, dkernel, drecurrent, dbias = tape.gradient(loss, [x_tf, *layer.trainable_variables])
    np.testing.assert_allclose(np.transpose(np.asarray(a_tf), (2, 0, 1)), a, atol=1e-12)
    np.testing.assert_allclose(np.transpose(np.asarray(dx), (2, 0, 1)), grads["dx"], atol=1e-10)
    np.testing.assert_allclose(np.asarray(dkernel).T, grads["dWax"], atol=1e-10)
    np.testing.assert_allclose(np.asarray(drecurrent).T, grads["dWaa"], atol=1e-10)
    np.testing.assert_allclose(np.asarray(dbias)[:, None], grads["dba"], atol=1e-10)


def test_lstm_forward_and_backward_match_keras_lstm(worked, tf):
    keras = import_keras()
    rng = np.random.default_rng(1)
    p = {f"W{g}": rng.standard_normal((n_a, n_a + n_x)) for g in "fico"}
    p.update({f"b{g}": rng.standard_normal((n_a, 1)) for g in "fico"})
    p.update({"Wy": rng.standard_normal((2, n_a)), "by": np.zeros((2, 1))})
    x, da = rng.standard_normal((n_x, m, T_x)), rng.standard_normal((n_a, m, T_x))
    a, _, c, caches = worked["lstm_forward"](x, np.zeros((n_a, m)), p)
    grads = worked["lstm_backward"](da, caches)

    layer = keras.layers.LSTM(n_a, return_sequences=True, return_state=True, dtype="float64")
    layer.build((m, T_x, n_x))
    layer.set_weights(keras_lstm_weights(p))
    x_tf = tf.constant(np.transpose(x, (1, 2, 0)))
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        a_tf, _, c_last = layer(x_tf)
        loss = tf.reduce_sum(tf.constant(np.transpose(da, (1, 2, 0))) * a_tf)
    dx, dkernel, drecurrent, dbias = tape.gradient(loss, [x_tf, *layer.trainable_variables])
    np.testing.assert_allclose(np.transpose(np.asarray(a_tf), (2, 0, 1)), a, atol=1e-12)
    np.testing.assert_allclose(np.asarray(c_last).T, c[:, :, -1], atol=1e-12)
    np.testing.assert_allclose(np.transpose(np.asarray(dx), (2, 0, 1)), grads["dx"], atol=1e-10)
    ours = keras_lstm_weights({k[1:]: v for k, v in grads.items() if k[1:] in p})
    for name, theirs, mine in zip(["kernel", "recurrent kernel", "bias"],
                                  [dkernel, drecurrent, dbias], ours):
        np.testing.assert_allclose(np.asarray(theirs), mine, atol=1e-10, err_msg=name)
