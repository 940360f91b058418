"""The temperature explorer of the lecture "Sampling novel sequences".

A temperature slider redraws the distribution of the next token that a small language model gives
after a context, its entropy, and a batch of sequences sampled from the model at that temperature,
next to the greedy (argmax) continuation. Two models: the course's character-level RNN and its
word-level RNN language model.

The sequences are precomputed by ``assets/scripts/make_sampling_traces.py`` (the RNN step is a graded
exercise, so it is not in this package) and stored in ``assets/sampling/sampling_traces.json`` with the
models' logits and the reference probabilities at every temperature of the slider. Given the
student's ``softmax_with_temperature(z, temperature)``, the widget computes the distributions from the
stored logits with it; without it, or when it fails, it shows the stored probabilities.
"""

import html
import json
import time

import ipywidgets as widgets
import numpy as np

from ..data import assets_dir
from ..plots import FigureWidget, new_figure, show_char

LEVELS = ("characters", "words")
WORD_BARS = 20  # the 19 most likely words, then all the other words together
MAX_BARS = 30
BLUE, ORANGE, GREY = "#4477aa", "#ee7733", "#888888"


def load_sampling_traces():
    """The precomputed trace of the sampling lecture.

    Returns a dict with ``temperatures`` (the slider's grid, a list of floats) and, for each level
    ``"characters"`` and ``"words"``, a dict with ``vocab`` (list of the ``n`` tokens), ``end`` (the
    end token: ``"\\n"`` or ``"<EOS>"``), ``max_length`` and ``contexts``, a list of dicts:

    - ``context``: the text read before sampling (``""``: the beginning of a sentence);
    - ``logits``: array ``(n,)``, the model's logits ``z`` for the next token (``softmax(z)`` is its
      prediction);
    - ``probabilities``: array ``(len(temperatures), k)``, ``softmax(z / T)`` for each temperature;
      for characters ``k = n``; for words ``k = 20``: the tokens ``top`` (the 19 most likely, best
      first), then the total of all the others;
    - ``entropy``: array ``(len(temperatures),)``, the entropy in bits of ``softmax(z / T)`` over the
      whole vocabulary;
    - ``top`` (words only): the indices of those 19 tokens;
    - ``greedy``: the continuation that always takes the most likely token;
    - ``samples``: one batch of continuations per temperature, each drawn with
      ``int(rng.choice(n, p=softmax(z / T)))`` until the end token (included) or ``max_length``
      tokens. Characters are strings, words lists of tokens.
    """
    trace = json.loads((assets_dir() / "sampling" / "sampling_traces.json").read_text())
    for level in LEVELS:
        for entry in trace[level]["contexts"]:
            entry["logits"] = np.array(entry["logits"], dtype=np.float64)
            entry["probabilities"] = np.array(entry["probabilities"], dtype=np.float64)
            entry["entropy"] = np.array(entry["entropy"], dtype=np.float64)
            if "top" in entry:
                entry["top"] = np.array(entry["top"], dtype=int)
    return trace


def entropy_bits(p):
    """Entropy ``-sum p log2 p`` of a distribution ``p`` (zeros contribute nothing), in bits."""
    p = np.asarray(p, dtype=np.float64)
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def _context_label(context):
    return f"“{context}…”" if context else "(start of a sentence)"


