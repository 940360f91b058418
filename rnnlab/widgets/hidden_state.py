"""The hidden-state explorer of the lecture "Recurrent neural network model"."""

import time

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..data import load_char_rnn, load_hidden_state_traces
from ..plots import FigureWidget, new_figure, show_char


class HiddenStateExplorer(FigureWidget):
    """Watch the hidden state ``a<t>`` of a character-level RNN as it reads a string.

    Left: the heatmap of ``a<t>`` (units x time) with step ``t`` framed. Middle: the values
    of ``a<t>``. Right: the most likely next characters under ``ŷ<t>``.

    ``step_fn`` is an RNN step with the interface of the exercise, ``step_fn(xt, a_prev,
    parameters) -> (a_next, yt_hat)`` with ``xt (n_x, 1)``, ``a_prev (n_a, 1)``; it is run with
    the course's trained parameters on any string typed in. Without it (or when it fails) the
    widget shows the traces precomputed for the example strings.
    """

    def __init__(self, step_fn=None, top_k=6):
        self.step_fn = step_fn
        self.parameters, self.vocab = load_char_rnn()
        self.traces = {trace["text"]: trace for trace in load_hidden_state_traces()}
        self.n_a = self.parameters["Waa"].shape[0]
        self.top_k = top_k

        first = next(iter(self.traces))
        self.example = widgets.Dropdown(options=list(self.traces), value=first, description="example")
        self.text = widgets.Text(
            value=first, description="text", continuous_update=False, disabled=step_fn is None,
            placeholder="type lowercase letters, spaces, '.' and ','",
            layout=widgets.Layout(width="26em"))
        self.t = widgets.IntSlider(value=1, min=1, max=len(first), description="t")
        self.play = widgets.Play(value=1, min=1, max=len(first), interval=600)
        widgets.jslink((self.play, "value"), (self.t, "value"))
        self._build_figure()
        self._assemble(widgets.HBox([self.example, self.text]), widgets.HBox([self.play, self.t]))

        self.example.observe(self._example_picked, "value")
        self.text.observe(lambda change: self.show_text(change["new"]), "value")
        self.t.observe(lambda change: self.show_step(), "value")
        self.show_text(first)

    def _example_picked(self, change):
        if change["new"] is not None:  # None: the text typed in is not one of the examples
            self.text.value = change["new"]

    def _build_figure(self):
        self.figure = new_figure(11, 3.9)
        n_y = len(self.vocab)
        self.ax_heat = self.figure.add_axes([0.06, 0.2, 0.5, 0.66])
        self.ax_state = self.figure.add_axes([0.64, 0.2, 0.13, 0.66])
        self.ax_next = self.figure.add_axes([0.83, 0.2, 0.15, 0.66])

        self.heatmap = self.ax_heat.imshow(np.zeros((self.n_a, 1)), cmap="RdBu_r", vmin=-1, vmax=1,
                                           aspect="auto", interpolation="nearest")
        self.figure.colorbar(self.heatmap, ax=self.ax_heat, fraction=0.03, pad=0.01)
        self.frame = self.ax_heat.add_patch(
            Rectangle((-0.5, -0.5), 1, self.n_a, fill=False, edgecolor="black", linewidth=2.5))
        self.ax_heat.set_ylabel("hidden unit")
        self.ax_heat.set_yticks(range(0, self.n_a, 2))
        self.ax_heat.set_title(r"hidden states $a^{\langle t\rangle}$, one column per step")

        units = np.arange(self.n_a)
        self.state_bars = self.ax_state.barh(units, np.zeros(self.n_a), color="#4477aa")
        self.ax_state.set_xlim(-1, 1)
        self.ax_state.set_ylim(self.n_a - 0.5, -0.5)
        self.ax_state.axvline(0, color="black", linewidth=0.8)
        self.ax_state.set_yticks(range(0, self.n_a, 2))
        self.state_title = self.ax_state.set_title("")

        self.next_bars = self.ax_next.bar(range(self.top_k), np.zeros(self.top_k), color="#ee7733")
        self.ax_next.set_ylim(0, 1)
        self.ax_next.set_xlim(-0.6, self.top_k - 0.4)
        self.ax_next.set_xticks([])
        below_axis = self.ax_next.get_xaxis_transform()
        self.next_labels = [self.ax_next.text(i, -0.03, "", transform=below_axis, ha="center", va="top",
                                              fontsize=12) for i in range(min(self.top_k, n_y))]
        self.next_title = self.ax_next.set_title("")
        self.ax_next.set_ylabel("probability")
        self.caption = self.figure.text(0.06, 0.035, "", fontsize=11)
        self.animate(self.frame, *self.state_bars, self.state_title, *self.next_bars, *self.next_labels,
                     self.next_title, self.caption)

    def _run_step_fn(self, text):
        """Run ``step_fn`` over ``text``; returns ``a (n_a, T)`` and ``y_hat (n_y, T)``."""
        unknown = sorted(set(text) - set(self.vocab))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        if not text:
            raise ValueError("type at least one character")
        n_x = len(self.vocab)
        a_prev = np.zeros((self.n_a, 1))
        states, predictions = [], []
        for char in text:
            xt = np.zeros((n_x, 1))
            xt[self.vocab.index(char)] = 1.0
            result = self.step_fn(xt, a_prev, self.parameters)
            a_next, yt_hat = (np.asarray(value, dtype=float) for value in result)
            if a_next.shape != (self.n_a, 1) or yt_hat.shape != (n_x, 1):
                raise ValueError(f"step_fn returned shapes {a_next.shape} and {yt_hat.shape}, "
                                 f"expected ({self.n_a}, 1) and ({n_x}, 1)")
            states.append(a_next[:, 0])
            predictions.append(yt_hat[:, 0])
            a_prev = a_next
        return np.stack(states, axis=1), np.stack(predictions, axis=1)

    def show_text(self, text):
        """Run the RNN over ``text`` (or look up its trace) and redraw."""
        text = text.lower()
        try:
            if self.step_fn is None:
                raise LookupError("no step_fn given")
            a, y_hat = self._run_step_fn(text)
            self.source = "your step function"
            self.say("")
        except Exception as error:  # a student's function may fail in any way
            if text not in self.traces:
                self.say(f"Could not run the RNN on {text!r}: {type(error).__name__}: {error}", error=True)
                return
            a, y_hat = self.traces[text]["a"], self.traces[text]["y_hat"]
            self.source = "precomputed trace"
            if self.step_fn is not None:
                self.say(f"Your step function failed ({type(error).__name__}: {error}); "
                         "showing the precomputed trace instead.", error=True)
        self.sequence, self.a, self.y_hat = text, a, y_hat
        self.example.value = text if text in self.traces else None
        steps = len(text)
        self.heatmap.set_data(a)
        self.heatmap.set_extent((-0.5, steps - 0.5, self.n_a - 0.5, -0.5))
        self.ax_heat.set_xticks(range(steps), [show_char(char) for char in text])
        self.new_sequence(steps)

    def show_step(self):
        """Frame step ``t`` and show ``x<t>``, ``a<t>`` and ``ŷ<t>``."""
        started = time.perf_counter()
        t = self.t.value
        column = t - 1
        self.frame.set_x(column - 0.5)
        state = self.a[:, column]
        for bar, value in zip(self.state_bars, state):
            bar.set_width(value)
        self.state_title.set_text(rf"$a^{{\langle {t}\rangle}}$")

        probabilities = self.y_hat[:, column]
        best = np.argsort(probabilities)[::-1][: self.top_k]
        for bar, index in zip(self.next_bars, best):
            bar.set_height(probabilities[index])
        for label, index in zip(self.next_labels, best):
            label.set_text(show_char(self.vocab[index]))
        self.next_title.set_text(rf"$\hat{{y}}^{{\langle {t}\rangle}}$: next character")

        char = self.sequence[column]
        self.caption.set_text(
            rf"step $t={t}$:  $x^{{\langle {t}\rangle}}$ = '{show_char(char)}'   "
            rf"most likely next: '{show_char(self.vocab[best[0]])}' ({probabilities[best[0]]:.2f})"
            f"   [{self.source}]")
        self.redraw(started)
