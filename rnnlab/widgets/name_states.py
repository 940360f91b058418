"""The name-state explorer of the assignment "Dinosaur Island".

Which hidden units of the student's trained character-level RNN react to vowels, to "saurus", to the
end of a name? The widget runs the student's step function over every dinosaur name, collects every
hidden state ``a<t>`` with three features of the character just read, and scores each unit by an
effect size. It then shows the hidden states of one typed name, rows ordered by that score.

The RNN step is a graded exercise, so it is not here: the widget takes it as an argument.
"""

import textwrap
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

from ..plots import FigureWidget, new_figure

FEATURES = ("vowels", "inside 'saurus'", "end of the name")
VOWELS = set("aeiou")
LETTERS = set("abcdefghijklmnopqrstuvwxyz")
STD_FLOOR = 1e-3  # a unit that hardly moves (std below this) does not get a large score
MAX_LETTERS = 40  # a typed name longer than this is refused (its columns would be unreadable)
TIME_LIMIT = 5.0  # seconds for the analysis of all the names; a slow step stops it early
ORANGE, BLUE, GREY, PURPLE = "#ee7733", "#35608d", "#bbbbbb", "#7a5195"
FEATURE_COLORS = {"vowels": "#1b7837", "inside 'saurus'": "#b2182b", "end of the name": "#7a5195"}
# How the caption says "where the feature holds" and "where it does not".
FEATURE_WORDS = {"vowels": ("after reading a vowel (a, e, i, o, u)", "after any other input"),
                 "inside 'saurus'": ("while reading the letters of 'saurus'", "elsewhere"),
                 "end of the name": ("at the last letter of a name", "at the other steps")}


def step_features(name):
    """The features of the character read at each step of ``name``: dict feature -> bool array ``(T,)``.

    ``T = len(name) + 1``: step 1 reads the zero vector ``x<1>`` (no feature holds), step ``t + 1``
    reads the ``t``-th letter. "inside 'saurus'": the letter is part of an occurrence of "saurus";
    "end of the name": the letter is the last one (the step whose ``ŷ`` should predict "\\n").
    """
    letters = np.array(list(name))
    vowels = np.isin(letters, list(VOWELS)) if len(name) else np.zeros(0, bool)
    saurus = np.zeros(len(name), bool)
    start = name.find("saurus")
    while start >= 0:
        saurus[start:start + 6] = True
        start = name.find("saurus", start + 1)
    end = np.arange(len(name)) == len(name) - 1
    return {feature: np.concatenate([[False], mask]) for feature, mask in zip(FEATURES, (vowels, saurus, end))}


def selectivity_scores(a, holds):
    """Effect size of each unit for one feature: ``a (n_a, N)`` states, ``holds (N,)`` bool.

    ``(mean where it holds - mean where it does not) / pooled std`` (std floored at ``STD_FLOOR``);
    an array ``(n_a,)``, all zeros when either group is empty.
    """
    n1, n0 = int(holds.sum()), int((~holds).sum())
    if n1 == 0 or n0 == 0:
        return np.zeros(a.shape[0])
    inside, outside = a[:, holds], a[:, ~holds]
    m1, m0 = inside.mean(axis=1), outside.mean(axis=1)
    squares = ((inside - m1[:, None]) ** 2).sum(axis=1) + ((outside - m0[:, None]) ** 2).sum(axis=1)
    pooled = np.sqrt(squares / max(n1 + n0 - 2, 1))
    return (m1 - m0) / np.maximum(pooled, STD_FLOOR)


