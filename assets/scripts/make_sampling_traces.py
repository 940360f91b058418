"""Precompute the trace of the lecture "Sampling novel sequences" (instructor-side script).

Run from the repository root (a few seconds; it imports TensorFlow once to check the word model):

    .venv/bin/python assets/scripts/make_sampling_traces.py

What it does
------------
For the two small language models the course ships,

* the character-level RNN ``assets/models/char_rnn.npz`` (30 characters, index 0 = "\\n", the end of a
  sentence; trained by ``train_char_rnn.py``), started from ``a<0> = 0`` and ``x<1>`` = one-hot("\\n"),
  as if a sentence had just ended;
* the word-level RNN language model ``assets/models/word_lm.keras`` (211 tokens, index 0 = ``<EOS>``;
  trained by ``train_word_lm.py``), started from ``a<0> = 0`` and ``x<1>`` = the zero vector,

and for a few contexts (the beginning of a sentence, or a few characters / words of one), it
writes to ``assets/sampling/sampling_traces.json``:

* ``logits``: the model's logits ``z`` for the token after the context (``y_hat = softmax(z)``);
* ``probabilities``: ``softmax(z / T)`` for every temperature ``T`` of the grid (for the words: the 19
  most likely tokens and, last, all the other tokens together);
* ``samples``: for every temperature, a batch of continuations of the context, each drawn token by
  token with ``int(rng.choice(n, p=softmax(z / T)))`` (numpy ``Generator``, seeded per context and
  temperature), stopping after the end token (``"\\n"`` / ``<EOS>``) or at a maximum length;
* ``entropy``: the entropy of ``softmax(z / T)`` (whole vocabulary) in bits, for every temperature;
* ``greedy``: the continuation that always takes the argmax (the limit T -> 0).

Word samples and the greedy word continuation never produce ``<UNK>`` (its logit is set to -inf
before the softmax when drawing, as generators usually do); the distributions shown keep it.

This file holds a numpy RNN forward step: it must not be copied into ``rnnlab`` (the step is a
graded exercise). Everything is seeded, so two runs write the same file.
"""

import json
import sys
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ASSETS.parent))
from rnnlab.widgets.language_model import EOS, UNK, load_word_lm_vocabulary, tokenize  # noqa: E402

OUT = ASSETS / "sampling" / "sampling_traces.json"
TEMPERATURES = [round(0.1 * k, 1) for k in range(1, 21)] + [3.0, 5.0]
SEED = 707
CHAR_CONTEXTS = ["", "th", "the ca", "rain falls on the s", "in the morn"]
WORD_CONTEXTS = ["", "the cat", "rain falls on the", "in the morning the"]
CHAR_BATCH, CHAR_MAX = 8, 60  # sampled sequences per temperature, maximum characters drawn
WORD_BATCH, WORD_MAX = 6, 20
WORD_TOP = 19  # words shown one by one; the rest is one bar


def softmax_t(z, temperature):
    e = np.exp((z - z.max()) / temperature)
    return e / e.sum()


# ---------------------------------------------------------------- the two models as (step, a0, start)
def char_model():
    with np.load(ASSETS / "models" / "char_rnn.npz") as archive:
        p = {k: archive[k].astype(np.float64) for k in ("Wax", "Waa", "Wya", "ba", "by")}
        vocab = [str(c) for c in archive["vocab"]]

    def step(index, a_prev):
        a_next = np.tanh(p["Waa"] @ a_prev + p["Wax"][:, [index]] + p["ba"])
        return a_next, (p["Wya"] @ a_next + p["by"]).ravel()

    return step, np.zeros((p["Waa"].shape[0], 1)), 0, vocab


def word_model():
    from rnnlab.keras_setup import import_keras

    keras = import_keras()

    model = keras.models.load_model(ASSETS / "models" / "word_lm.keras", compile=False)
    rnn = next(layer for layer in model.layers if isinstance(layer, keras.layers.SimpleRNN))
    dense = model.get_layer("y_hat")
    kernel, recurrent, bias = [np.asarray(w, dtype=np.float64) for w in rnn.get_weights()]
    w_out, b_out = [np.asarray(w, dtype=np.float64) for w in dense.get_weights()]
    tokens, index = load_word_lm_vocabulary()
    n = len(tokens)

    def step(i, a_prev):  # i = -1 stands for the zero vector x<1>
        x_part = kernel[i] if i >= 0 else 0.0
        a_next = np.tanh(x_part + a_prev @ recurrent + bias)
        return a_next, a_next @ w_out + b_out

    def step_no_unk(i, a_prev):  # the same, for drawing: <UNK> can never be chosen
        a_next, z = step(i, a_prev)
        z[index[UNK]] = -np.inf
        return a_next, z

    # check against Keras on one sentence
    ids = [index.get(t, index[UNK]) for t in tokenize("the cat sat on the warm step.")]
    x = np.zeros((1, len(ids) + 1, n), dtype=np.float32)
    for t, i in enumerate(ids):
        x[0, t + 1, i] = 1.0
    expected = np.asarray(model(x)[0], dtype=np.float64)
    a, prev = np.zeros(recurrent.shape[0]), -1
    for t in range(len(ids) + 1):
        a, z = step(prev, a)
        assert np.allclose(softmax_t(z, 1.0), expected[t], atol=1e-5), "numpy word step disagrees with Keras"
        prev = ids[t] if t < len(ids) else None
    return step, step_no_unk, np.zeros(recurrent.shape[0]), -1, tokens, index


