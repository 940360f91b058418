"""The bidirectional-RNN explorer of the lecture "Bidirectional RNN", and the loaders of its model.

The shipped model tags each word of a sentence as part of a person's name or not. It was trained by
``assets/scripts/train_birnn.py``; the same script trained a forward-only RNN on the same sentences
for the contrast. No RNN forward pass lives here: the widget runs the student's functions, or
shows the traces the script precomputed.
"""

import html
import json
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..data import assets_dir
from ..plots import FigureWidget, new_figure

__all__ = ["BidirectionalExplorer", "load_birnn", "load_birnn_traces", "words_of"]

DIRECTION_PARAMETERS = ("Wax", "Waa", "ba")


def load_birnn():
    """The two word taggers shipped with the course (tag 1: "part of a person's name").

    Returns a dict, all arrays in float64:

    * ``params_fwd``, ``params_bwd``: the bidirectional model's two directions, each a dict with
      ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a, 1)``;
    * ``Wy (n_y, 2 n_a)``, acting on ``[a_fwd<t>; a_bwd<t>]`` (forward states first), ``by (n_y, 1)``;
    * ``forward_only``: the forward-only model, a dict with ``Wax, Waa, ba, Wya (n_y, n_a), by``;
    * ``vocab``: the ``n_x`` words in one-hot order; ``tags``: the ``n_y`` tag names
      (``["other", "name"]``).
    """
    with np.load(assets_dir() / "birnn" / "birnn.npz") as archive:
        def get(name):
            return archive[name].astype(np.float64)

        return {"params_fwd": {k: get("fwd_" + k) for k in DIRECTION_PARAMETERS},
                "params_bwd": {k: get("bwd_" + k) for k in DIRECTION_PARAMETERS},
                "Wy": get("Wy"), "by": get("by"),
                "forward_only": {**{k: get("uni_" + k) for k in DIRECTION_PARAMETERS},
                                 "Wya": get("uni_Wya"), "by": get("uni_by")},
                "vocab": [str(word) for word in archive["vocab"]],
                "tags": [str(tag) for tag in archive["tags"]]}


def load_birnn_traces():
    """The shipped models run over the example sentences of the widget.

    Returns a list of dicts: ``sentence`` (words separated by spaces), ``words`` (list of ``T``),
    ``tags`` (the right tag of each word, length ``T``), ``a_fwd`` and ``a_bwd`` of shape
    ``(n_a, T)``, ``y_hat`` of shape ``(n_y, T)`` (bidirectional model) and ``y_hat_forward_only``
    of shape ``(n_y, T)``.
    """
    trace = json.loads((assets_dir() / "birnn" / "traces.json").read_text())
    examples = []
    for example in trace["examples"]:
        entry = {"sentence": example["sentence"], "words": example["sentence"].split(),
                 "tags": [int(tag) for tag in example["tags"]]}
        for name in ("a_fwd", "a_bwd", "y_hat", "y_hat_forward_only"):
            entry[name] = np.array(example[name], dtype=float)
        examples.append(entry)
    return examples


def words_of(text):
    """Split a typed sentence into the model's words: lowercase, with "," as a word of its own."""
    return text.lower().replace(",", " , ").split()