class NameStateExplorer(FigureWidget):
    """Which hidden units of a trained character-level RNN react to vowels, to "saurus", to the end?

    ``step(xt, a_prev, parameters) -> (a_next, yt_hat)`` is the notebook's RNN step: ``xt (n_x, 1)``
    (a one-hot or zeros), ``a_prev, a_next (n_a, 1)``, ``yt_hat (n_y, 1)``. ``parameters`` holds
    ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``Wya (n_y, n_a)`` and the biases; ``char_to_ix`` maps
    "\\n" and the letters to indices; ``names`` is the list of training names.

    At construction the step reads every name (``a<0> = 0``, ``x<1> = 0``, then the letters) and
    ``selectivity[feature]`` (array ``(n_a,)``) scores each unit for each feature (``FEATURES``).
    The figure shows, for the typed name: the heatmap of ``a`` (units x steps, rows by selectivity,
    the ``top_k`` units outlined, the feature's steps marked), the selectivity of every unit, the
    selected unit's ``a<t>`` with the probability ``p_end`` of "\\n" under ``ŷ<t>``, and a caption.
    """

    def __init__(self, step, parameters, char_to_ix, names, name="tyrannosaurus", top_k=3,
                 time_limit=TIME_LIMIT):
        self.step, self.parameters, self.char_to_ix = step, parameters, dict(char_to_ix)
        self.n_a = int(np.shape(parameters["Waa"])[0])
        self.n_x = len(self.char_to_ix)
        self.end_index = self.char_to_ix.get("\n", 0)
        self.top_k = max(1, min(int(top_k), self.n_a))
        self.note = ""  # what the analysis has to say, shown with every status message
        self._analyse(names, time_limit)

        self.text = widgets.Text(value=name, description="name", continuous_update=False,
                                 placeholder="type a name, letters a-z")
        self.feature = widgets.Dropdown(options=list(FEATURES), value=FEATURES[0], description="feature")
        self.unit = widgets.Dropdown(options=[(f"unit {k}", k) for k in range(self.n_a)], value=self.best_unit(),
                                     description="unit", layout=widgets.Layout(width="12em"))
        self._build_figure()
        self._assemble(widgets.HBox([self.text, self.feature, self.unit]))
        self._holding = False
        self.text.observe(self.on_text, "value")
        self.feature.observe(self.on_feature, "value")
        self.unit.observe(self.on_unit, "value")

        if not self.show_name(name):  # the step fails: show an empty picture, keep the message
            failure, clean = self.status.value, name.strip().lower()
            clean = clean if set(clean) <= LETTERS else ""
            self._show(clean, np.zeros((self.n_a, len(clean) + 1)), np.zeros(len(clean) + 1))
            self.status.value = failure
            if self.note_is_error:  # the same failure twice: say it once
                self.say(f"{self.note} Nothing to show until the step works.", error=True)

    # -- running the student's step -------------------------------------------------------------

    def run_name(self, name):
        """Run the step over ``name``; returns ``a (n_a, T)`` and ``p_end (T,)``, ``T = len(name) + 1``."""
        n_a, n_x = self.n_a, self.n_x
        a_prev = np.zeros((n_a, 1))
        states, p_end = np.zeros((n_a, len(name) + 1)), np.zeros(len(name) + 1)
        for column, index in enumerate([None] + [self.char_to_ix[char] for char in name]):
            xt = np.zeros((n_x, 1))
            if index is not None:
                xt[index, 0] = 1.0
            try:
                result = self.step(xt, a_prev, self.parameters)
            except Exception as error:
                raise RuntimeError(f"your step raised {type(error).__name__}: {error} (at step t = {column + 1})")
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise ValueError("the step must return the 2 values (a_next, yt_hat)")
            a_next, yt_hat = (np.asarray(value, dtype=float) for value in result)
            if np.shape(a_next) != (n_a, 1) or np.shape(yt_hat) != (n_x, 1):
                raise ValueError(f"the step returned shapes {np.shape(a_next)} and {np.shape(yt_hat)}, "
                                 f"expected ({n_a}, 1) and ({n_x}, 1)")
            states[:, column] = a_next[:, 0]
            p_end[column] = yt_hat[self.end_index, 0]
            a_prev = a_next
        if not (np.all(np.isfinite(states)) and np.all(np.isfinite(p_end))):
            raise ValueError("the step returned NaN or infinite values")
        return states, p_end

    def _analyse(self, names, time_limit):
        """Run every name, collect its states and features, and score the units."""
        started = time.perf_counter()
        runs, masks, failed = [], [], None
        usable = [name.strip().lower() for name in names]
        usable = [name for name in usable if name and set(name) <= LETTERS and set(name) <= set(self.char_to_ix)]
        skipped = len(names) - len(usable)
        for name in usable:
            try:
                runs.append(self.run_name(name)[0])
            except Exception as error:
                failed = f"The analysis of the names failed on {name!r}: {error}."
                break
            masks.append(step_features(name))
            if time.perf_counter() - started > time_limit:
                break
        self.analysed = len(runs)  # how many names were read
        if failed or not runs:
            self.states, self.holds = np.zeros((self.n_a, 0)), {feature: np.zeros(0, bool) for feature in FEATURES}
        else:
            self.states = np.concatenate(runs, axis=1)
            self.holds = {feature: np.concatenate([mask[feature] for mask in masks]) for feature in FEATURES}
        self.selectivity = {feature: selectivity_scores(self.states, self.holds[feature]) for feature in FEATURES}
        notes = [failed or ""]
        if not failed and self.analysed < len(usable):
            notes.append(f"The analysis stopped after {time_limit:g} s: the scores use the first "
                         f"{self.analysed} of {len(usable)} names.")
        if skipped:
            notes.append(f"{skipped} name{'s' if skipped > 1 else ''} with characters other than a-z "
                         f"{'were' if skipped > 1 else 'was'} left out.")
        if not usable:
            notes.append("No name to analyse: the selectivity scores are all 0.")
        self.note = " ".join(note for note in notes if note)
        self.note_is_error = bool(failed)
        self.analysis_ms = 1000 * (time.perf_counter() - started)

    def best_unit(self, feature=None):
        """The unit with the highest selectivity for ``feature`` (the chosen one by default)."""
        feature = feature or (self.feature.value if hasattr(self, "feature") else FEATURES[0])
        return int(np.argmax(self.selectivity[feature]))

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self):
        n_a, top_k = self.n_a, self.top_k
        self.figure = new_figure(11.25, 7.2)
        ax = self.ax_heat = self.figure.add_axes([0.09, 0.43, 0.46, 0.48])
        self.heatmap = ax.imshow(np.zeros((n_a, 2)), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
                                 interpolation="nearest")
        bar = self.figure.colorbar(self.heatmap, cax=self.figure.add_axes([0.555, 0.43, 0.008, 0.48]))
        bar.ax.tick_params(labelsize=8, length=2, pad=1)
        ax.set_yticks([])
        ax.set_ylabel("hidden units, most selective at the top", fontsize=10, labelpad=40)
        ax.tick_params(axis="x", labelsize=11, length=0)
        ax.set_title(r"hidden states $a^{\langle t\rangle}$", fontsize=11, pad=16, loc="right")
        rows = ax.get_yaxis_transform()  # x in axes coordinates, y in rows
        ax.add_patch(Rectangle((0, -0.5), 1, top_k, transform=rows, fill=False, edgecolor="black", linewidth=2))
        self.top_label = ax.text(0, 1.05, "", transform=ax.transAxes, ha="left", va="bottom", fontsize=9,
                                 fontweight="bold")
        self.unit_row = ax.add_patch(Rectangle((0, -0.5), 1, 1, transform=rows, fill=False, edgecolor=ORANGE,
                                               linewidth=2))
        self.unit_label = ax.text(-0.01, 0, "", transform=rows, ha="right", va="center", fontsize=8.5,
                                  fontweight="bold", color=ORANGE)
        (self.feature_marks,) = ax.plot([], [], "v", markersize=7, clip_on=False,
                                        transform=ax.get_xaxis_transform())

        ax = self.ax_bars = self.figure.add_axes([0.64, 0.43, 0.2, 0.49])
        self.bars = ax.barh(np.arange(n_a), np.zeros(n_a), height=0.8, color=GREY)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_ylim(n_a - 0.5, -0.5)
        ax.set_yticks([])
        ax.tick_params(labelsize=9)
        ax.set_xlabel("selectivity d (effect size)", fontsize=10)
        self.bars_title = ax.set_title("", fontsize=11, pad=14)
        self.bar_label = ax.text(0, 0, "", fontsize=9, va="center", color=ORANGE, fontweight="bold")

        ax = self.ax_line = self.figure.add_axes([0.09, 0.08, 0.46, 0.24])
        ax.axhline(0, color="#999999", linewidth=0.8)
        self.shading = ax.imshow(np.zeros((1, 2, 4)), extent=(-0.5, 1.5, -1.1, 1.1), aspect="auto",
                                 interpolation="nearest")
        (self.unit_line,) = ax.plot([], [], "-o", color=ORANGE, markersize=4, linewidth=1.8,
                                    label=r"$a^{\langle t\rangle}$ of the unit")
        (self.end_line,) = ax.plot([], [], "--s", color=PURPLE, markersize=3, linewidth=1.3,
                                   label=r"P(↵) under $\hat{y}^{\langle t\rangle}$")
        ax.set_ylim(-1.1, 1.1)
        ax.tick_params(axis="x", labelsize=11, length=0)
        ax.tick_params(axis="y", labelsize=9)
        ax.set_xlabel(r"character read $x^{\langle t\rangle}$", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.05), fontsize=9, frameon=False)
        self.line_title = ax.set_title("", fontsize=11, pad=4)
        self.caption = self.figure.text(0.64, 0.235, "", fontsize=9.5, va="top", linespacing=1.35)
        self.animate(self.heatmap, self.top_label, self.unit_row, self.unit_label, self.feature_marks,
                     *self.bars, self.bars_title, self.bar_label, self.shading, self.unit_line, self.end_line,
                     self.line_title, self.caption)

    # -- observers ------------------------------------------------------------------------------

    def on_text(self, change):
        """Observer of ``text``: read the new name."""
        self.show_name(change["new"])

    def on_feature(self, change):
        """Observer of ``feature``: select the most selective unit and redraw."""
        try:
            started = time.perf_counter()
            self._holding = True
            self.unit.value = self.best_unit()
            self._holding = False
            self._update(started)
        except Exception as error:
            self._holding = False
            self._say_error(f"Could not redraw: {type(error).__name__}: {error}")

    def on_unit(self, change):
        """Observer of ``unit``: redraw the selected unit (unless the feature is moving it)."""
        if self._holding:
            return
        try:
            self._update()
        except Exception as error:
            self._say_error(f"Could not redraw: {type(error).__name__}: {error}")

    # -- drawing --------------------------------------------------------------------------------

    def _say_error(self, message):
        self.say(f"{message} {self.note}".strip(), error=True)

    def show_name(self, text):
        """Run the step over ``text`` (lowercased) and redraw; returns False (and says why) on failure."""
        started = time.perf_counter()
        name = str(text).strip().lower()
        if not name or not set(name) <= LETTERS or not set(name) <= set(self.char_to_ix):
            bad = sorted(set(name) - LETTERS) if name else []
            self._say_error(f"Type a name made of the letters a-z only (not {', '.join(map(repr, bad))})." if bad
                            else "Type a name of at least one letter.")
            return False
        if len(name) > MAX_LETTERS:
            self._say_error(f"Type a name of at most {MAX_LETTERS} letters (this one has {len(name)}).")
            return False
        try:
            a, p_end = self.run_name(name)
            self._show(name, a, p_end, started)
        except Exception as error:  # a student's step may fail in any way
            self._say_error(f"Could not read {name!r}: {error}.")
            return False
        self.say(self.note, error=self.note_is_error)
        return True

    def _show(self, name, a, p_end, started=None):
        """Show a new name's states: set the x axes (non-animated), then redraw everything."""
        self.name, self.a, self.p_end = name, a, p_end
        self.holds_shown = step_features(name)
        steps = len(name) + 1
        labels = ["∅"] + list(name)
        for ax in (self.ax_heat, self.ax_line):
            ax.set_xticks(range(steps), labels)
            ax.set_xlim(-0.5, steps - 0.5)
        self.heatmap.set_extent((-0.5, steps - 0.5, self.n_a - 0.5, -0.5))
        self.shading.set_extent((-0.5, steps - 0.5, -1.1, 1.1))
        self.unit_line.set_data(np.arange(steps), np.zeros(steps))
        self.end_line.set_data(np.arange(steps), p_end)
        self.invalidate()
        self._update(started)

    def _update(self, started=None):
        """Set every changing artist from the name, the feature and the unit; redraw."""
        started = time.perf_counter() if started is None else started
        feature, unit = self.feature.value, self.unit.value
        scores = self.selectivity[feature]
        order = np.argsort(-scores, kind="stable")
        rank = int(np.flatnonzero(order == unit)[0])
        color = FEATURE_COLORS[feature]
        holds = self.holds_shown[feature]
        steps = len(holds)

        limit = 1.1 * max(1.0, float(np.abs(scores).max()))
        if self.ax_bars.get_xlim() != (-limit, limit):  # new ticks: draw the whole figure
            self.ax_bars.set_xlim(-limit, limit)
            self.invalidate()
        self.heatmap.set_data(self.a[order])
        self.top_label.set_text(f"top {self.top_k}: " + ", ".join(str(k) for k in order[:self.top_k]))
        self.unit_row.set_y(rank - 0.5)
        self.unit_label.set_text(f"unit {unit}")
        self.unit_label.set_y(rank)
        self.feature_marks.set_data(np.flatnonzero(holds), np.full(int(holds.sum()), 1.015))
        self.feature_marks.set_color(color)

        for k, bar in enumerate(self.bars):
            bar.set_width(scores[order[k]])
            bar.set_color(ORANGE if k == rank else BLUE if k < self.top_k else GREY)
        self.bars_title.set_text(f"selectivity for {feature}")
        self.bar_label.set_position((scores[unit], rank))
        self.bar_label.set_text(f" {unit}: {scores[unit]:+.2f} " if scores[unit] != 0 else f" {unit}")
        self.bar_label.set_ha("left" if scores[unit] >= 0 else "right")

        shade = np.zeros((1, steps, 4))
        shade[0, holds] = to_rgba(color, 0.2)
        self.shading.set_data(shade)
        self.unit_line.set_ydata(self.a[unit])
        self.line_title.set_text(f"unit {unit} (d = {scores[unit]:+.2f} for {feature}) reading {self.name!r}")
        self.caption.set_text(self._caption(feature, scores, order))
        self.redraw(started)

    def _caption(self, feature, scores, order):
        """The top units for ``feature`` and their scores, in plain words (a few short lines)."""
        steps = int(self.holds[feature].sum())
        if self.states.shape[1] == 0:
            return "No selectivity: the names could\nnot be analysed (see the message below)."
        if steps == 0:
            return f"No step of the {self.analysed} names has\nthe feature '{feature}': no scores."
        holds, other = FEATURE_WORDS[feature]
        top = ", ".join(f"{order[k]} (d\u00a0=\u00a0{scores[order[k]]:+.2f})" for k in range(self.top_k))
        low = order[-1]
        lines = [f"{feature.capitalize()}: the units that react most are {top}.",
                 f"d says by how many standard deviations a unit's a<t> is higher {holds} than {other}.",
                 f"Most negative: unit {low} (d = {scores[low]:+.2f}).",
                 f"Scores from {self.states.shape[1]:,} steps of {self.analysed:,} names, {steps:,} of them "
                 f"{holds.split(' (')[0]}."]
        return "\n".join(textwrap.fill(line, 50) for line in lines)

