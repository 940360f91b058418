"""The name generator of assignment 2, "Dinosaur Island": names sampled by the student's own model.

The widget has no RNN step and no sampling loop of its own (both are the graded exercise): every name
comes from the student's ``sample(parameters, char_to_ix, rng, max_length)``, run with two tricks.

- Temperature ``T``: ``sample`` gets a copy of the parameters in which ``Wya`` and ``by`` are divided
  by ``T``. The logits ``z<t> = Wya a<t> + by`` are then divided by ``T``, so the student's softmax gives
  ``softmax(z<t> / T)`` and the draws come from it.
- Prefix: ``sample`` gets a ``ScriptedDraws`` object instead of a numpy ``Generator``. Its ``choice``
  records the distribution ``p`` of every call, returns the prefix's letters at the first calls (the
  student's own loop feeds them back as ``x<t+1>`` and carries ``a<t>``), then draws from the real
  generator. The recorded ``p`` give the distribution of the next character at every step.
"""

import contextlib
import signal
import string
import textwrap
import threading
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..plots import FigureWidget, new_figure, show_char

TIME_LIMIT = 5.0  # seconds a batch may take before the student's sample is stopped (it may loop forever)
LABEL_COLORS = {"training": "#888888", "unseen real": "#4477aa", "new": "#228833"}
BLUE, ORANGE, GREY, PREFIX_BG = "#4477aa", "#ee7733", "#bbbbbb", "#fff0a0"
WIDTH, HEIGHT = 12.0, 5.8  # figure size in inches
NAMES_BOX = (0.01, 0.2, 0.40, 0.66)  # the names' axes (left, bottom, width, height), figure fraction


class SampleError(Exception):
    """The student's sample failed or broke the rules; the message says how."""


class ScriptedDraws:
    """Stands in for a numpy ``Generator``: forces the first draws, records every distribution.

    ``forced``: list of indices returned by the first ``len(forced)`` calls of ``choice``;
    ``generator``: the real ``np.random.Generator`` used after them (and for any other attribute);
    ``limit``: calls allowed before ``choice`` raises (stops a loop that never ends).
    After the run, ``p`` is the list of the distributions passed to ``choice``, each flattened
    to shape ``(n,)`` (``None`` when ``choice`` was called without ``p``).
    """

    def __init__(self, forced, generator, limit):
        self.forced, self.generator, self.limit = list(forced), generator, limit
        self.p = []

    def choice(self, a, size=None, replace=True, p=None, **kwargs):
        self.p.append(None if p is None else np.array(p, dtype=float).ravel())
        k = len(self.p) - 1
        if k >= self.limit:
            raise SampleError(f"sample called rng.choice more than max_length = {self.limit} times: "
                              "does it stop when the list holds max_length indices?")
        if k < len(self.forced):
            index = np.int64(self.forced[k])
            return index if np.ndim(a) == 0 else np.asarray(a)[index]
        return self.generator.choice(a, size=size, replace=replace, p=p, **kwargs)

    def __getattr__(self, name):
        return getattr(self.generator, name)


