"""The trained jazz LSTM that ships with assignment 3: it fits the course's vocabulary and the
students' model, it has learned its phrases, and it improvises lines that fit the changes."""

import numpy as np
import pytest

from conftest import solution_namespace
from rnnlab.data import assets_dir
from rnnlab.music import (VOCAB, BarDraws, decode, make_training_data, n_values, note_quality, training_sequences)

N_A = 64


@pytest.fixture(scope="module")
def trained():
    """The worked notebook's functions, and its layers holding the shipped weights."""
    worked = solution_namespace("A3_jazz_improvisation")
    keras, shipped = worked["keras"], np.load(assets_dir() / "jazz" / "jazz_lstm.npz")
    assert list(shipped["vocab"]) == VOCAB, "the shipped model was trained on another vocabulary"
    lstm = keras.layers.LSTM(N_A, return_state=True)
    dense = keras.layers.Dense(n_values, activation="softmax")
    model = worked["djmodel"](30, lstm, dense, keras.layers.Reshape((1, n_values)))
    lstm.set_weights([shipped["lstm_kernel"], shipped["lstm_recurrent_kernel"], shipped["lstm_bias"]])
    dense.set_weights([shipped["dense_kernel"], shipped["dense_bias"]])
    x, a, c = keras.Input(shape=(1, n_values)), keras.Input(shape=(N_A,)), keras.Input(shape=(N_A,))
    _, a_next, c_next = lstm(x, initial_state=[a, c])
    one_step = keras.Model([x, a, c], [dense(a_next), a_next, c_next])

    def step(x, a, c):
        p, a, c = one_step([np.asarray(x, "float32"), np.asarray(a, "float32"), np.asarray(c, "float32")])
        return np.asarray(p, dtype=np.float64)[0], np.asarray(a), np.asarray(c)
    return worked, model, step, shipped


def test_the_shipped_model_has_learned_its_phrases(trained):
    worked, model, step, shipped = trained
    X, Y = make_training_data(training_sequences(), T_x=30)
    zeros = np.zeros((X.shape[0], N_A), dtype="float32")
    predictions = np.array(model.predict([X, zeros, zeros], verbose=0))  # (T_x, m, n_values)
    real = Y.sum(axis=2) > 0
    loss_per_step = -np.log(np.sum(predictions * Y, axis=2)[real]).mean()
    assert loss_per_step < 0.6, loss_per_step  # the uniform guess is log 92 = 4.5; measured 0.42
    assert shipped["losses"][-1] < 0.2 * shipped["losses"][0]  # 67 -> 7


def test_the_shipped_model_improvises_over_the_changes(trained):
    worked, model, step, shipped = trained
    blues = ["F7", "Bb7", "F7", "F7", "Bb7", "Bb7", "F7", "D7b9", "Gm7", "C7", "F7", "C7"]
    training = {tuple(sequence[i:i + 8]) for sequence in training_sequences() for i in range(len(sequence) - 7)}
    fits, new = [], []
    for seed in range(3):
        zeros = np.zeros((1, N_A))
        tokens = worked["sample_with_temperature"](step, np.zeros((1, 1, n_values)), zeros, zeros,
                                                   9 * len(blues) + 1, 1.0, BarDraws(blues, np.random.default_rng(seed)))
        fits.append(note_quality(decode(tokens, blues), blues))
        new += [tuple(tokens[i:i + 8]) not in training for i in range(len(tokens) - 7)]
    assert np.mean([fit["chord_tones"] for fit in fits]) > 0.6
    assert np.mean([fit["scale_tones"] for fit in fits]) > 0.75
    assert np.mean(new) > 0.5, "the improvisations should mostly not copy the training phrases"
