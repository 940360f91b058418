"""The next-word probability viewer of the lecture "Language model and sequence generation".

It runs a small word-level RNN language model (a Keras model shipped in ``assets/models/``) over a
sentence and shows, for every step, the probability the model gave to the token that actually comes
next, the running log-probability of the sentence, and the model's top candidates at one step.

The model's input sequence and the log-probabilities are computed by the student's own functions
(the exercises of the notebook), passed in as arguments; without them, or when they fail, the widget
shows the traces precomputed for the example sentences in ``assets/traces/word_lm.json``.
"""

import json
import re
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..data import assets_dir
from ..plots import FigureWidget, new_figure

EOS = "<EOS>"
UNK = "<UNK>"
START_INDEX = -1  # x<1> is the zero vector; the index -1 stands for it
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(sentence):
    """Split ``sentence`` into lowercase tokens: words, and each punctuation mark on its own.

    >>> tokenize("The cat sat, and slept.")
    ['the', 'cat', 'sat', ',', 'and', 'slept', '.']
    """
    return _TOKEN.findall(sentence.lower())


def load_word_lm_vocabulary():
    """The vocabulary of the shipped word-level language model.

    Returns ``(tokens, word_to_index)``: ``tokens[i]`` is the token of index ``i`` (``<EOS>`` is 0,
    ``<UNK>`` is 1, then the corpus words that occur at least twice, most frequent first), and
    ``word_to_index`` maps each token to its index. ``n_x = n_y = len(tokens)``.
    """
    info = json.loads((assets_dir() / "models" / "word_lm_vocab.json").read_text())
    tokens = list(info["tokens"])
    return tokens, {token: i for i, token in enumerate(tokens)}


def load_word_lm_traces():
    """Precomputed runs of the shipped model over example sentences.

    Returns a list of dicts with ``sentence``, ``tokens`` (its tokens), ``y`` (the target indices,
    ``<EOS>`` last, shape ``(T_y,)``), ``p_actual`` (shape ``(T_y,)``: ``P(y<t> | y<1>..y<t-1>)``),
    ``running_log_probability`` (shape ``(T_y,)``: natural-log probability of ``y<1>..y<t>``), ``perplexity``
    (of the whole sentence),
    ``top_indices`` and ``top_probabilities`` (shape ``(T_y, k)``: the model's most likely tokens at
    each step, best first).
    """
    trace = json.loads((assets_dir() / "traces" / "word_lm.json").read_text())
    return [{"sentence": ex["sentence"], "tokens": ex["tokens"], "y": np.array(ex["y"], dtype=int),
             "p_actual": np.array(ex["p_actual"]),
             "running_log_probability": np.array(ex["running_log_probability"]),
             "perplexity": float(ex["perplexity"]),
             "top_indices": np.array(ex["top_indices"], dtype=int),
             "top_probabilities": np.array(ex["top_probabilities"])}
            for ex in trace["examples"]]


def _one_hot_rows(x, n):
    """Rows of one-hot vectors (T, n) for the indices x (T,); the index -1 gives a row of zeros."""
    out = np.zeros((len(x), n), dtype=np.float32)
    valid = x >= 0
    out[np.flatnonzero(valid), x[valid]] = 1.0
    return out


def _label(token):
    return token if len(token) <= 9 else token[:8] + "…"


