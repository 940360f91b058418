"""The one-hot explorer of the lecture "Notation".

The widget runs the student's own ``build_vocabulary`` and ``one_hot_encode`` (the two graded
exercises of the notebook) and draws what they return. It contains neither: without them, or when
they fail, it falls back to data precomputed by ``assets/scripts/make_one_hot_examples.py`` (the
vocabularies of the course corpus and the one-hot matrices of a few example sentences). A sentence
that is not one of the examples then shows its tokens only, with a message saying what is missing.
"""

import html
import json
import re
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..data import assets_dir
from ..plots import FigureWidget, new_figure

UNK = "<UNK>"
TOKEN_PATTERN = r"[a-z0-9']+|[^\sa-z0-9']"
MAX_TOKENS = 30


def tokenize(text):
    """Lowercase ``text`` and split it into words and punctuation marks (a list of strings)."""
    return re.findall(TOKEN_PATTERN, text.lower())


def load_one_hot_examples():
    """The precomputed fallback data of the explorer (see ``assets/README.md``).

    Returns a dict with ``sizes`` (the vocabulary sizes offered), ``vocabularies`` (size -> the
    list of words in index order, ``"<UNK>"`` first) and ``examples`` (a list of dicts with
    ``sentence``, ``tokens`` and ``by_size``: size -> ``rows``, the indices of the rows of the
    one-hot matrix that hold a 1 plus the ``<UNK>`` row, and ``matrix``, those rows, of shape
    ``(len(rows), T_x)``).
    """
    data = json.loads((assets_dir() / "notation" / "one_hot_examples.json").read_text())
    return {"sizes": [int(size) for size in data["sizes"]],
            "vocabularies": {int(size): words for size, words in data["vocabularies"].items()},
            "examples": [{"sentence": example["sentence"], "tokens": example["tokens"],
                          "by_size": {int(size): {"rows": entry["rows"], "matrix": np.array(entry["matrix"], float)}
                                      for size, entry in example["by_size"].items()}}
                         for example in data["examples"]]}


def load_corpus_tokens(tokenize=tokenize):
    """The course corpus ``assets/scripts/corpus.txt``, one list of tokens per non-empty line."""
    lines = (assets_dir() / "scripts" / "corpus.txt").read_text().splitlines()
    return [tokenize(line) for line in lines if line.strip()]


def _describe(error):
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _failure(error, exercise):
    """How a student's function failed, as the end of a sentence."""
    if isinstance(error, NotImplementedError):
        return f"is not written yet (exercise {exercise})"
    return f"failed ({_describe(error)})"


def _check_vocabulary(vocab):
    """Raise ValueError unless ``vocab`` is a dict word -> index with <UNK> and indices 0 .. n-1."""
    if not isinstance(vocab, dict):
        raise ValueError(f"it returned a {type(vocab).__name__}, not a dict")
    if UNK not in vocab:
        raise ValueError(f"{UNK!r} is not in the vocabulary")
    indices = sorted(vocab.values()) if all(isinstance(v, (int, np.integer)) for v in vocab.values()) else None
    if indices != list(range(len(vocab))):
        raise ValueError("the indices are not the whole numbers 0, 1, ..., len(vocab) - 1")


