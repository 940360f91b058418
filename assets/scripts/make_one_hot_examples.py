"""Write assets/notation/one_hot_examples.json, the fallback data of the one-hot explorer.

    .venv/bin/python assets/scripts/make_one_hot_examples.py

The notebook "Notation" asks students to write build_vocabulary and one_hot_encode; the widget
`rnnlab.widgets.one_hot.OneHotExplorer` runs *their* functions. When they are missing or fail, the
widget falls back to what this script stores: the vocabulary of scripts/corpus.txt for each size the
widget offers, and, for a few example sentences, the rows of their one-hot matrices that are used.

The reference functions below solve the graded exercises: they are instructor-side code and must
not be copied into `rnnlab`. The output is deterministic (sorted keys, no dates).
"""

import collections
import json
import re
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent
TOKEN = r"[a-z0-9']+|[^\sa-z0-9']"
UNK = "<UNK>"
SIZES = [10, 30, 100, 300]
EXAMPLES = [
    "the old fisherman sailed out before dawn.",
    "maya fed the cat and the dog on the quay.",
    "a heron stood in the river, waiting.",
]


def tokenize(text):
    return re.findall(TOKEN, text.lower())


def build_vocabulary(corpus_tokens, size):
    counts = collections.Counter(word for sentence in corpus_tokens for word in sentence)
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    return {UNK: 0, **{word: index for index, word in enumerate(ranked[: size - 1], start=1)}}


def one_hot_encode(tokens, vocab):
    rows = [vocab.get(word, vocab[UNK]) for word in tokens]
    matrix = [[0.0] * len(tokens) for _ in vocab]
    for t, row in enumerate(rows):
        matrix[row][t] = 1.0
    return matrix


def main():
    lines = (ASSETS / "scripts" / "corpus.txt").read_text().splitlines()
    corpus_tokens = [tokenize(line) for line in lines if line.strip()]
    vocabularies = {}
    for size in SIZES:
        vocab = build_vocabulary(corpus_tokens, size)
        vocabularies[str(size)] = sorted(vocab, key=vocab.get)
    examples = []
    for sentence in EXAMPLES:
        tokens = tokenize(sentence)
        by_size = {}
        for size in SIZES:
            vocab = build_vocabulary(corpus_tokens, size)
            matrix = one_hot_encode(tokens, vocab)
            rows = sorted({index for index, row in enumerate(matrix) if any(row)} | {vocab[UNK]})
            by_size[str(size)] = {"rows": rows, "matrix": [[int(v) for v in matrix[row]] for row in rows]}
        examples.append({"sentence": sentence, "tokens": tokens, "by_size": by_size})
    data = {"corpus": "scripts/corpus.txt", "token_pattern": TOKEN, "unk": UNK, "sizes": SIZES,
            "vocabularies": vocabularies, "examples": examples}
    out = ASSETS / "notation" / "one_hot_examples.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print("wrote", out, f"({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