class NextWordProbabilities(FigureWidget):
    """How probable a word-level RNN language model finds each word of a sentence.

    Left: one bar per step ``t`` for ``P(y<t> | y<1>, ..., y<t-1>)``, the probability the model gave
    to the token that actually comes next (its label under the bar; ``*`` marks a word the model only
    knows as ``<UNK>``), and a line for the running log-probability ``log P(y<1>, ..., y<t>)``
    (right axis). Right: the model's most likely tokens at step ``t``, the actual one in orange.

    ``training_pairs(tokens, word_to_index) -> (x, y)``, ``log_probability(y_hat, y) -> float`` and
    ``perplexity(y_hat, y) -> float`` are the notebook's exercises. With all three, any sentence can
    be typed in: the widget runs the shipped Keras model on the ``x`` that ``training_pairs`` builds
    and scores it with the other two. Without them (or when Keras or a function fails) it shows the
    precomputed traces of the example sentences. ``use_keras=False`` never imports TensorFlow.
    """

    MAX_STEPS = 32

    def __init__(self, training_pairs=None, log_probability=None, perplexity=None, use_keras=True, top_k=8):
        self.functions = {"training_pairs": training_pairs, "log_probability": log_probability,
                          "perplexity": perplexity}
        self.vocab, self.word_to_index = load_word_lm_vocabulary()
        self.traces = {trace["sentence"]: trace for trace in load_word_lm_traces()}
        self.top_k = min(top_k, self.traces[next(iter(self.traces))]["top_indices"].shape[1])
        self.model, self.model_problem = None, None
        live = all(f is not None for f in self.functions.values())
        if not live:
            missing = [name for name, f in self.functions.items() if f is None]
            self.model_problem = "not given: " + ", ".join(missing)
        elif use_keras:
            self._load_model()
        else:
            self.model_problem = "use_keras=False"

        first = next(iter(self.traces))
        self.example = widgets.Dropdown(options=list(self.traces), value=first, description="example",
                                        layout=widgets.Layout(width="30em"))
        self.text = widgets.Text(value=first, description="sentence", continuous_update=False,
                                 disabled=self.model is None, placeholder="type a sentence and press Enter",
                                 layout=widgets.Layout(width="34em"))
        self.t = widgets.IntSlider(value=1, min=1, max=2, description="t")
        self.play = widgets.Play(value=1, min=1, max=2, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        self._build_figure()
        self._assemble(widgets.HBox([self.example]), widgets.HBox([self.text]), widgets.HBox([self.play, self.t]))

        self.example.observe(self._example_picked, "value")
        self.text.observe(lambda change: self.show_sentence(change["new"]), "value")
        self.t.observe(lambda change: self.show_step(), "value")
        self.show_sentence(first)

    # ------------------------------------------------------------------ model
    def _load_model(self):
        try:
            from ..keras_setup import import_keras

            keras = import_keras()
            self.model = keras.models.load_model(assets_dir() / "models" / "word_lm.keras", compile=False)
            self.model(np.zeros((1, 2, len(self.vocab)), dtype=np.float32))  # build once: later calls are fast
        except Exception as error:  # no TensorFlow, or an unreadable model file
            self.model = None
            self.model_problem = f"the Keras model could not be loaded ({type(error).__name__}: {error})"

    def distributions(self, sentence):
        """Run the model over ``sentence``: returns ``(y_hat, y)``, ``y_hat`` of shape ``(n_y, T_y)`` (column
        ``t - 1`` is the distribution of step ``t``) and ``y`` the target indices made by ``training_pairs``."""
        if self.model is None:
            raise RuntimeError(f"the live model is not available ({self.model_problem})")
        tokens = tokenize(sentence)
        x, y = self._pairs(tokens)
        probabilities = np.asarray(self.model(_one_hot_rows(x, len(self.vocab))[None])[0], dtype=np.float64)
        return probabilities.T, y

    def _pairs(self, tokens):
        """The student's ``training_pairs(tokens)``, checked."""
        n = len(self.vocab)
        x, y = self.functions["training_pairs"](tokens, dict(self.word_to_index))
        x, y = np.asarray(x), np.asarray(y)
        T_y = len(tokens) + 1
        if x.shape != (T_y,) or y.shape != (T_y,):
            raise ValueError(f"training_pairs returned shapes {x.shape} and {y.shape}, expected ({T_y},) "
                             f"for {len(tokens)} tokens (one more step for <EOS>)")
        if not (np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)):
            raise ValueError("training_pairs must return integer indices")
        if x.min() < -1 or x.max() >= n or y.min() < 0 or y.max() >= n:
            raise ValueError(f"training_pairs returned indices outside -1..{n - 1}")
        return x, y

    def _run_live(self, tokens):
        """The model's distributions over ``tokens``, read through the student's functions."""
        x, y = self._pairs(tokens)
        T_y = len(y)
        probabilities = np.asarray(self.model(_one_hot_rows(x, len(self.vocab))[None])[0], dtype=np.float64)
        y_hat = probabilities.T  # (n_y, T_y), the notebook's layout
        running = np.array([float(self.functions["log_probability"](y_hat[:, :t], y[:t]))
                            for t in range(1, T_y + 1)])
        score = float(self.functions["perplexity"](y_hat, y))
        top = np.argsort(-probabilities, axis=1, kind="stable")[:, : self.top_k]
        return {"y": y, "p_actual": probabilities[np.arange(T_y), y], "running": running, "perplexity": score,
                "top_indices": top, "top_probabilities": np.take_along_axis(probabilities, top, axis=1),
                "source": "Keras model, your functions"}

    def _from_trace(self, sentence):
        trace = self.traces[sentence]
        running = trace["running_log_probability"]
        return {"y": trace["y"], "p_actual": trace["p_actual"], "running": running,
                "perplexity": trace["perplexity"],
                "top_indices": trace["top_indices"], "top_probabilities": trace["top_probabilities"],
                "source": "precomputed trace"}

    def source_is_trace(self):
        """Whether the picture shows a precomputed trace (rather than the live model)."""
        return self.data["source"] == "precomputed trace"

    # ------------------------------------------------------------------ figure
    def _build_figure(self):
        self.figure = new_figure(11.5, 4.5)
        self.ax_p = self.figure.add_axes([0.06, 0.26, 0.6, 0.56])
        self.ax_log = self.ax_p.twinx()
        self.ax_top = self.figure.add_axes([0.8, 0.26, 0.18, 0.56])

        steps = np.arange(1, self.MAX_STEPS + 1)
        self.p_bars = self.ax_p.bar(steps, np.zeros(self.MAX_STEPS), width=0.7, color="#4477aa",
                                    label=r"$P(y^{\langle t\rangle} \mid y^{\langle 1\rangle},\dots,y^{\langle t-1\rangle})$")
        self.ax_p.set_ylim(0, 1)
        self.ax_p.set_ylabel("probability of the actual next token", color="#4477aa")
        (self.log_line,) = self.ax_log.plot([], [], "o-", color="#cc3311", markersize=4,
                                            label=r"running $\log P(y^{\langle 1\rangle},\dots,y^{\langle t\rangle})$")
        self.ax_log.set_ylabel("running log-probability (natural log)", color="#cc3311")
        handles = [self.p_bars, self.log_line]
        self.ax_p.legend(handles, [h.get_label() for h in handles], loc="lower left", bbox_to_anchor=(0, 1.0),
                         ncol=2, fontsize=10, frameon=False)
        self.frame = self.ax_p.add_patch(Rectangle((0.5, 0), 1, 1, fill=False, edgecolor="black", linewidth=2,
                                                   clip_on=False))
        self.title = self.figure.text(0.06, 0.94, "", fontsize=11.5)

        self.top_bars = self.ax_top.barh(np.arange(self.top_k), np.zeros(self.top_k), color="#bbbbbb")
        self.ax_top.set_ylim(self.top_k - 0.5, -0.5)
        self.ax_top.set_xlim(0, 1)
        self.ax_top.set_yticks([])
        self.ax_top.set_xlabel("probability")
        left_of_axis = self.ax_top.get_yaxis_transform()
        self.top_labels = [self.ax_top.text(-0.03, k, "", transform=left_of_axis, ha="right", va="center",
                                            fontsize=11) for k in range(self.top_k)]
        self.top_title = self.ax_top.set_title("")
        self.caption = self.figure.text(0.06, 0.03, "", fontsize=11)
        self.animate(self.frame, *self.top_bars, *self.top_labels, self.top_title, self.caption)

    # ------------------------------------------------------------------ events
    def _example_picked(self, change):
        if change["new"] is not None:  # None: the sentence typed in is not one of the examples
            self.text.value = change["new"]

    def show_sentence(self, sentence):
        """Run the model over ``sentence`` (or look up its trace) and redraw."""
        tokens = tokenize(sentence)
        try:
            if not tokens:
                raise ValueError("type at least one word")
            if len(tokens) + 1 > self.MAX_STEPS:
                raise ValueError(f"the widget shows at most {self.MAX_STEPS - 1} tokens; this sentence has "
                                 f"{len(tokens)}")
            if self.model is None:
                raise LookupError(self.model_problem)
            data = self._run_live(tokens)
            self.say("")
        except Exception as error:  # a student's function may fail in any way
            if sentence not in self.traces:
                self.say(f"Could not score {sentence!r}: {type(error).__name__}: {error}", error=True)
                return
            data = self._from_trace(sentence)
            if self.model is not None:
                self.say(f"The live model failed ({type(error).__name__}: {error}); showing the precomputed "
                         "trace instead.", error=True)
            elif all(f is not None for f in self.functions.values()):
                self.say(f"Showing precomputed traces only: {self.model_problem}.")
        self.sentence, self.tokens, self.data = sentence, tokens, data
        self.example.value = sentence if sentence in self.traces else None
        self._draw_sentence()

    def _draw_sentence(self):
        data, T_y = self.data, len(self.data["y"])
        unk = self.word_to_index[UNK]
        labels = []
        for t, index in enumerate(data["y"]):
            word = self.tokens[t] if t < len(self.tokens) else EOS
            labels.append(_label(word) + ("*" if index == unk and word != UNK else ""))
        self.labels = labels
        for t, bar in enumerate(self.p_bars):
            bar.set_height(data["p_actual"][t] if t < T_y else 0.0)
            bar.set_visible(t < T_y)
        steps = np.arange(1, T_y + 1)
        self.log_line.set_data(steps, data["running"])
        low = min(float(np.min(data["running"])), -1.0)
        self.ax_log.set_ylim(1.08 * low, 0.0)
        self.ax_p.set_xlim(0.4, T_y + 0.6)
        self.ax_p.set_xticks(steps, labels, rotation=40, ha="right", fontsize=10)
        log_p = float(data["running"][-1])
        self.title.set_text(rf"$\log P$(sentence) = {log_p:.2f}  (P = {np.exp(log_p):.2g}),   "
                            f"perplexity = {data['perplexity']:.1f},   $T_y$ = {T_y}      [{data['source']}]")
        self.new_sequence(T_y)

    def show_step(self):
        """Highlight step ``t`` and show the model's top candidates for ``y<t>``."""
        started = time.perf_counter()
        t = self.t.value
        column = t - 1
        data = self.data
        self.frame.set_x(t - 0.5)
        actual = int(data["y"][column])
        for bar, label, index, p in zip(self.top_bars, self.top_labels, data["top_indices"][column],
                                        data["top_probabilities"][column]):
            bar.set_width(p)
            bar.set_color("#ee7733" if index == actual else "#bbbbbb")
            label.set_text(_label(self.vocab[index]))
        self.top_title.set_text(f"top guesses for y<{t}>")  # plain text: mathtext is slow to redraw
        reading = "the zero vector (start)" if t == 1 else f"'{self.labels[column - 1].rstrip('*')}'"
        rank = list(data["top_indices"][column]).index(actual) + 1 if actual in data["top_indices"][column] else None
        where = f"rank {rank}" if rank else f"not in the top {self.top_k}"
        self.caption.set_text(
            f"step t = {t}:  x<{t}> = {reading};   actual next token y<{t}> = '{self.vocab[actual]}', "
            f"P = {data['p_actual'][column]:.3f} ({where});   running log P = {data['running'][column]:.2f}")
        self.redraw(started)
