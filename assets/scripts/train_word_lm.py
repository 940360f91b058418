"""Train the small word-level RNN language model of the lecture "Language model and sequence generation".

Run from the repository root (about a minute on 2 CPU cores):

    .venv/bin/python assets/scripts/train_word_lm.py

What it does
------------
1. Reads ``assets/scripts/corpus.txt`` (English sentences written for this course, one per line) and
   splits every line into tokens with ``rnnlab.widgets.language_model.tokenize`` (lowercase words,
   and "," and "." as tokens of their own).
2. Builds the vocabulary: ``<EOS>`` (index 0), ``<UNK>`` (index 1), then every token that occurs at
   least twice in the corpus, most frequent first (ties in alphabetical order). Rarer words become
   ``<UNK>``.
3. Makes the training pairs of each sentence: the targets are the sentence's indices followed by
   ``<EOS>``, ``y = (y<1>, ..., y<T_y>)``; the inputs are the targets shifted one step to the right,
   ``x<t> = y<t-1>``, with ``x<1>`` the zero vector (written as index -1, whose one-hot vector is
   all zeros).
4. Trains ``one-hot x<t> (n_x) -> SimpleRNN(n_a, tanh) -> Dense(n_y, softmax)`` (with dropout while
   training) on the per-step cross-entropies (padding steps weigh 0): first without 20 held-out
   sentences, to measure the perplexity on text the model has not seen, then on every sentence. Saves
   the second model to ``assets/models/word_lm.keras`` and the vocabulary, with both perplexities, to
   ``assets/models/word_lm_vocab.json``.
5. Writes ``assets/traces/word_lm.json``: for a few example sentences, the probability the model gave
   to each actual next token, the running log-probability, and the top candidates at every step, so
   the widget's picture can be shown and tested without TensorFlow.

Everything is seeded and TensorFlow's ops are made deterministic, so two runs give the same weights
and the same trace (the ``.keras`` file itself records the date it was saved).
"""

import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("PYTHONHASHSEED", "0")

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

ASSETS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ASSETS.parent))
from rnnlab.widgets.language_model import EOS, START_INDEX, UNK, tokenize  # noqa: E402

SEED = 606
MIN_COUNT = 2
N_A = 32
DROPOUT = 0.3  # on the one-hot inputs and on a<t> while training: the corpus is tiny
L2 = 1e-4  # weight decay on Wax
EPOCHS = 40
BATCH_SIZE = 16
HELD_OUT = 20  # sentences kept aside in a first run, to measure the perplexity on unseen text
LEARNING_RATE = 0.005
TOP_K = 8

CORPUS = ASSETS / "scripts" / "corpus.txt"
MODEL_OUT = ASSETS / "models" / "word_lm.keras"
VOCAB_OUT = ASSETS / "models" / "word_lm_vocab.json"
TRACE_OUT = ASSETS / "traces" / "word_lm.json"

TRACE_SENTENCES = [
    "the cat sat on the warm step and watched the birds.",
    "the sea was cold and grey.",
    "we walked home slowly in the rain.",
    "the dog ran along the beach.",
    "birds the sat cat on step warm the.",
    "the zebra played the violin at midnight.",
]


def build_vocabulary(sentences):
    counts = Counter(token for tokens in sentences for token in tokens)
    kept = sorted((token for token, n in counts.items() if n >= MIN_COUNT), key=lambda w: (-counts[w], w))
    return [EOS, UNK] + kept


def pairs(tokens, index):
    """Input and target index sequences of one sentence (instructor-side copy of the exercise)."""
    y = [index.get(token, index[UNK]) for token in tokens] + [index[EOS]]
    x = [START_INDEX] + y[:-1]
    return np.array(x), np.array(y)


def one_hot(x, n):
    """One-hot rows of the indices in x (any shape); index -1 gives the zero vector."""
    x = np.asarray(x)
    out = np.zeros(x.shape + (n,), dtype=np.float32)
    valid = x >= 0
    out[valid, x[valid]] = 1.0
    return out


def train(X1, Y, W, n):
    """A fresh model trained on one-hot inputs X1 (m, T, n), targets Y (m, T) and step weights W (m, T)."""
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(shape=(None, n), name="x")
    dropped = keras.layers.Dropout(DROPOUT, name="input_dropout")(inputs)
    hidden = keras.layers.SimpleRNN(N_A, activation="tanh", return_sequences=True,
                                    kernel_regularizer=keras.regularizers.L2(L2), name="rnn")(dropped)
    hidden = keras.layers.Dropout(DROPOUT, name="state_dropout")(hidden)
    outputs = keras.layers.Dense(n, activation="softmax", name="y_hat")(hidden)
    model = keras.Model(inputs, outputs, name="word_lm")
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy",
                  weighted_metrics=[])
    model.fit(X1, Y, sample_weight=W, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, verbose=0)
    return model