class SamplingExplorer(FigureWidget):
    """Temperature, the next-token distribution, and sequences sampled from a small language model.

    Controls: the model (``characters`` or ``words``), the context read before sampling, and the
    temperature ``T``. Top left: ``softmax(z / T)`` over the next token (for words: the 19 most likely
    words and all the others together), with the ``T = 1`` distribution marked by black ticks. Top
    right: the entropy of the distribution against ``T``, from 0 bits (argmax) to ``log2 n`` bits
    (uniform). Below: the greedy continuation and a batch of continuations sampled at ``T``.

    ``softmax_with_temperature(z, temperature) -> probabilities`` is the notebook's exercise; with it
    the distributions are computed live from the model's stored logits (the samples are always the
    stored ones). Without it, or when it fails, the stored reference probabilities are shown.
    """

    def __init__(self, softmax_with_temperature=None):
        self.softmax = softmax_with_temperature
        self.trace = load_sampling_traces()
        self.temperatures = list(self.trace["temperatures"])

        self.level = widgets.ToggleButtons(options=list(LEVELS), value="characters", description="model",
                                           style={"button_width": "7em"})
        self.context = widgets.Dropdown(options=self._context_options("characters"), value=0,
                                        description="context", layout=widgets.Layout(width="24em"))
        self.temperature = widgets.SelectionSlider(
            options=[(f"{T:g}", T) for T in self.temperatures], value=1.0, description="temperature T",
            style={"description_width": "initial"}, layout=widgets.Layout(width="34em"))
        self._build_figure()
        self._assemble(widgets.HBox([self.level, self.context]), widgets.HBox([self.temperature]))
        self.samples = widgets.HTML()
        self.view.children = (*self.view.children, self.samples)

        self._switching = False
        self.level.observe(self._level_changed, "value")
        self.context.observe(lambda change: None if self._switching else self.show_context(), "value")
        self.temperature.observe(lambda change: self.show_temperature(), "value")
        self.show_context()

    def _context_options(self, level):
        return [(_context_label(entry["context"]), i) for i, entry in enumerate(self.trace[level]["contexts"])]

    # ------------------------------------------------------------------ distributions
    def _student_distributions(self, entry, n):
        """softmax_with_temperature applied to the stored logits at every temperature, checked."""
        rows = []
        for T in self.temperatures:
            p = self.softmax(entry["logits"].copy(), T)
            if not isinstance(p, np.ndarray):
                raise TypeError(f"returned {type(p).__name__}, expected a numpy array")
            if p.shape != (n,):
                raise ValueError(f"returned shape {p.shape} for logits of shape ({n},)")
            if not np.all(np.isfinite(p)) or np.any(p < 0):
                raise ValueError(f"returned negative, infinite or NaN values at T = {T:g}")
            if abs(float(p.sum()) - 1.0) > 1e-6:
                raise ValueError(f"returned values that sum to {float(p.sum()):.4g} at T = {T:g}, not 1")
            rows.append(p)
        return np.array(rows)

    def _distributions(self, entry, level):
        """(probabilities per temperature, entropies per temperature, source)."""
        stored = entry["probabilities"]
        n = len(self.trace[level]["vocab"])
        if self.softmax is None:
            full = None
            source = "stored probabilities"
        else:
            try:
                full = self._student_distributions(entry, n)
                source = "computed by your softmax_with_temperature"
            except Exception as error:  # a student's function may fail in any way
                self.say(f"softmax_with_temperature failed ({type(error).__name__}: {error}); showing the "
                         "stored probabilities instead.", error=True)
                full = None
                source = "stored probabilities"
        if full is None:
            shown = stored
            entropies = entry["entropy"]
        else:
            if level == "words":
                top = full[:, entry["top"]]
                shown = np.concatenate([top, 1.0 - top.sum(axis=1, keepdims=True)], axis=1)
            else:
                shown = full
            entropies = np.array([entropy_bits(p) for p in full])
            gap = float(np.max(np.abs(shown - stored)))
            if gap > 1e-4:
                self.say(f"Your softmax_with_temperature gives probabilities that differ from the reference by up "
                         f"to {gap:.3g}: compare the bars with the black T = 1 ticks at T = 1.", error=True)
            else:
                self.say("")
        return shown, entropies, source

    # ------------------------------------------------------------------ figure
    def _build_figure(self):
        self.figure = new_figure(11.5, 4.6)
        self.ax_p = self.figure.add_axes([0.06, 0.3, 0.6, 0.52])
        self.ax_h = self.figure.add_axes([0.75, 0.3, 0.23, 0.52])
        self.bars = self.ax_p.bar(np.arange(MAX_BARS), np.zeros(MAX_BARS), width=0.75, color=BLUE)
        (self.ticks_t1,) = self.ax_p.plot([], [], "_", color="black", markersize=11, markeredgewidth=2,
                                          label="T = 1")
        self.ax_p.set_ylim(0, 1)
        self.ax_p.set_ylabel("probability of the next token")
        self.ax_p.legend(loc="upper right", frameon=False, handlelength=1)

        (self.entropy_line,) = self.ax_h.plot([], [], "-", color=BLUE)
        (self.entropy_dot,) = self.ax_h.plot([], [], "o", color=ORANGE, markersize=8)
        self.uniform_line = self.ax_h.axhline(0, color=GREY, linestyle="--", linewidth=1)
        self.uniform_label = self.ax_h.text(0.11, 0, "", color=GREY, fontsize=9, va="bottom")
        self.ax_h.set_xscale("log")
        self.ax_h.set_xlim(0.09, 5.5)
        self.ax_h.set_xticks([0.1, 0.3, 1, 3], ["0.1", "0.3", "1", "3"])
        self.ax_h.set_xlabel("temperature T (log scale)")
        self.ax_h.set_ylabel("entropy (bits)")
        self.ax_h.set_title("entropy of softmax(z / T)", fontsize=11)

        self.title = self.figure.text(0.06, 0.91, "", fontsize=12)
        self.greedy_text = self.figure.text(0.01, 0.07, "", fontsize=10.5, family="monospace", color="#b35806")
        self.animate(*self.bars, self.entropy_dot, self.title)

    # ------------------------------------------------------------------ events
    def _level_changed(self, change):
        self._switching = True
        try:
            self.context.options = self._context_options(change["new"])
            self.context.value = 0
        finally:
            self._switching = False
        self.show_context()

    def show_context(self):
        """Draw everything that depends on the model and the context, then the temperature's part."""
        level = self.level.value
        data = self.trace[level]
        entry = data["contexts"][self.context.value]
        if self.softmax is None:
            self.say("")
        self.entry = entry
        self.probabilities, self.entropies, self.source = self._distributions(entry, level)
        n_bars = self.probabilities.shape[1]
        if level == "characters":
            labels = [show_char(c) for c in data["vocab"]]
            rotation, size = 0, 11
        else:
            labels = [data["vocab"][i] for i in entry["top"]] + [f"other {len(data['vocab']) - len(entry['top'])}"]
            rotation, size = 55, 10
        for k, bar in enumerate(self.bars):
            bar.set_visible(k < n_bars)
        self.ax_p.set_xlim(-0.6, n_bars - 0.4)
        self.ax_p.set_xticks(np.arange(n_bars), labels, rotation=rotation, ha="right" if rotation else "center",
                             fontsize=size, rotation_mode="anchor" if rotation else "default")
        one = self.temperatures.index(1.0)
        self.ticks_t1.set_data(np.arange(n_bars), self.probabilities[one])

        n = len(data["vocab"])
        self.entropy_line.set_data(self.temperatures, self.entropies)
        self.uniform_line.set_ydata([np.log2(n)] * 2)
        self.uniform_label.set_position((0.1, np.log2(n) + 0.05))
        self.uniform_label.set_text(f"uniform: log2 {n} = {np.log2(n):.2f}")
        self.ax_h.set_ylim(-0.2, np.log2(n) + 0.8)

        end = "↵" if level == "characters" else "<EOS>"
        greedy = entry["greedy"] if level == "characters" else " ".join(entry["greedy"])
        greedy = greedy.replace("\n", "↵")
        rule = "argmax at every step" if level == "characters" else "argmax but <UNK> at every step"
        self.greedy_text.set_text(self._clip(f"greedy ({rule}, the limit T → 0): {entry['context']}│{greedy}", 125))
        self.end_symbol = end
        self.invalidate()
        self.show_temperature()

    @staticmethod
    def _clip(line, width=118):
        return line if len(line) <= width else line[: width - 1] + "…"

    def show_temperature(self):
        """Redraw the bars, the entropy marker and the batch of samples for the slider's temperature."""
        started = time.perf_counter()
        level = self.level.value
        T = self.temperature.value
        k = self.temperatures.index(T)
        p = self.probabilities[k]
        best = int(np.argmax(p[:-1] if level == "words" else p))
        for i, bar in enumerate(self.bars[: len(p)]):
            bar.set_height(p[i])
            bar.set_color(ORANGE if i == best else (GREY if level == "words" and i == len(p) - 1 else BLUE))
        self.entropy_dot.set_data([T], [self.entropies[k]])
        what = "character" if level == "characters" else "word"
        self.title.set_text(f"next {what} after {_context_label(self.entry['context'])} at T = {T:g}:   "
                            f"entropy {self.entropies[k]:.2f} bits    [{self.source}]")
        self.samples.value = self._samples_html(k)
        self.redraw(started)

    def _samples_html(self, k):
        """The batch of sequences sampled at the k-th temperature, as HTML (below the figure)."""
        level, T = self.level.value, self.temperatures[k]
        samples = self.entry["samples"][k]
        context = html.escape(self.entry["context"])
        rows = []
        for sample in samples:
            text = sample if level == "characters" else " ".join(sample)
            text = html.escape(text.replace("\n", "↵"))
            rows.append(f'<span style="color:#888888">{context}</span>│{text}')
        header = (f"<b>{len(samples)} sequences sampled at T = {T:g}</b> (grey: the context; │ marks where "
                  f"sampling starts; {html.escape(self.end_symbol)} is the end token; at most "
                  f"{self.trace[level]['max_length']} tokens are drawn)")
        return (f'<div style="font-size:13px">{header}<pre style="margin:4px 0 0 0; font-size:13px; '
                f'line-height:1.35">' + "\n".join(rows) + "</pre></div>")

    def picture_caption(self):
        return self.samples.value + super().picture_caption()