def entropy_bits(p):
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def read(step, a0, start, context_ids):
    """Run the model over the context; returns the state and the logits of the next token."""
    a, z = step(start, a0)
    for i in context_ids:
        a, z = step(i, a)
    return a, z


def continuation(step, a, z, end_index, max_length, choose):
    out = []
    while len(out) < max_length:
        i = choose(z)
        out.append(i)
        if i == end_index:
            break
        a, z = step(i, a)
    return out


def main():
    trace = {"temperatures": TEMPERATURES, "seed": SEED,
             "convention": "next index = int(rng.choice(n, p=softmax(z / T))), rng = np.random.default_rng(seed)"}

    step, a0, start, vocab = char_model()
    char_to_ix = {c: i for i, c in enumerate(vocab)}
    contexts = []
    for c, context in enumerate(CHAR_CONTEXTS):
        a, z = read(step, a0, start, [char_to_ix[ch] for ch in context])
        entry = {"context": context, "logits": np.round(z, 6).tolist(),
                 "probabilities": [np.round(softmax_t(z, T), 6).tolist() for T in TEMPERATURES],
                 "entropy": [round(entropy_bits(softmax_t(z, T)), 6) for T in TEMPERATURES],
                 "greedy": "".join(vocab[i] for i in continuation(step, a, z, 0, CHAR_MAX, lambda v: int(np.argmax(v)))),
                 "samples": []}
        for k, T in enumerate(TEMPERATURES):
            rng = np.random.default_rng([SEED, 0, c, k])
            draw = lambda v, T=T: int(rng.choice(len(v), p=softmax_t(v, T)))  # noqa: E731
            entry["samples"].append(["".join(vocab[i] for i in continuation(step, a, z, 0, CHAR_MAX, draw))
                                     for _ in range(CHAR_BATCH)])
        contexts.append(entry)
    trace["characters"] = {"vocab": vocab, "end": "\n", "max_length": CHAR_MAX, "contexts": contexts}

    step, step_no_unk, a0, start, tokens, index = word_model()
    contexts = []
    for c, context in enumerate(WORD_CONTEXTS):
        a, z = read(step, a0, start, [index.get(t, index[UNK]) for t in tokenize(context)])
        top = [int(i) for i in np.argsort(-z, kind="stable")[:WORD_TOP]]
        probabilities = []
        for T in TEMPERATURES:
            p = softmax_t(z, T)
            probabilities.append(np.round(np.append(p[top], max(0.0, 1.0 - p[top].sum())), 6).tolist())
        z_draw = z.copy()
        z_draw[index[UNK]] = -np.inf
        words = lambda ids: [tokens[i] for i in ids]  # noqa: E731
        entry = {"context": context, "logits": np.round(z, 6).tolist(), "top": top,
                 "probabilities": probabilities,
                 "entropy": [round(entropy_bits(softmax_t(z, T)), 6) for T in TEMPERATURES],
                 "greedy": words(continuation(step_no_unk, a, z_draw, 0, WORD_MAX, lambda v: int(np.argmax(v)))),
                 "samples": []}
        for k, T in enumerate(TEMPERATURES):
            rng = np.random.default_rng([SEED, 1, c, k])
            draw = lambda v, T=T: int(rng.choice(len(v), p=softmax_t(v, T)))  # noqa: E731
            entry["samples"].append([words(continuation(step_no_unk, a, z_draw, 0, WORD_MAX, draw)) for _ in range(WORD_BATCH)])
        contexts.append(entry)
    trace["words"] = {"vocab": tokens, "end": EOS, "max_length": WORD_MAX, "contexts": contexts}

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(trace, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")
    for level in ("characters", "words"):
        for entry in trace[level]["contexts"]:
            greedy = entry["greedy"] if level == "characters" else " ".join(entry["greedy"])
            print(f"{level} {entry['context']!r}: greedy {greedy!r}")
            for k in (4, 9, 14):
                s = entry["samples"][k][0]
                print(f"   T={TEMPERATURES[k]}: {s if level == 'characters' else ' '.join(s)!r}")


if __name__ == "__main__":
    main()