def perplexity_of(model, X1, Y, W):
    """exp(- total log-probability of the targets / number of targets) (instructor-side)."""
    probs = model.predict(X1, verbose=0)
    p_true = np.take_along_axis(probs, Y[..., None], axis=2)[..., 0]
    return float(np.exp(-np.where(W > 0, np.log(p_true), 0.0).sum() / W.sum()))


def main():
    started = time.time()
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()

    sentences = [tokenize(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    vocab = build_vocabulary(sentences)
    index = {token: i for i, token in enumerate(vocab)}
    n = len(vocab)
    T = max(len(tokens) for tokens in sentences) + 1
    m = len(sentences)
    X = np.full((m, T), START_INDEX)
    Y = np.zeros((m, T), dtype=np.int64)
    W = np.zeros((m, T), dtype=np.float32)
    for i, tokens in enumerate(sentences):
        x, y = pairs(tokens, index)
        X[i, : len(x)], Y[i, : len(y)], W[i, : len(y)] = x, y, 1.0
    X1 = one_hot(X, n)
    X1[W == 0] = 0.0  # padding after <EOS>: never read before a real step, weighs 0 in the loss
    unk_share = float((Y[W > 0] == index[UNK]).mean())
    print(f"{m} sentences, {int(W.sum())} target tokens, vocabulary n_x = n_y = {n}, "
          f"{100 * unk_share:.1f}% of the targets are <UNK>")

    order = np.random.default_rng(SEED).permutation(m)
    held_out, kept = order[:HELD_OUT], order[HELD_OUT:]
    first = train(X1[kept], Y[kept], W[kept], n)
    held_out_perplexity = perplexity_of(first, X1[held_out], Y[held_out], W[held_out])
    print(f"trained on {len(kept)} sentences: perplexity {perplexity_of(first, X1[kept], Y[kept], W[kept]):.2f} "
          f"on them, {held_out_perplexity:.2f} on the {HELD_OUT} held-out sentences")
    model = train(X1, Y, W, n)
    perplexity = perplexity_of(model, X1, Y, W)
    print(f"trained on all {m} sentences: perplexity {perplexity:.2f} on them (a uniform guess gives {n})")

    MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
    model.save(MODEL_OUT)
    VOCAB_OUT.write_text(json.dumps({
        "tokens": vocab, "eos": EOS, "unk": UNK, "start_index": START_INDEX, "min_count": MIN_COUNT,
        "n_a": N_A, "training_perplexity": round(float(perplexity), 3),
        "held_out_perplexity": round(float(held_out_perplexity), 3), "held_out_sentences": HELD_OUT,
        "note": "index i of the model's output is tokens[i]; the input x<1> is the zero vector "
                "(index -1); x<t> = y<t-1> afterwards",
    }, indent=1) + "\n")

    examples = []
    for sentence in TRACE_SENTENCES:
        tokens = tokenize(sentence)
        x, y = pairs(tokens, index)
        y_hat = model.predict(one_hot(x, n)[None], verbose=0)[0]  # (T_y, n)
        p = y_hat[np.arange(len(y)), y].astype(np.float64)
        top = np.argsort(-y_hat, axis=1, kind="stable")[:, :TOP_K]
        examples.append({
            "sentence": sentence, "tokens": tokens,
            "targets": [vocab[i] for i in y], "y": y.tolist(),
            "p_actual": [float(f"{v:.6g}") for v in p],
            "running_log_probability": [round(float(v), 5) for v in np.cumsum(np.log(p))],
            "perplexity": round(float(np.exp(-np.log(p).mean())), 4),
            "top_indices": top.tolist(),
            "top_probabilities": [[float(f"{v:.5g}") for v in row] for row in np.take_along_axis(y_hat, top, 1)],
        })
        print(f"  log P = {np.log(p).sum():8.3f}  perplexity {np.exp(-np.log(p).mean()):7.2f}  {sentence}")
    TRACE_OUT.parent.mkdir(parents=True, exist_ok=True)
    TRACE_OUT.write_text(json.dumps({
        "description": "Runs of assets/models/word_lm.keras over example sentences (made by "
                       "assets/scripts/train_word_lm.py). Step t (0-based list position t-1) reads x<t> and "
                       "predicts y<t>: p_actual[t-1] = P(y<t> | y<1..t-1>), running_log_probability[t-1] = "
                       "log P(y<1..t>) (natural log), perplexity = exp(-log P / T_y), top_indices / top_probabilities = the most "
                       "likely tokens.",
        "top_k": TOP_K, "examples": examples}, indent=1) + "\n")
    print(f"wrote {MODEL_OUT.name}, {VOCAB_OUT.name}, {TRACE_OUT.name} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