class BidirectionalExplorer(FigureWidget):
    """Watch both directions of a bidirectional RNN read a sentence, and what they predict together.

    Top: the forward states ``a_fwd<t>`` (units x words); middle: the backward states ``a_bwd<t>``;
    both frame word ``t`` and fade the words that direction has not read yet when it reaches word
    ``t`` (the forward RNN has read words 1..t, the backward RNN words t..T_x). Bottom: per word, the
    probability that it is part of a person's name, from the bidirectional model and from a
    forward-only RNN trained on the same sentences; the names are the words in red.

    ``rnn_states(x, a0, params, reverse=False) -> (n_a, m, T_x)`` and ``birnn_forward(x, a0_fwd,
    a0_bwd, params_fwd, params_bwd, Wy, by) -> (n_y, m, T_x)`` are the exercises' functions; with
    them the widget computes everything itself, also for sentences typed in. The forward-only
    model's prediction is computed with ``birnn_forward`` too, its backward half switched off (zero
    weights). Without them (or when they fail) the widget shows the precomputed traces.
    """

    def __init__(self, birnn_forward=None, rnn_states=None):
        self.birnn_forward, self.rnn_states = birnn_forward, rnn_states
        model = load_birnn()
        self.params_fwd, self.params_bwd = model["params_fwd"], model["params_bwd"]
        self.Wy, self.by, self.forward_only = model["Wy"], model["by"], model["forward_only"]
        self.vocab, self.tag_names = model["vocab"], model["tags"]
        self.index = {word: i for i, word in enumerate(self.vocab)}
        self.n_a = self.params_fwd["Waa"].shape[0]
        self.n_y = self.Wy.shape[0]
        self.traces = {example["sentence"]: example for example in load_birnn_traces()}

        first = next(iter(self.traces))
        can_type = birnn_forward is not None or rnn_states is not None
        self.example = widgets.Dropdown(options=list(self.traces), value=first, description="example",
                                        layout=widgets.Layout(width="30em"))
        self.text = widgets.Text(value=first, description="sentence", continuous_update=False, disabled=not can_type,
                                 placeholder="words of the vocabulary, e.g. we saw holly parker at the market",
                                 layout=widgets.Layout(width="30em"))
        self.t = widgets.IntSlider(value=1, min=1, max=len(first.split()), description="word t")
        self.play = widgets.Play(value=1, min=1, max=len(first.split()), interval=900)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        self._build_figure()
        self._assemble(widgets.HBox([self.example, self.text]), widgets.HBox([self.play, self.t]))
        # The caption is HTML under the figure: it changes at every step and costs nothing to draw there.
        self.caption = widgets.HTML(layout=widgets.Layout(margin="0 0 0 4em"))
        self.view.children = (*self.view.children[:-1], self.caption, self.status)

        self.example.observe(self._example_picked, "value")
        self.text.observe(lambda change: self.show_sentence(change["new"]), "value")
        self.t.observe(lambda change: self.show_step(), "value")
        self.show_sentence(first)
        # Start at the word where the two models disagree most (the ambiguous word of the example).
        self.t.value = 1 + int(np.argmax(np.abs(self.run["y_hat"][1] - self.run["y_hat_forward_only"][1])))

    def _example_picked(self, change):
        if change["new"] is not None:  # None: the sentence typed in is not one of the examples
            self.text.value = change["new"]

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self):
        self.figure = new_figure(11, 6.7)
        n_a = self.n_a
        self.axes, self.heatmaps, self.frames, self.unread = {}, {}, [], {}
        panels = (("fwd", 0.68, r"forward RNN: $a_{\rightarrow}^{\langle t\rangle}$, reads the words left to right  $\longrightarrow$"),
                  ("bwd", 0.37, r"backward RNN: $a_{\leftarrow}^{\langle t\rangle}$, reads the words right to left  $\longleftarrow$"))
        for name, bottom, title in panels:
            ax = self.figure.add_axes([0.075, bottom, 0.845, 0.22])
            self.heatmaps[name] = ax.imshow(np.zeros((n_a, 1)), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
                                            interpolation="nearest")
            ax.set_title(title, fontsize=12, pad=5, loc="left")
            ax.set_yticks(range(n_a))
            ax.set_ylabel("unit", fontsize=10, labelpad=2)
            ax.tick_params(axis="y", labelsize=8, length=2, pad=2)
            ax.tick_params(axis="x", labelsize=11, length=0, pad=3)
            self.unread[name] = ax.add_patch(Rectangle((-0.5, -0.5), 0, n_a, facecolor="white", alpha=0.82,
                                                       edgecolor="none"))
            for color, linewidth in (("white", 4.5), ("black", 2.2)):
                self.frames.append(ax.add_patch(Rectangle((-0.5, -0.5), 1, n_a, fill=False, edgecolor=color,
                                                          linewidth=linewidth)))
            self.axes[name] = ax
        bar = self.figure.colorbar(self.heatmaps["fwd"], cax=self.figure.add_axes([0.935, 0.37, 0.012, 0.53]))
        bar.ax.tick_params(labelsize=8, length=2, pad=1)
        bar.ax.set_title("state", fontsize=9, pad=10)

        self.ax_pred = self.figure.add_axes([0.075, 0.06, 0.845, 0.2])
        self.ax_pred.set_ylim(0, 1.05)
        self.ax_pred.set_yticks([0, 0.5, 1])
        self.ax_pred.axhline(0.5, color="#999999", linewidth=0.8, linestyle=":")
        self.ax_pred.set_ylabel("P(name)", fontsize=10, labelpad=2)
        self.ax_pred.tick_params(axis="y", labelsize=8, length=2, pad=2)
        self.ax_pred.tick_params(axis="x", labelsize=11, length=0, pad=3)
        self.ax_pred.set_title(r"$\hat{y}^{\langle t\rangle}$: is word $t$ part of a person's name?",
                               fontsize=12, pad=5, loc="left")
        self.bars = {}
        self.pred_frame = self.ax_pred.add_patch(Rectangle((-0.5, 0), 1, 1.05, fill=False, edgecolor="black",
                                                           linewidth=2.2))
        self.source_text = self.figure.text(0.985, 0.985, "", fontsize=9, ha="right", va="top", color="#555555")
        self.animate(*self.unread.values(), *self.frames, self.pred_frame)

    # -- data -------------------------------------------------------------------------------------

    def _one_hot(self, words):
        x = np.zeros((len(self.vocab), 1, len(words)))
        x[[self.index[word] for word in words], 0, np.arange(len(words))] = 1.0
        return x

    def _states(self, x):
        """Both directions' states, from ``rnn_states``: two arrays of shape (n_a, T)."""
        zeros = np.zeros((self.n_a, 1))
        a_fwd = np.asarray(self.rnn_states(x, zeros, self.params_fwd), dtype=float)
        a_bwd = np.asarray(self.rnn_states(x, zeros, self.params_bwd, reverse=True), dtype=float)
        expected = (self.n_a, 1, x.shape[2])
        for name, value in (("forward", a_fwd), ("backward", a_bwd)):
            if value.shape != expected:
                raise ValueError(f"rnn_states returned {name} states of shape {value.shape}, expected {expected}")
        return a_fwd[:, 0], a_bwd[:, 0]

    def _predictions(self, x):
        """``ŷ`` of the bidirectional and of the forward-only model, from ``birnn_forward``: (n_y, T) each."""
        zeros = np.zeros((self.n_a, 1))
        y_hat = np.asarray(self.birnn_forward(x, zeros, zeros, self.params_fwd, self.params_bwd, self.Wy, self.by),
                           dtype=float)
        # The forward-only RNN is a bidirectional one whose backward half is switched off.
        uni = self.forward_only
        n_a_uni = uni["Waa"].shape[0]
        off = {"Wax": np.zeros_like(uni["Wax"]), "Waa": np.zeros_like(uni["Waa"]), "ba": np.zeros_like(uni["ba"])}
        Wy_uni = np.concatenate([uni["Wya"], np.zeros_like(uni["Wya"])], axis=1)
        zeros_uni = np.zeros((n_a_uni, 1))
        y_uni = np.asarray(self.birnn_forward(x, zeros_uni, zeros_uni, {k: uni[k] for k in DIRECTION_PARAMETERS},
                                              off, Wy_uni, uni["by"]), dtype=float)
        expected = (self.n_y, 1, x.shape[2])
        for value in (y_hat, y_uni):
            if value.shape != expected:
                raise ValueError(f"birnn_forward returned y_hat of shape {value.shape}, expected {expected}")
        return y_hat[:, 0], y_uni[:, 0]

    @staticmethod
    def _differs(mine, trace):
        return not float(np.max(np.abs(mine - trace))) <= 1e-4  # also catches NaN

    def _compute(self, sentence, words):
        """The run to show: a dict of arrays, plus a message for the status line and whether it is an error."""
        trace = self.traces.get(sentence)
        run = dict(trace) if trace else {"words": words, "tags": None}
        sources, problems = [], []
        unknown = [word for word in words if word not in self.index]
        if unknown:
            raise ValueError(f"not in the vocabulary: {', '.join(repr(w) for w in unknown)}. "
                             f"Known words: {' '.join(self.vocab)}")
        if not words:
            raise ValueError("type at least one word")
        x = self._one_hot(words)
        for label, function, compute, names in (
                ("rnn_states", self.rnn_states, self._states, ("a_fwd", "a_bwd")),
                ("birnn_forward", self.birnn_forward, self._predictions, ("y_hat", "y_hat_forward_only"))):
            if function is None:
                if trace is None:
                    raise ValueError(f"to run the model on a new sentence, pass your {label} to the widget")
                continue
            try:
                values = compute(x)
            except Exception as failure:  # a student's function may fail in any way
                if trace is None:
                    raise ValueError(f"your {label} failed ({type(failure).__name__}: {failure})") from None
                problems.append(f"your {label} failed ({type(failure).__name__}: {failure}); showing the "
                                "precomputed values instead")
                continue
            run.update(zip(names, values))
            sources.append(label)
            if trace is not None:
                for name, value in zip(names, values):
                    if self._differs(value, trace[name]):
                        problems.append(f"your {label} runs, but its {name} differs from the precomputed trace "
                                        f"by up to {float(np.nanmax(np.abs(value - trace[name]))):.3g} "
                                        "(showing your values)")
                        break
        self.source = ("your " + " and ".join(sources)) if sources else "precomputed trace"
        return run, "; ".join(problems)

    def show_sentence(self, text):
        """Run the model over ``text`` (or look up its trace) and redraw everything."""
        words = words_of(text)
        sentence = " ".join(words)
        try:
            run, problem = self._compute(sentence, words)
        except ValueError as error:
            self.say(f"Could not show {text!r}: {error}", error=True)
            return
        self.say(problem, error=bool(problem))
        self.run, self.words = run, words
        self.example.value = sentence if sentence in self.traces else None
        steps = len(words)
        tags = run["tags"]
        extent = (-0.5, steps - 0.5, self.n_a - 0.5, -0.5)
        for name in ("fwd", "bwd"):
            self.heatmaps[name].set_data(run["a_" + name])
            self.heatmaps[name].set_extent(extent)
            self._label_words(self.axes[name], tags)

        for bars in self.bars.values():
            bars.remove()
        positions = np.arange(steps)
        self.bars = {"both": self.ax_pred.bar(positions - 0.19, run["y_hat"][1], width=0.36, color="#7a5195",
                                              label="bidirectional RNN"),
                     "forward": self.ax_pred.bar(positions + 0.19, run["y_hat_forward_only"][1], width=0.36,
                                                 color="#bbbbbb", label="forward-only RNN")}
        self.ax_pred.set_xlim(-0.5, steps - 0.5)
        self._label_words(self.ax_pred, tags)
        self.ax_pred.legend(loc="upper right", bbox_to_anchor=(1.0, 1.32), ncol=2, fontsize=10, frameon=False)
        self.source_text.set_text(f"[{self.source}]")
        self.new_sequence(steps)

    def _label_words(self, ax, tags):
        ax.set_xticks(range(len(self.words)), self.words)
        for k, tick in enumerate(ax.get_xticklabels()):
            is_name = tags is not None and tags[k] == 1
            tick.set_color("#b2182b" if is_name else "black")
            tick.set_fontweight("bold" if is_name else "normal")

    def show_step(self):
        """Frame word ``t``, fade what each direction has not read yet, and say what happens."""
        started = time.perf_counter()
        t, steps, run = self.t.value, len(self.words), self.run
        column = t - 1
        for frame in self.frames:
            frame.set_x(column - 0.5)
        self.pred_frame.set_x(column - 0.5)
        self.unread["fwd"].set_x(column + 0.5)  # words t+1..T_x: not read yet going forwards
        self.unread["fwd"].set_width(steps - t)
        self.unread["bwd"].set_x(-0.5)  # words 1..t-1: not read yet going backwards
        self.unread["bwd"].set_width(column)
        word = html.escape(self.words[column])
        both, forward = run["y_hat"][1, column], run["y_hat_forward_only"][1, column]
        truth = ""
        if run["tags"] is not None:
            truth = " (right answer: " + ("name" if run["tags"][column] else "not a name") + ")"

        def sentence(read, color):
            return " ".join(f'<b style="color:{color}">{html.escape(w)}</b>' if k in read
                            else f'<span style="color:#bbbbbb">{html.escape(w)}</span>'
                            for k, w in enumerate(self.words))

        self.caption.value = (
            f'<div style="line-height:1.6">word <b>t = {t}</b>, "{word}".<br>'
            f"the forward RNN has read: {sentence(range(t), '#2b6cb0')}<br>"
            f"the backward RNN has read: {sentence(range(column, steps), '#c05621')}<br>"
            f"P(\"{word}\" is part of a name) = <b>{both:.2f}</b> with both directions, "
            f"{forward:.2f} forward only{truth}</div>")
        self.redraw(started)
