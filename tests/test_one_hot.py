"""The one-hot explorer of the notebook "Notation" reacts to its controls by changing its figure's data."""

import base64
import collections

import numpy as np
import pytest

from rnnlab.widgets.one_hot import UNK, OneHotExplorer, load_corpus_tokens, load_one_hot_examples, tokenize


# Reference solutions of the notebook's exercises: test-side only, never in rnnlab.
def build_vocabulary(corpus_tokens, size):
    counts = collections.Counter(word for sentence in corpus_tokens for word in sentence)
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    return {UNK: 0, **{word: index for index, word in enumerate(ranked[: size - 1], start=1)}}


def one_hot_encode(tokens, vocab):
    x = np.zeros((len(vocab), len(tokens)))
    for t, word in enumerate(tokens):
        x[vocab.get(word, vocab[UNK]), t] = 1.0
    return x


def unfinished(*args):
    raise NotImplementedError()


@pytest.fixture
def explorer():
    return OneHotExplorer(build_vocabulary, one_hot_encode)


def shown(explorer):
    """What the figure shows now: framed column, marked row of x<t>, caption, matrix image."""
    marked = explorer.hot_mark.get_ydata()
    return {"column": explorer.frame.get_x() + 0.5,
            "hot": int(marked[0]) if len(marked) else None,
            "label": explorer.hot_label.get_text(),
            "caption": explorer.caption.get_text(),
            "image": np.asarray(explorer.heatmap.get_array())}


def test_the_fallback_data_matches_the_corpus_and_the_reference():
    data = load_one_hot_examples()
    corpus = load_corpus_tokens()
    for size in data["sizes"]:
        vocab = build_vocabulary(corpus, size)
        assert data["vocabularies"][size] == sorted(vocab, key=vocab.get)
        for example in data["examples"]:
            assert example["tokens"] == tokenize(example["sentence"])
            full = one_hot_encode(example["tokens"], vocab)
            entry = example["by_size"][size]
            assert entry["rows"] == sorted(set(np.flatnonzero(full.any(axis=1))) | {0})
            np.testing.assert_array_equal(entry["matrix"], full[entry["rows"]])


def test_slider_frames_the_column_and_marks_the_one_of_x_t(explorer):
    before = explorer.image.value
    explorer.t.value = 3
    now = shown(explorer)
    token = explorer.tokens[2]
    row = explorer.vocab.get(token, 0)
    assert now["column"] == 2 and now["hot"] == row
    assert now["label"].startswith(f"{row} ") and f"'{token}'" in now["caption"]
    assert explorer.image.value != before and explorer.image.value[:4] == b"\x89PNG"
    assert explorer.last_redraw_ms > 0


def test_typed_sentence_runs_the_students_functions(explorer):
    explorer.t.value = 5
    explorer.text.value = "Maya fed the fox."
    assert explorer.tokens == ["maya", "fed", "the", "fox", "."]
    full = one_hot_encode(explorer.tokens, build_vocabulary(load_corpus_tokens(), explorer.size.value))
    assert explorer.rows == sorted(set(np.flatnonzero(full.any(axis=1))) | {0})
    np.testing.assert_array_equal(shown(explorer)["image"], full[explorer.rows])
    assert explorer.t.value == 5 and explorer.t.max == 5
    assert "your one_hot_encode" in explorer.tokens_html.value and explorer.status.value == ""
    colors = [label.get_color() for label in explorer.ax_matrix.get_xticklabels()]
    assert colors[0] != colors[2], "an unknown word ('maya') is drawn in another colour than 'the'"
    explorer.t.value = 1
    assert shown(explorer)["hot"] == 0 and "not in the vocabulary" in shown(explorer)["caption"]


def test_vocabulary_size_changes_n_x(explorer):
    explorer.size.value = 10
    assert len(explorer.vocab) == 10 and explorer.ax_vector.get_ylim() == (9.5, -0.5)
    unknown_10 = explorer.hot.count(0)
    explorer.size.value = 300
    assert len(explorer.vocab) == 300 and explorer.ax_vector.get_ylim() == (299.5, -0.5)
    assert explorer.hot.count(0) < unknown_10
    assert "(300, " in explorer.matrix_title.get_text()


def test_without_functions_examples_use_the_precomputed_data():
    explorer = OneHotExplorer()
    assert explorer.vocab_source == "precomputed vocabulary" and explorer.matrix_source == "precomputed matrix"
    expected = one_hot_encode(explorer.tokens, build_vocabulary(load_corpus_tokens(), explorer.size.value))
    np.testing.assert_array_equal(shown(explorer)["image"], expected[explorer.rows])
    explorer.text.value = "hello there"
    assert explorer.matrix is None and "Without one_hot_encode" in explorer.status.value
    assert shown(explorer)["hot"] is None and "no matrix" in shown(explorer)["caption"]
    explorer.text.value = next(iter(explorer.examples))
    assert explorer.matrix is not None


def test_failing_functions_are_reported_and_replaced():
    explorer = OneHotExplorer(unfinished, unfinished)
    assert "build_vocabulary is not written yet (exercise 1)" in explorer.status.value
    assert "one_hot_encode is not written yet (exercise 2)" in explorer.status.value
    assert explorer.matrix_source == "precomputed matrix"
    listed = OneHotExplorer(lambda corpus, size: ["<UNK>", "the"], one_hot_encode)
    assert "build_vocabulary failed (ValueError: it returned a list, not a dict)" in listed.status.value
    assert listed.vocab_source == "precomputed vocabulary"
    crashing = OneHotExplorer(build_vocabulary, lambda tokens, vocab: vocab["missing"])
    assert "one_hot_encode failed (KeyError: &#x27;missing&#x27;)" in crashing.status.value


def test_swapped_and_zero_columns_are_explained():
    swapped = OneHotExplorer(build_vocabulary, lambda tokens, vocab: one_hot_encode(tokens, vocab).T)
    assert "rows and columns swapped" in swapped.status.value

    def zero_columns(tokens, vocab):
        x = np.zeros((len(vocab), len(tokens)))
        for t, word in enumerate(tokens):
            if word in vocab:
                x[vocab[word], t] = 1.0
        return x

    explorer = OneHotExplorer(build_vocabulary, zero_columns)
    unknown = [t + 1 for t, token in enumerate(explorer.tokens) if token not in explorer.vocab]
    assert unknown and f"t = {unknown}" in explorer.status.value and "all zeros" in explorer.status.value
    explorer.t.value = unknown[0]
    assert shown(explorer)["hot"] is None and "all zeros" in shown(explorer)["caption"]


def test_empty_sentence_keeps_the_last_picture(explorer):
    tokens = explorer.tokens
    explorer.text.value = "   "
    assert "at least one word" in explorer.status.value and explorer.tokens == tokens


def test_static_picture_for_readers_without_a_kernel(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
