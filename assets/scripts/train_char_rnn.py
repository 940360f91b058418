"""Train the small character-level RNN used by the lecture "Recurrent neural network model".

Run from the repository root:

    .venv/bin/python assets/scripts/train_char_rnn.py

What it does
------------
1. Reads ``assets/scripts/corpus.txt`` (English sentences written for this course, one per line).
2. Trains a Keras model  one-hot(x<t>) -> SimpleRNN(16, tanh, return_sequences) -> Dense softmax
   that predicts the next character at every time step (target y<t> = x<t+1>).
3. Exports the weights in the course notation (float64)::

       Wax (n_a, n_x)   Waa (n_a, n_a)   ba (n_a, 1)   Wya (n_y, n_a)   by (n_y, 1)

       a<t> = tanh(Waa a<t-1> + Wax x<t> + ba),   y_hat<t> = softmax(Wya a<t> + by),   a<0> = 0

   checks that a plain numpy forward pass reproduces the Keras probabilities, and saves them with
   the vocabulary to ``assets/models/char_rnn.npz``.
4. Writes precomputed hidden-state traces for a few example strings to
   ``assets/traces/rnn_hidden_states.json``.

This is instructor-side code: the numpy forward pass below must not be copied into ``rnnlab``.
Everything is seeded, so two runs give the same files.
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

SEED = 1234
N_A = 16  # hidden units
SEQ_LEN = 48  # characters per training window
STRIDE = 3  # distance between the starts of two windows
EPOCHS = 120
BATCH_SIZE = 32
LEARNING_RATE = 0.01

# Index 0 is the newline (end of a sentence), then space, a..z, "." and ",".
VOCAB = ["\n", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + [".", ","]
assert len(VOCAB) == 30  # 1 + 1 + 26 + 2
CHAR_TO_IX = {ch: i for i, ch in enumerate(VOCAB)}

ASSETS = Path(__file__).resolve().parent.parent
CORPUS = ASSETS / "scripts" / "corpus.txt"
MODEL_OUT = ASSETS / "models" / "char_rnn.npz"
TRACES_OUT = ASSETS / "traces" / "rnn_hidden_states.json"

TRACE_TEXTS = [
    "the cat sat on the mat.",
    "rain falls on the sea.",
    "the dog ran along the beach.",
    "we walked home slowly, talking.",
    "snow fell all night on the town.",
]

PREFIXES = ["th", "the ca", "rain falls on the s", "in the morn", "the sea was gr"]


def encode(text):
    """Indices of the characters of ``text`` in VOCAB."""
    return np.array([CHAR_TO_IX[ch] for ch in text], dtype=np.int64)


def one_hot(indices):
    """One-hot rows, shape (len(indices), n_x)."""
    out = np.zeros((len(indices), len(VOCAB)), dtype=np.float32)
    out[np.arange(len(indices)), indices] = 1.0
    return out


def make_windows(ids):
    """Overlapping windows: inputs ids[s:s+L], targets ids[s+1:s+L+1]."""
    starts = np.arange(0, len(ids) - SEQ_LEN - 1, STRIDE)
    x_ids = np.stack([ids[s:s + SEQ_LEN] for s in starts])
    y_ids = np.stack([ids[s + 1:s + SEQ_LEN + 1] for s in starts])
    x = np.zeros(x_ids.shape + (len(VOCAB),), dtype=np.float32)
    np.put_along_axis(x, x_ids[..., None], 1.0, axis=-1)
    return x, y_ids


class EpochReport(keras.callbacks.Callback):
    """Print one line every few epochs (the whole run takes about a minute)."""

    def __init__(self, every):
        super().__init__()
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0 or epoch == 0:
            print(f"  epoch {epoch + 1:3d}/{EPOCHS}: loss {logs['loss']:.4f}, "
                  f"accuracy {logs['accuracy']:.4f}", flush=True)


def build_model(steps_per_epoch):
    n_x = len(VOCAB)
    # Cosine decay of the learning rate from LEARNING_RATE to 5 % of it over the whole run.
    learning_rate = keras.optimizers.schedules.CosineDecay(
        LEARNING_RATE, decay_steps=EPOCHS * steps_per_epoch, alpha=0.05)
    inputs = keras.Input(shape=(None, n_x), name="x")
    a = keras.layers.SimpleRNN(N_A, activation="tanh", return_sequences=True, name="rnn")(inputs)
    y_hat = keras.layers.Dense(n_x, activation="softmax", name="softmax")(a)
    model = keras.Model(inputs, y_hat, name="char_rnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=5.0),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def export_parameters(model):
    """Keras weights -> course notation, float64."""
    kernel, recurrent_kernel, bias = model.get_layer("rnn").get_weights()
    dense_kernel, dense_bias = model.get_layer("softmax").get_weights()
    return {
        "Wax": kernel.T.astype(np.float64),  # (n_a, n_x)
        "Waa": recurrent_kernel.T.astype(np.float64),  # (n_a, n_a)
        "ba": bias.reshape(-1, 1).astype(np.float64),  # (n_a, 1)
        "Wya": dense_kernel.T.astype(np.float64),  # (n_y, n_a)
        "by": dense_bias.reshape(-1, 1).astype(np.float64),  # (n_y, 1)
    }


def numpy_forward(text, params):
    """Plain numpy forward pass over one string.

    Returns a (n_a, T) and y_hat (n_y, T), where column t belongs to x<t> = one-hot(text[t])
    and y_hat[:, t] is the predicted distribution of the next character.
    """
    Wax, Waa, ba, Wya, by = (params[k] for k in ("Wax", "Waa", "ba", "Wya", "by"))
    n_a, n_y, T = Waa.shape[0], Wya.shape[0], len(text)
    a = np.zeros((n_a, T))
    y_hat = np.zeros((n_y, T))
    a_prev = np.zeros((n_a, 1))
    for t, ix in enumerate(encode(text)):
        x_t = np.zeros((Wax.shape[1], 1))
        x_t[ix] = 1.0
        a_next = np.tanh(Waa @ a_prev + Wax @ x_t + ba)
        z = Wya @ a_next + by
        e = np.exp(z - z.max(axis=0, keepdims=True))
        y_hat[:, t:t + 1] = e / e.sum(axis=0, keepdims=True)
        a[:, t:t + 1] = a_next
        a_prev = a_next
    return a, y_hat


def top_k(p, k=3):
    order = np.argsort(-p, kind="stable")[:k]
    return ", ".join(f"{VOCAB[i]!r} {p[i]:.2f}" for i in order)


def main():
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()

    text = CORPUS.read_text(encoding="utf-8")
    bad = sorted(set(text) - set(VOCAB))
    assert not bad, f"corpus contains characters outside the vocabulary: {bad}"
    ids = encode(text)
    x, y = make_windows(ids)
    print(f"corpus: {len(text)} characters, {text.count(chr(10))} sentences; "
          f"{len(x)} windows of {SEQ_LEN} characters")

    model = build_model(steps_per_epoch=-(-len(x) // BATCH_SIZE))
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=True, verbose=0,
                        callbacks=[EpochReport(every=10)])
    seconds = time.perf_counter() - start
    loss, acc = model.evaluate(x, y, batch_size=256, verbose=0)
    print(f"training time {seconds:.1f} s; last epoch loss {history.history['loss'][-1]:.4f}, "
          f"accuracy {history.history['accuracy'][-1]:.4f}; "
          f"final evaluation on all windows: loss {loss:.4f}, accuracy {acc:.4f}")

    params = export_parameters(model)
    assert params["Wax"].shape == (N_A, len(VOCAB))
    assert params["Waa"].shape == (N_A, N_A)
    assert params["Wya"].shape == (len(VOCAB), N_A)

    # The numpy forward pass must agree with Keras.
    max_diff = 0.0
    for sample in ["the cat sat on the mat.\nrain falls on the sea, and the wind blows."] + TRACE_TEXTS:
        keras_p = model.predict(one_hot(encode(sample))[None], verbose=0)[0].T  # (n_y, T)
        _, numpy_p = numpy_forward(sample, params)
        max_diff = max(max_diff, float(np.abs(keras_p - numpy_p).max()))
    assert max_diff < 1e-5, f"numpy and Keras disagree: max |difference| = {max_diff:.2e}"
    print(f"numpy forward pass vs Keras: max |difference| = {max_diff:.2e}")

    MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(MODEL_OUT, **params, vocab=np.array(VOCAB, dtype="<U1"))

    examples = []
    for sample in TRACE_TEXTS:
        assert 15 <= len(sample) <= 40 and "\n" not in sample, sample
        a, y_hat = numpy_forward(sample, params)
        examples.append({
            "text": sample,
            "a": np.round(a, 5).tolist(),
            "y_hat": np.round(y_hat, 5).tolist(),
        })
    trace = {"model": MODEL_OUT.name, "vocab": VOCAB, "examples": examples}
    TRACES_OUT.parent.mkdir(parents=True, exist_ok=True)
    TRACES_OUT.write_text(json.dumps(trace, separators=(",", ":")) + "\n", encoding="utf-8")

    print("top 3 next characters:")
    for prefix in PREFIXES:
        _, y_hat = numpy_forward(prefix, params)
        print(f"  {prefix!r:24} -> {top_k(y_hat[:, -1])}")

    # A few sampled sentences, to eyeball what the model has learned (seeded, so reproducible).
    rng = np.random.default_rng(SEED)
    for _ in range(3):
        generated = ""
        while len(generated) < 80:
            _, y_hat = numpy_forward("\n" + generated, params)
            ch = VOCAB[rng.choice(len(VOCAB), p=y_hat[:, -1] / y_hat[:, -1].sum())]
            if ch == "\n":
                break
            generated += ch
        print(f"sample: {generated!r}")
    print(f"wrote {MODEL_OUT.relative_to(ASSETS.parent)} and {TRACES_OUT.relative_to(ASSETS.parent)}")


if __name__ == "__main__":
    main()
