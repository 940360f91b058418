"""Train the jazz LSTM of the assignment "Jazz improvisation with an LSTM" and write assets/jazz/jazz_lstm.npz.

Run from the repository root:

    .venv/bin/python assets/scripts/train_jazz_lstm.py

The model is the one the students build: one ``LSTM(64, return_state=True)`` and one
``Dense(n_values, softmax)`` shared by T_x = 30 steps of the course's phrase tokens
(``rnnlab.music.make_training_data``), trained 100 epochs with Adam (learning rate 0.01, batches of
32) and the categorical cross-entropy summed over the steps, the padded steps weighted 0. The file holds the layers' weights in
Keras' layout (``lstm_kernel (n_values, 4 n_a)``, ``lstm_recurrent_kernel (n_a, 4 n_a)``,
``lstm_bias (4 n_a,)`` with the gates in the order i, f, c, o; ``dense_kernel (n_a, n_values)``,
``dense_bias (n_values,)``), the vocabulary it was trained on and the loss of every epoch.

Training runs with TensorFlow's deterministic ops and fixed seeds, so two runs write the same file.
This is instructor-side code: ``djmodel`` below solves a graded exercise and must not be copied into
``rnnlab``.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from rnnlab.keras_setup import import_keras  # noqa: E402
from rnnlab.music import VOCAB, make_training_data, n_values, training_sequences  # noqa: E402

OUT = REPO / "assets" / "jazz" / "jazz_lstm.npz"
N_A, T_X, EPOCHS, BATCH, LEARNING_RATE = 64, 30, 100, 32, 0.01


def djmodel(keras, Tx, lstm, dense, reshape):
    """The training model: inputs [X (batch, Tx, n_values), a0, c0], Tx softmax outputs."""
    X = keras.Input(shape=(Tx, n_values))
    a0, c0 = keras.Input(shape=(N_A,)), keras.Input(shape=(N_A,))
    a, c, outputs = a0, c0, []
    for t in range(Tx):
        _, a, c = lstm(reshape(X[:, t, :]), initial_state=[a, c])
        outputs.append(dense(a))
    return keras.Model(inputs=[X, a0, c0], outputs=outputs)


def main():
    keras = import_keras()
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(0)
    X, Y = make_training_data(training_sequences(), T_x=T_X)
    m = X.shape[0]
    lstm = keras.layers.LSTM(N_A, return_state=True)
    dense = keras.layers.Dense(n_values, activation="softmax")
    model = djmodel(keras, T_X, lstm, dense, keras.layers.Reshape((1, n_values)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss="categorical_crossentropy")
    zeros = np.zeros((m, N_A), dtype=np.float32)
    started = time.perf_counter()
    # A zero target row (padding) must get the weight 0: Keras' softmax cross-entropy gives its gradient
    # as if every target row summed to 1, so an unweighted zero row would still push the model.
    history = model.fit([X, zeros, zeros], list(Y), sample_weight=list(Y.sum(axis=2)), epochs=EPOCHS,
                        batch_size=BATCH, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    losses = np.array(history.history["loss"], dtype=np.float64)
    kernel, recurrent, bias = lstm.get_weights()
    dense_kernel, dense_bias = dense.get_weights()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, lstm_kernel=kernel, lstm_recurrent_kernel=recurrent, lstm_bias=bias, dense_kernel=dense_kernel,
             dense_bias=dense_bias, vocab=np.array(VOCAB), losses=losses)
    print(f"trained on m = {m} windows in {seconds:.1f} s; loss {losses[0]:.2f} -> {losses[-1]:.2f}; wrote {OUT}")


if __name__ == "__main__":
    main()
