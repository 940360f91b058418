"""Train the two small word taggers of the lecture "Bidirectional RNN" and export them.

Run from the repository root (about half a minute on one CPU core):

    .venv/bin/python assets/scripts/train_birnn.py

The task
--------
Tag every word of a sentence: is it part of a person's name (tag 1, "name") or not (tag 0,
"other")? The project's own sentences are made from a few templates (see ``make_sentences``) so
that some words are names in one sentence and ordinary words in another, and only the word
**after** them tells which:

    he said , teddy roosevelt was a great president      teddy -> name
    he said , teddy bears are on sale                    teddy -> other

The same holds for ``rose``, ``ruby``, ``april``, ``holly`` and ``summer`` (``rose parker`` / ``rose
petals``, ...). The sentences are written to ``assets/birnn/sentences.txt``, one per line, as
``word/tag`` tokens.

What the script does
--------------------
1. Trains ``Masking -> Bidirectional(SimpleRNN(8, return_sequences=True)) -> Dense(2, softmax)``
   on one-hot words (``n_x`` = the vocabulary size), and, for the contrast, the same model with a
   forward-only ``SimpleRNN(8)``. Sentences are padded with all-zero vectors that the mask skips.
2. Exports both in the course notation (float64). Per direction ``Wax (n_a, n_x)``, ``Waa (n_a,
   n_a)``, ``ba (n_a, 1)``; the output layer ``Wy (n_y, 2 n_a)`` acts on ``[a_fwd<t>; a_bwd<t>]``
   (forward states first), ``by (n_y, 1)``. The forward-only model has ``Wax, Waa, ba`` and
   ``Wya (n_y, n_a)``, ``by``. Keras keeps ``kernel (n_x, n_a)``, ``recurrent_kernel (n_a, n_a)`` and
   ``bias (n_a,)``, so ``Wax = kernel.T``, ``Waa = recurrent_kernel.T``.
3. Checks that a numpy forward pass with the exported matrices gives Keras' probabilities to
   within 1e-5 on every sentence, and saves ``assets/birnn/birnn.npz``.
4. Writes ``assets/birnn/traces.json``: for the example sentences of the widget, the words, the
   tags, both directions' hidden states, the bidirectional model's ``ŷ<t>`` and the forward-only
   model's ``ŷ<t>``.

This is instructor-side code: the numpy RNN below solves graded exercises and must never be
copied into ``rnnlab``. Everything is seeded, so two runs give the same files.
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

SEED = 11
N_A = 8
TAGS = ["other", "name"]
N_Y = len(TAGS)
N_SENTENCES = 1500
EPOCHS = 25
BATCH_SIZE = 32
LEARNING_RATE = 0.01

ASSETS = Path(__file__).resolve().parent.parent
OUT = ASSETS / "birnn"

OPENERS = ["he said ,", "she said ,", "i heard that", "yesterday", "my friend told me", "", "the news said",
           "everyone knows", "we all think"]
# Words that are a first name before a surname and an ordinary word before a noun.
AMBIGUOUS = {"teddy": "bears", "rose": "petals", "ruby": "rings", "april": "showers", "holly": "bushes",
             "summer": "dresses"}
FIRST_NAMES = ["george", "maria", "sam", "nina", "omar"]
SURNAMES = ["roosevelt", "parker", "chen", "jones", "baker", "lopez"]
PERSON_ENDINGS = ["was a great president", "is my new neighbour", "wrote a long letter", "sings in a band",
                  "won the race", "lives next door", "was on the radio"]
THING_ENDINGS = ["are on sale", "look lovely", "were in the shop", "are very cheap", "cost too much",
                 "were on the radio"]
# Endings that follow both kinds, so that only the word after the ambiguous one tells the tag.
SHARED_ENDINGS = ["appeared in the paper", "made me smile", "came up again today", "showed up in the film"]
# "we saw X Y ..." puts the ambiguous word in the middle of a sentence; any ending fits both kinds.
SAW_ENDINGS = ["in the film", "at the station", "on the radio", "in the shop", "at the market", "on the table"]

EXAMPLES = [
    "he said , teddy bears are on sale",
    "he said , teddy roosevelt was a great president",
    "she said , rose petals look lovely",
    "she said , rose parker won the race",
    "yesterday april showers were on the radio",
    "yesterday april jones was on the radio",
    "we saw ruby rings at the market",
    "we saw ruby chen at the market",
    "holly bushes made me smile",
    "holly baker made me smile",
    "i heard that george baker sings in a band",
]


def make_sentences(rng):
    """``N_SENTENCES`` lists of (word, tag) pairs: 45% ambiguous names, 45% things, 10% plain names.

    A quarter of the sentences end with words that fit both a person and a thing, and the "we saw"
    sentences may end in any place, so the tag of an ambiguous word is told by the next word only.
    """
    sentences = []
    for _ in range(N_SENTENCES):
        kind = rng.choice(["ambiguous name", "thing", "plain name"], p=[0.45, 0.45, 0.10])
        first = rng.choice(list(AMBIGUOUS)) if kind != "plain name" else rng.choice(FIRST_NAMES)
        if kind == "thing":
            phrase = [(first, 0), (AMBIGUOUS[first], 0)]
        else:
            phrase = [(first, 1), (rng.choice(SURNAMES), 1)]
        person = kind != "thing"
        place = rng.random()
        if place < 0.3:
            ending = rng.choice(SAW_ENDINGS)
            words = [("we", 0), ("saw", 0)] + phrase + [(w, 0) for w in ending.split()]
        else:
            endings = SHARED_ENDINGS if place < 0.55 else PERSON_ENDINGS if person else THING_ENDINGS
            ending = rng.choice(endings)
            words = phrase + [(w, 0) for w in ending.split()]
        opener = rng.choice(OPENERS)
        sentences.append([(w, 0) for w in opener.split()] + words)
    return sentences


def tagged(sentence):
    """Tags of an example sentence, by the same rules as the generator."""
    words = sentence.split()
    tags = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        tags.append(int(word in SURNAMES or word in FIRST_NAMES or (word in AMBIGUOUS and following in SURNAMES)))
    return tags


def numpy_states(x, a0, p, reverse=False):
    """x (n_x, m, T_x) -> states (n_a, m, T_x); the reverse pass reads from the last step."""
    n_a, T_x = p["Waa"].shape[0], x.shape[2]
    a = np.zeros((n_a, x.shape[1], T_x))
    a_prev = a0
    for t in (reversed(range(T_x)) if reverse else range(T_x)):
        a_prev = np.tanh(p["Wax"] @ x[:, :, t] + p["Waa"] @ a_prev + p["ba"])
        a[:, :, t] = a_prev
    return a


def numpy_softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def main():
    started = time.time()
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)
    sentences = make_sentences(rng)
    vocab = sorted({w for s in sentences for w, _ in s} | {w for e in EXAMPLES for w in e.split()})
    index = {w: i for i, w in enumerate(vocab)}
    n_x = len(vocab)
    for example in EXAMPLES:
        assert all(w in index for w in example.split()), example
    T_max = max(len(s) for s in sentences)
    X = np.zeros((len(sentences), T_max, n_x), dtype=np.float32)
    Y = np.zeros((len(sentences), T_max), dtype=np.int64)
    W = np.zeros((len(sentences), T_max), dtype=np.float32)  # sample weights: 0 on padding
    for i, s in enumerate(sentences):
        for t, (w, tag) in enumerate(s):
            X[i, t, index[w]] = 1.0
            Y[i, t] = tag
            W[i, t] = 1.0

    def build(bidirectional):
        inputs = keras.Input(shape=(None, n_x), name="x")
        masked = keras.layers.Masking(mask_value=0.0)(inputs)
        rnn = keras.layers.SimpleRNN(N_A, return_sequences=True, name="rnn")
        a = keras.layers.Bidirectional(rnn, merge_mode="concat", name="birnn")(masked) if bidirectional \
            else rnn(masked)
        y_hat = keras.layers.Dense(N_Y, activation="softmax", name="softmax")(a)
        model = keras.Model(inputs, y_hat)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                      loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        return model

    models = {}
    for name, bidirectional in (("bidirectional", True), ("forward only", False)):
        model = build(bidirectional)
        history = model.fit(X, Y, sample_weight=W, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, verbose=0)
        print(f"{name}: loss {history.history['loss'][-1]:.4f}, accuracy {history.history['accuracy'][-1]:.4f}")
        models[name] = model

    # Export in the course notation.
    bi = models["bidirectional"].get_layer("birnn")
    exported = {}
    for prefix, layer in (("fwd_", bi.forward_layer), ("bwd_", bi.backward_layer)):
        kernel, recurrent_kernel, bias = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
        exported.update({prefix + "Wax": kernel.T, prefix + "Waa": recurrent_kernel.T, prefix + "ba": bias[:, None]})
    dense_kernel, dense_bias = [np.asarray(w, dtype=np.float64) for w in models["bidirectional"].get_layer("softmax").get_weights()]
    exported.update({"Wy": dense_kernel.T, "by": dense_bias[:, None]})
    kernel, recurrent_kernel, bias = [np.asarray(w, dtype=np.float64) for w in models["forward only"].get_layer("rnn").get_weights()]
    dense_kernel, dense_bias = [np.asarray(w, dtype=np.float64) for w in models["forward only"].get_layer("softmax").get_weights()]
    exported.update({"uni_Wax": kernel.T, "uni_Waa": recurrent_kernel.T, "uni_ba": bias[:, None],
                     "uni_Wya": dense_kernel.T, "uni_by": dense_bias[:, None]})
    assert exported["Wy"].shape == (N_Y, 2 * N_A) and exported["fwd_Wax"].shape == (N_A, n_x)

    def run(words):
        x = np.zeros((n_x, 1, len(words)))
        x[[index[w] for w in words], 0, np.arange(len(words))] = 1.0
        zeros = np.zeros((N_A, 1))
        p_f = {k: exported["fwd_" + k] for k in ("Wax", "Waa", "ba")}
        p_b = {k: exported["bwd_" + k] for k in ("Wax", "Waa", "ba")}
        a_f, a_b = numpy_states(x, zeros, p_f), numpy_states(x, zeros, p_b, reverse=True)
        y_bi = numpy_softmax(np.einsum("yk,kmt->ymt", exported["Wy"], np.concatenate([a_f, a_b], axis=0))
                             + exported["by"][:, :, None])
        p_u = {k: exported["uni_" + k] for k in ("Wax", "Waa", "ba")}
        a_u = numpy_states(x, zeros, p_u)
        y_uni = numpy_softmax(np.einsum("yk,kmt->ymt", exported["uni_Wya"], a_u) + exported["uni_by"][:, :, None])
        return a_f[:, 0], a_b[:, 0], y_bi[:, 0], y_uni[:, 0]

    # The numpy forward passes agree with Keras, sentence by sentence (no padding involved).
    worst = 0.0
    keras_bi = models["bidirectional"].predict(X, verbose=0)
    keras_uni = models["forward only"].predict(X, verbose=0)
    correct = {"bidirectional": 0, "forward only": 0}
    ambiguous_right = {"bidirectional": 0, "forward only": 0}
    ambiguous_count = 0
    for i, s in enumerate(sentences):
        words = [w for w, _ in s]
        tags = np.array([tag for _, tag in s])
        _, _, y_bi, y_uni = run(words)
        T = len(words)
        worst = max(worst, float(np.abs(y_bi.T - keras_bi[i, :T]).max()), float(np.abs(y_uni.T - keras_uni[i, :T]).max()))
        for name, y in (("bidirectional", y_bi), ("forward only", y_uni)):
            predicted = y.argmax(axis=0)
            correct[name] += int(np.all(predicted == tags))
            ambiguous_right[name] += sum(int(predicted[t] == tags[t]) for t in range(T) if words[t] in AMBIGUOUS)
        ambiguous_count += sum(1 for w in words if w in AMBIGUOUS)
    print(f"largest |numpy - keras| over all sentences: {worst:.2e}")
    assert worst < 1e-5, worst
    for name in correct:
        print(f"{name}: {correct[name]}/{len(sentences)} sentences fully right; ambiguous words right "
              f"{ambiguous_right[name]}/{ambiguous_count}")

    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / "birnn.npz", vocab=np.array(vocab), tags=np.array(TAGS), **exported)
    (OUT / "sentences.txt").write_text(
        "".join(" ".join(f"{w}/{tag}" for w, tag in s) + "\n" for s in sentences))
    examples = []
    for sentence in EXAMPLES:
        words = sentence.split()
        a_f, a_b, y_bi, y_uni = run(words)
        examples.append({"sentence": sentence, "tags": tagged(sentence),
                         "a_fwd": np.round(a_f, 7).tolist(), "a_bwd": np.round(a_b, 7).tolist(),
                         "y_hat": np.round(y_bi, 7).tolist(), "y_hat_forward_only": np.round(y_uni, 7).tolist()})
        print(f"  {sentence}")
        print("    P(name) both directions: " + " ".join(f"{w}:{p:.2f}" for w, p in zip(words, y_bi[1])))
        print("    P(name) forward only:    " + " ".join(f"{w}:{p:.2f}" for w, p in zip(words, y_uni[1])))
    (OUT / "traces.json").write_text(json.dumps({"tags": TAGS, "n_a": N_A, "examples": examples}, indent=1) + "\n")
    print(f"wrote {OUT}/birnn.npz, sentences.txt, traces.json in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