@contextlib.contextmanager
def time_limit(seconds):
    """Raise ``TimeoutError`` in the block after ``seconds`` (main thread on Unix; elsewhere no limit)."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"sample did not return within {seconds:g} s (an endless loop?)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _clean(names):
    return {name.strip().lower() for name in names or ()}


class NameGenerator(FigureWidget):
    """Names invented by the student's trained character-level RNN, with temperature and a prefix.

    ``sample(parameters, char_to_ix, rng, max_length)`` is the student's function (one index per
    ``rng.choice(n, p=ŷ<t>.ravel())``, stops after ``"\\n"`` or ``max_length`` indices);
    ``parameters``: ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``Wya (n_y, n_a)``, ``b (n_a, 1)``,
    ``by (n_y, 1)``; ``char_to_ix``: character -> index, ``"\\n"`` ends a name; ``training_names``:
    the names the model was trained on; ``all_names``: every real name known (training or not).

    Temperature ``T``: ``sample`` runs on a copy of ``parameters`` with ``Wya / T`` and ``by / T``, so it
    draws from ``softmax(z / T)``. Prefix: ``sample`` gets a ``ScriptedDraws`` as ``rng``, which returns
    the prefix's letters at the first draws and records ``p`` at every draw.

    After each batch: ``names`` (list of str, without ``"\\n"``), ``labels`` (``"training"``,
    ``"unseen real"`` or ``"new"`` for each name), ``cut`` (bools: stopped at ``max_length``),
    ``novelty`` (share of ``"new"``), and for the name selected by ``which``: ``distributions``,
    array ``(steps, n_y)`` whose row ``k`` is the ``p`` of the ``k``-th draw.
    """

    def __init__(self, sample, parameters, char_to_ix, training_names, all_names=None, seed=0, batch=8,
                 max_length=30):
        self.sample, self.parameters = sample, parameters
        self.char_to_ix = dict(char_to_ix)
        self.ix_to_char = {ix: char for char, ix in self.char_to_ix.items()}
        self.n = len(self.char_to_ix)
        self.end = self.char_to_ix["\n"]
        self.training = _clean(training_names)
        self.real = self.training | _clean(all_names)
        self.batch, self.max_length = batch, max_length
        self.rng = np.random.default_rng(seed)
        self.batch_number = 0
        self._history = {}  # (T, prefix) -> {batch number: (new names, names)}
        self._quiet = False

        self.temperature = widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=0.7, step=0.05,  # 0.1 to 5
                                                  description="temperature T", readout_format=".2f",
                                                  continuous_update=False, style={"description_width": "initial"})
        self.prefix = widgets.Text(value="", description="prefix", continuous_update=False,
                                   placeholder="e.g. tyr", layout=widgets.Layout(width="16em"))
        self.new_names = widgets.Button(description="New names", icon="refresh")
        self.which = widgets.Dropdown(description="inspect", layout=widgets.Layout(width="22em"))
        self.t = widgets.IntSlider(value=1, min=1, max=1, description="step t")
        self.play = widgets.Play(value=1, min=1, max=1, interval=700)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        self._build_figure()
        self._assemble(widgets.HBox([self.temperature, self.prefix, self.new_names]),
                       widgets.HBox([self.which, self.play, self.t]))

        self.new_names.on_click(lambda button: self.draw_batch())
        self.temperature.observe(lambda change: self.show_batch(), "value")
        self.prefix.observe(lambda change: self.show_batch(), "value")
        self.which.observe(lambda change: None if self._quiet else self.show_name(), "value")
        self.t.observe(lambda change: None if self._quiet else self.show_step(), "value")
        self.draw_batch()

    # ------------------------------------------------------------------ figure
    def _build_figure(self):
        self.figure = new_figure(WIDTH, HEIGHT)
        fig = self.figure
        self.header = fig.text(0.01, 0.93, "", fontsize=12, weight="bold")
        ax = self.ax_names = fig.add_axes(NAMES_BOX)
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(self.batch, 0)
        # Monospace names: the sampled part starts right after the prefix, len(prefix) characters on.
        size = min(11.0, 0.56 * NAMES_BOX[2] * WIDTH * 72 / (0.602 * self.max_length))
        self._char_width = 0.602 * size / 72 / (NAMES_BOX[2] * WIDTH)
        self.x_name = 0.06
        row = dict(va="center", family="monospace", fontsize=size)
        self.numbers = [ax.text(0.0, k + 0.5, f"{k + 1}", color=GREY, **row) for k in range(self.batch)]
        self.prefix_texts = [ax.text(self.x_name, k + 0.5, "", color="black", **row,
                                     bbox=dict(facecolor=PREFIX_BG, edgecolor="none", pad=1))
                             for k in range(self.batch)]
        self.rest_texts = [ax.text(self.x_name, k + 0.5, "", weight="bold", **row) for k in range(self.batch)]
        self.tag_texts = [ax.text(0.66, k + 0.5, "", va="center", fontsize=10) for k in range(self.batch)]
        self.row_frame = ax.add_patch(Rectangle((-0.01, 0.05), 1.0, 0.9, fill=False, edgecolor="black",
                                                linewidth=1.5, clip_on=False))
        legend = [(0.01, "■ in the training list", LABEL_COLORS["training"]),
                  (0.165, "■ real genus, never seen", LABEL_COLORS["unseen real"]),
                  (0.335, "■ new (invented)", LABEL_COLORS["new"])]
        for x, text, color in legend:
            fig.text(x, 0.155, text, color=color, fontsize=10, weight="bold")
        fig.text(0.01, 0.12, "yellow: the forced prefix    …: cut at max_length without ↵    "
                 "frame: the name inspected", fontsize=10, color="#333333")

        self.ax_p = fig.add_axes([0.47, 0.55, 0.515, 0.27])
        vocab = np.arange(self.n)
        self.bars = self.ax_p.bar(vocab, np.zeros(self.n), width=0.75, color=BLUE)
        self.ax_p.set_xlim(-0.6, self.n - 0.4)
        self.ax_p.set_ylim(0, 1)
        self.ax_p.set_xticks(vocab, [show_char(self.ix_to_char[i]) for i in vocab], fontsize=10)
        self.ax_p.set_ylabel("probability")
        self.p_title = self.ax_p.set_title("", fontsize=11, loc="left")

        self.ax_s = fig.add_axes([0.47, 0.2, 0.515, 0.24])
        slots = np.arange(self.max_length)
        self.strip = self.ax_s.bar(slots, np.zeros(self.max_length), width=0.75, color=BLUE)
        self.ax_s.set_xlim(-0.6, self.max_length - 0.4)
        self.ax_s.set_ylim(0, 1)
        self.ax_s.set_xticks([])
        self.ax_s.set_ylabel("p of the drawn\ncharacter")
        self.ax_s.set_title("the inspected name: the probability of each character it drew (grey: forced)",
                            fontsize=10, loc="left")
        below = self.ax_s.get_xaxis_transform()
        self.strip_chars = [self.ax_s.text(k, -0.04, "", transform=below, ha="center", va="top", fontsize=11,
                                           family="monospace") for k in slots]
        self.step_frame = self.ax_s.add_patch(Rectangle((-0.5, 0), 1, 1, transform=below, fill=False,
                                                        edgecolor=ORANGE, linewidth=2, clip_on=False))
        self.caption = fig.text(0.01, 0.01, "", fontsize=10, color="#333333", linespacing=1.4)
        self.animate(self.row_frame, *self.bars, self.p_title, *self.strip, *self.strip_chars, self.step_frame)

    # ------------------------------------------------------------------ running the student's sample
    def _scaled_parameters(self, T):
        """A copy of the parameters with ``Wya`` and ``by`` divided by ``T``: logits ``z / T``."""
        copy = {key: np.array(value, dtype=float) if isinstance(value, np.ndarray) else value
                for key, value in self.parameters.items()}
        copy["Wya"] = copy["Wya"] / T
        copy["by"] = copy["by"] / T
        return copy

    def _run_sample(self, T, forced, generator):
        """One name from the student's sample: (indices, p of every draw as an array (steps, n))."""
        draws = ScriptedDraws(forced, generator, limit=self.max_length)
        try:
            indices = self.sample(self._scaled_parameters(T), dict(self.char_to_ix), draws,
                                  max_length=self.max_length)
        except Exception as error:  # a student's function may fail in any way
            if isinstance(error, SampleError):
                raise
            raise SampleError(f"your sample raised {type(error).__name__}: {error}") from error
        self._check(indices, draws.p, forced)
        return [int(i) for i in indices], np.array(draws.p)

    def _check(self, indices, p, forced):
        """Raise ``SampleError`` when ``indices`` or the recorded draws ``p`` break the rules."""
        n, m = self.n, self.max_length
        if not isinstance(indices, list):
            raise SampleError(f"your sample returned a {type(indices).__name__}, expected a list of int indices")
        for k, ix in enumerate(indices):
            if isinstance(ix, bool) or not isinstance(ix, (int, np.integer)) or not 0 <= ix < n:
                raise SampleError(f"your sample returned {ix!r} at position {k}: expected int indices 0 to {n - 1}")
        if not indices:
            raise SampleError("your sample returned an empty list: a name has at least one character")
        if len(p) != len(indices):
            raise SampleError(
                f"your sample called rng.choice {len(p)} times for {len(indices)} indices: draw each index with "
                "exactly one rng.choice(n, p=ŷ.ravel()) on the rng it is given (not argmax, not np.random)")
        if indices[:len(forced)] != forced:
            raise SampleError("the name does not start with the forced prefix: append the index that rng.choice "
                              "returns and feed that index back as the one-hot x<t+1>")
        for k, row in enumerate(p):
            if row is None or row.shape != (n,):
                got = "no p" if row is None else f"p of shape {row.shape}"
                raise SampleError(f"rng.choice got {got} at draw {k + 1}: pass p=ŷ.ravel(), {n} probabilities")
        if self.end in indices[:-1]:
            raise SampleError("your sample went on after drawing '\\n': stop right after it (and include it)")
        if len(indices) > m or (indices[-1] != self.end and len(indices) < m):
            raise SampleError(f"your sample returned {len(indices)} indices without a final '\\n': stop after "
                              f"'\\n' or when the list holds max_length = {m} indices")

    def _read_prefix(self):
        prefix = self.prefix.value.strip().lower()
        if any(char not in string.ascii_lowercase or char not in self.char_to_ix for char in prefix):
            raise SampleError(f"the prefix {self.prefix.value!r} must be letters a–z only")
        if len(prefix) >= self.max_length:
            raise SampleError(f"the prefix must be shorter than max_length = {self.max_length}")
        return prefix

    # ------------------------------------------------------------------ events
    def draw_batch(self):
        """A new batch (the "New names" button): the widget's generator advances by one batch seed."""
        self._batch_seed = int(self.rng.integers(2**63))
        self.batch_number += 1
        self.show_batch()

    def show_batch(self):
        """Run the student's sample ``batch`` times with the current temperature and prefix, and redraw.

        Within one batch (until "New names") the same random stream is used, so moving the temperature
        or typing a prefix shows how the same batch changes."""
        started = time.perf_counter()
        T = float(self.temperature.value)
        generator = np.random.default_rng(self._batch_seed)
        try:
            prefix = self._read_prefix()
            forced = [self.char_to_ix[char] for char in prefix]
            with time_limit(TIME_LIMIT):
                runs = [self._run_sample(T, forced, generator) for _ in range(self.batch)]
        except (SampleError, TimeoutError) as error:
            self._show_failure(str(error))
            return
        self.forced = forced
        self._indices = [indices for indices, _ in runs]
        self._p = [p for _, p in runs]
        self.cut = [indices[-1] != self.end for indices in self._indices]
        self.names = ["".join(self.ix_to_char[i] for i in indices if i != self.end) for indices in self._indices]
        self.labels = ["training" if name in self.training else "unseen real" if name in self.real else "new"
                       for name in self.names]
        new = self.labels.count("new")
        self.novelty = new / len(self.names)
        seen = self._history.setdefault((round(T, 6), prefix), {})
        seen[self.batch_number] = (new, len(self.names))
        all_new, all_names = (sum(column) for column in zip(*seen.values()))

        for k in range(self.batch):
            name, label = self.names[k], self.labels[k]
            self.prefix_texts[k].set_text(name[:len(prefix)])
            self.prefix_texts[k].set_visible(bool(prefix))
            rest = name[len(prefix):] + ("…" if self.cut[k] else "")
            self.rest_texts[k].set_text(rest if name else "(empty: ↵ first)")
            self.rest_texts[k].set_x(self.x_name + len(prefix) * self._char_width)
            self.rest_texts[k].set_color(LABEL_COLORS[label])
            self.tag_texts[k].set_text(label + (", cut" if self.cut[k] else ""))
            self.tag_texts[k].set_color(LABEL_COLORS[label])
        about = f", prefix '{prefix}'" if prefix else ""
        self.header.set_text(f"batch {self.batch_number}: {self.batch} names drawn by your sample() at T = {T:.2f}"
                             f"{about}")
        self.header.set_color("black")
        forcing = (f"\nPrefix: the first {len(prefix)} calls of rng.choice return the letters of '{prefix}'; your "
                   "loop feeds them back as x<t+1>, so a<t> carries them, and the widget records p at every call."
                   if prefix else "")
        batches = f"{len(seen)} batch" + ("es" if len(seen) > 1 else "")
        self.caption.set_text(
            f"novelty: {new} of {len(self.names)} names of this batch are new ({self.novelty:.0%}); over the "
            f"{batches} drawn at this T and prefix: {all_new} of {all_names} ({all_new / all_names:.0%})\n"
            f"Temperature: your sample() runs on Wya / T and by / T, so it draws from softmax(z / T).{forcing}")
        self.caption.set_color("#333333")
        self.say("")

        self._quiet = True
        try:
            selected = self.which.value or 0
            self.which.options = [(f"{k + 1}: {name or '(empty)'}", k) for k, name in enumerate(self.names)]
            self.which.value = min(selected, len(self.names) - 1)
        finally:
            self._quiet = False
        self.invalidate()
        self.show_name(started)

    def _show_failure(self, message):
        """No batch: clear the figure and say why in red."""
        self.names, self.labels, self.cut, self._indices, self._p = [], [], [], [], []
        self.novelty = float("nan")
        self.distributions = np.zeros((0, self.n))
        for text in (*self.prefix_texts, *self.rest_texts, *self.tag_texts):
            text.set_text("")
        self.header.set_text("no names: see the message below")
        self.header.set_color("#b00020")
        self.caption.set_text(textwrap.fill(message, 150))
        self.caption.set_color("#b00020")
        for bar in (*self.bars, *self.strip):
            bar.set_height(0)
        for text in self.strip_chars:
            text.set_text("")
        self.p_title.set_text("")
        self.row_frame.set_visible(False)
        self.step_frame.set_visible(False)
        self._quiet = True
        try:
            self.which.options = []
            self.t.max = self.play.max = 1
        finally:
            self._quiet = False
        self.invalidate()
        self.redraw()
        self.say(message, error=True)

    def show_name(self, started=None):
        """Show the name selected by ``which``: its frame, its strip, then step ``t``."""
        started = time.perf_counter() if started is None else started
        k = self.which.value
        indices = self._indices[k]
        self.distributions = self._p[k]
        steps = len(indices)
        self.row_frame.set_y(k + 0.05)
        self.row_frame.set_visible(True)
        for slot, (bar, text) in enumerate(zip(self.strip, self.strip_chars)):
            if slot < steps:
                bar.set_height(self.distributions[slot, indices[slot]])
                bar.set_color(GREY if slot < len(self.forced) else BLUE)
                text.set_text(show_char(self.ix_to_char[indices[slot]]))
            else:
                bar.set_height(0)
                text.set_text("")
        # As FigureWidget.new_sequence: limit t and play to the name, then redraw once.
        self._quiet = True
        try:
            self.t.max = self.play.max = steps
        finally:
            self._quiet = False
        self.show_step(started)

    def show_step(self, started=None):
        """Bars of ``p`` at step ``t`` of the selected name (the drawn character in orange)."""
        started = time.perf_counter() if started is None else started
        if not self.names:
            self.redraw(started)
            return
        t = self.t.value
        p = self.distributions[t - 1]
        drawn = self._indices[self.which.value][t - 1]
        for i, bar in enumerate(self.bars):
            bar.set_height(p[i])
            bar.set_color(ORANGE if i == drawn else BLUE)
        char = show_char(self.ix_to_char[drawn])
        how = "forced by the prefix" if t <= len(self.forced) else "drawn by rng.choice"
        self.p_title.set_text(
            f"step t = {t}: distribution ŷ<{t}> of the next character (T = {self.temperature.value:.2f})\n"
            f"'{char}' {how}; the model gave it p = {p[drawn]:.3f}")
        self.step_frame.set_x(t - 1.5)
        self.step_frame.set_visible(True)
        self.redraw(started)