class OneHotExplorer(FigureWidget):
    """Type a sentence and see its tokens, their indices and its one-hot matrix ``(n_x, T_x)``.

    ``build_vocabulary(corpus_tokens, size)`` and ``one_hot_encode(tokens, vocab)`` are the
    student's functions (the exercises of the notebook). The figure shows the rows of the one-hot
    matrix that hold a 1, plus the ``<UNK>`` row (the other rows are all zeros), with column ``t``
    framed; on the right, the whole vector ``x<t>`` of length ``n_x`` with its single 1 marked.
    Without the functions, or when they fail, the widget uses the precomputed vocabularies and
    example sentences of ``assets/notation/one_hot_examples.json`` and says so on its status line.
    """

    def __init__(self, build_vocabulary=None, one_hot_encode=None, corpus_tokens=None, tokenize=tokenize,
                 size=100):
        self.build_vocabulary = build_vocabulary
        self.one_hot_encode = one_hot_encode
        self.tokenize = tokenize
        self.corpus_tokens = load_corpus_tokens(tokenize) if corpus_tokens is None else corpus_tokens
        self.fallback = load_one_hot_examples()
        self.examples = {example["sentence"]: example for example in self.fallback["examples"]}
        self._vocabularies = {}  # size -> (vocab, source, problem)

        first = next(iter(self.examples))
        sizes = self.fallback["sizes"]
        self.text = widgets.Text(value=first, description="sentence", continuous_update=False,
                                 placeholder="type a sentence and press Enter",
                                 layout=widgets.Layout(width="32em"))
        self.size = widgets.Dropdown(options=sizes, value=size if size in sizes else sizes[0],
                                     description="vocabulary size", style={"description_width": "initial"},
                                     layout=widgets.Layout(width="14em"))
        self.t = widgets.IntSlider(value=1, min=1, max=len(tokenize(first)), description="t")
        self.play = widgets.Play(value=1, min=1, max=self.t.max, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        self.tokens_html = widgets.HTML()
        self._build_figure()
        self._assemble(widgets.HBox([self.text, self.size]), widgets.HBox([self.play, self.t]), self.tokens_html)

        self.text.observe(lambda change: self.show_sentence(), "value")
        self.size.observe(lambda change: self.show_sentence(), "value")
        self.t.observe(lambda change: self.show_step(), "value")
        self.show_sentence()

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self):
        self.figure = new_figure(11, 5.2)
        self.ax_matrix = self.figure.add_axes([0.15, 0.25, 0.62, 0.62])
        self.ax_vector = self.figure.add_axes([0.86, 0.25, 0.035, 0.62])
        self.heatmap = self.ax_matrix.imshow(np.zeros((1, 1)), cmap="Blues", vmin=0, vmax=1.25,
                                             aspect="auto", interpolation="nearest")
        self.values = []  # the "1" written in each hot cell
        self.frame = self.ax_matrix.add_patch(
            Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="#cc3311", linewidth=3))
        self.placeholder = self.ax_matrix.text(0.5, 0.5, "", transform=self.ax_matrix.transAxes, ha="center",
                                               va="center", fontsize=12, color="#555555", wrap=True)
        self.matrix_title = self.ax_matrix.set_title("", fontsize=11)

        self.ax_vector.set_xlim(0, 1)
        self.ax_vector.set_xticks([])
        self.ax_vector.set_facecolor("#f4f4f4")
        self.used_marks = Line2D([], [], linestyle="none", marker="_", markersize=14, color="#9db9d9")
        self.ax_vector.add_line(self.used_marks)
        self.hot_mark = Line2D([], [], linestyle="none", marker="s", markersize=9, color="#cc3311")
        self.ax_vector.add_line(self.hot_mark)
        self.hot_label = self.ax_vector.text(1.3, 0, "", transform=self.ax_vector.get_yaxis_transform(),
                                             va="center", fontsize=10, color="#cc3311")
        self.vector_title = self.ax_vector.set_title("", fontsize=11, pad=12)
        self.caption = self.figure.text(0.02, 0.03, "", fontsize=11)
        self.animate(self.frame, self.hot_mark, self.hot_label, self.vector_title, self.caption)

    # -- data -----------------------------------------------------------------------------------

    def vocabulary(self, size):
        """``(vocab, source, problem)`` for ``size``: the student's vocabulary, or the precomputed one."""
        if size not in self._vocabularies:
            problem = None
            try:
                if self.build_vocabulary is None:
                    raise LookupError("no build_vocabulary given")
                vocab = self.build_vocabulary(self.corpus_tokens, size)
                _check_vocabulary(vocab)
                if len(vocab) > size:
                    raise ValueError(f"it has {len(vocab)} entries for size={size}")
                entry = (dict(vocab), "your build_vocabulary", None)
            except Exception as error:  # a student's function may fail in any way
                if self.build_vocabulary is not None:
                    problem = f"Your build_vocabulary {_failure(error, 1)}; using the precomputed vocabulary."
                words = self.fallback["vocabularies"][size]
                entry = ({word: index for index, word in enumerate(words)}, "precomputed vocabulary", problem)
            self._vocabularies[size] = entry
        return self._vocabularies[size]

    def _student_matrix(self, tokens, vocab):
        """The student's one-hot matrix as a float array of shape (len(vocab), len(tokens)), or an error."""
        if self.one_hot_encode is None:
            raise LookupError("no one_hot_encode given")
        matrix = np.asarray(self.one_hot_encode(list(tokens), vocab), dtype=float)
        expected = (len(vocab), len(tokens))
        if matrix.shape != expected:
            swapped = " (rows and columns swapped?)" if matrix.shape == expected[::-1] else ""
            raise ValueError(f"it returned shape {matrix.shape}, expected (len(vocab), len(tokens)) = "
                             f"{expected}{swapped}")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("it returned NaN or infinite values")
        return matrix

    def _example_rows(self, tokens, vocab):
        """The precomputed rows of a known example sentence, if ``vocab`` is the precomputed one."""
        size = self.size.value
        words = self.fallback["vocabularies"][size]
        example = next((e for e in self.examples.values() if e["tokens"] == list(tokens)), None)
        if example is None or vocab != {word: index for index, word in enumerate(words)}:
            return None
        entry = example["by_size"][size]
        return entry["rows"], entry["matrix"]

    # -- display --------------------------------------------------------------------------------

    def show_sentence(self):
        """Tokenise the sentence, build the vocabulary and the one-hot matrix, and redraw everything."""
        started = time.perf_counter()
        tokens = self.tokenize(self.text.value)
        messages = []
        if not tokens:
            self.say("Type a sentence with at least one word.", error=True)
            return
        if len(tokens) > MAX_TOKENS:
            messages.append(f"Only the first {MAX_TOKENS} of the {len(tokens)} tokens are shown.")
            tokens = tokens[:MAX_TOKENS]
        vocab, self.vocab_source, problem = self.vocabulary(self.size.value)
        messages += [problem] if problem else []
        self.vocab, self.tokens = vocab, tokens
        self.words = {index: word for word, index in vocab.items()}

        rows = matrix = None
        try:
            full = self._student_matrix(tokens, vocab)
            self.matrix_source = "your one_hot_encode"
            used = np.flatnonzero(np.any(full != 0, axis=1))
            rows = sorted(set(int(r) for r in used) | {vocab[UNK]})
            matrix = full[rows]
            messages += self._structure_problems(full)
        except Exception as error:  # a student's function may fail in any way
            known = self._example_rows(tokens, vocab)
            if self.one_hot_encode is not None:
                messages.append(f"Your one_hot_encode {_failure(error, 2)}"
                                + ("; showing the precomputed matrix." if known else "."))
            if known:
                rows, matrix = known
                self.matrix_source = "precomputed matrix"
            else:
                self.matrix_source = None
                if self.one_hot_encode is None:
                    messages.append("Without one_hot_encode the matrix is only drawn for the example sentences: "
                                    + "; ".join(repr(s) for s in self.examples) + ".")
        self.rows, self.matrix = rows, matrix
        self.say(" ".join(messages), error=bool(messages))
        self._draw_matrix()
        self.t.max = self.play.max = len(tokens)
        if self.t.value > len(tokens):
            self.t.value = len(tokens)  # triggers show_step
        else:
            self.show_step(started)

    def _structure_problems(self, full):
        ones = np.sum(full == 1, axis=0)
        others = np.sum((full != 0) & (full != 1), axis=0)
        problems = []
        empty = [t + 1 for t in range(full.shape[1]) if ones[t] == 0 and others[t] == 0]
        if empty:
            problems.append(f"Column(s) t = {empty} are all zeros: every token needs a 1 "
                            f"(a word that is not in the vocabulary goes to the {UNK} row).")
        several = [t + 1 for t in range(full.shape[1]) if ones[t] > 1 or others[t] > 0]
        if several:
            problems.append(f"Column(s) t = {several} are not one-hot (exactly one 1, zeros elsewhere).")
        return problems

    def _hot_index(self, column):
        """The row index of the 1 in column ``column`` (0-based), or None."""
        if self.matrix is None:
            return None
        hot = np.flatnonzero(self.matrix[:, column] == 1)
        return self.rows[hot[0]] if len(hot) else None

    def _draw_matrix(self):
        tokens, n_x, steps = self.tokens, len(self.vocab), len(self.tokens)
        for text in self.values:
            text.remove()
        self.values = []
        axis = self.ax_matrix
        if self.matrix is None:
            self.heatmap.set_data(np.zeros((1, steps)))
            self.heatmap.set_extent((-0.5, steps - 0.5, 0.5, -0.5))
            axis.set_yticks([])
            self.placeholder.set_text("no one-hot matrix to draw: write one_hot_encode")
            self.matrix_title.set_text(f"tokens of the sentence ($T_x = {steps}$)")
            hot = [None] * steps
        else:
            shown = len(self.rows)
            self.heatmap.set_data(self.matrix)
            self.heatmap.set_extent((-0.5, steps - 0.5, shown - 0.5, -0.5))
            labels = [f"{row}  {self.words.get(row, '?')}" for row in self.rows]
            axis.set_yticks(range(shown), labels, fontsize=10 if shown <= 20 else 8)
            self.placeholder.set_text("")
            self.matrix_title.set_text(
                rf"one-hot matrix $(n_x, T_x) = ({n_x}, {steps})$: the {shown} rows used "
                f"(the other {n_x - shown} rows are all zeros)")
            hot = [self._hot_index(column) for column in range(steps)]
            small = 10 if steps <= 15 and shown <= 20 else 7
            for column, row in enumerate(hot):
                if row is not None:
                    self.values.append(axis.text(column, self.rows.index(row), "1", ha="center", va="center",
                                                 color="white", fontsize=small))
        axis.set_xticks(range(steps), tokens, rotation=45, ha="right", fontsize=11 if steps <= 15 else 9)
        unk = self.vocab[UNK]
        for label, row in zip(axis.get_xticklabels(), hot):
            label.set_color("#cc3311" if row == unk else "black")
        self.hot = hot

        self.ax_vector.set_ylim(n_x - 0.5, -0.5)
        self.ax_vector.set_yticks([0, n_x - 1])
        used = sorted({row for row in hot if row is not None})
        self.used_marks.set_data([0.5] * len(used), used)
        self.tokens_html.value = self._tokens_table(hot)
        self.invalidate()

    def _tokens_table(self, hot):
        cells = "".join(
            f'<td style="padding:0 .6em;text-align:center">{html.escape(token)}<br>'
            f'<span style="color:{"#cc3311" if row == self.vocab[UNK] else "#335"}">'
            f'{"?" if row is None else row}</span></td>' for token, row in zip(self.tokens, hot))
        return (f'<table style="font-family:monospace"><tr><td style="color:#777">token<br>index</td>{cells}'
                f'</tr></table><span style="color:#777">vocabulary: {html.escape(self.vocab_source)} '
                f"({len(self.vocab)} entries, {UNK} = {self.vocab[UNK]}); matrix: "
                f"{html.escape(self.matrix_source or 'none')}</span>")

    def show_step(self, started=None):
        """Frame column ``t`` and mark the 1 of ``x<t>`` in the whole vector."""
        started = time.perf_counter() if started is None else started
        t = self.t.value
        column = t - 1
        token = self.tokens[column]
        row = self.hot[column]
        self.frame.set_x(column - 0.5)
        self.frame.set_y(-0.5)
        self.frame.set_height(len(self.rows) if self.rows is not None else 1)
        self.vector_title.set_text(rf"$x^{{\langle {t}\rangle}}$, all {len(self.vocab)} rows")
        n_x = len(self.vocab)
        if row is None:
            self.hot_mark.set_data([], [])
            self.hot_label.set_text("")
            found = "no matrix" if self.matrix is None else "its column is all zeros"
            self.caption.set_text(rf"$t = {t}$: token '{token}' ({found})")
        else:
            word = self.words.get(row, "?")
            self.hot_mark.set_data([0.5], [row])
            self.hot_label.set_y(row)
            self.hot_label.set_text(f"{row}  {word}")
            unknown = f" ('{token}' is not in the vocabulary)" if row == self.vocab[UNK] and token != UNK else ""
            self.caption.set_text(
                rf"$t = {t}$: $x^{{\langle {t}\rangle}}$ = one-hot('{token}'): {n_x} numbers, all 0 except a 1 "
                f"at index {row}, the row of '{word}'{unknown}")
        self.redraw(started)
