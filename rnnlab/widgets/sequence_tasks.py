"""The gallery of sequence tasks of the lecture "Why sequence models".

Seven made-up examples of sequence problems (speech recognition, music generation, sentiment
classification, DNA sequence analysis, machine translation, video activity recognition, named-entity
recognition), each drawn as an input ``x`` and an output ``y``: a row of boxes ``x<1> .. x<T_x>``
when it is a sequence, a single box when it is one value.
"""

import time

import ipywidgets as widgets
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..plots import FigureWidget, new_figure

MAX_STEPS = 16          # the longest sequence the gallery draws
SAMPLES_PER_FRAME = 24  # audio samples drawn in one frame box


def _audio(words, frames, seed):
    """A made-up recording: ``frames`` frames of SAMPLES_PER_FRAME samples, one tone burst per word."""
    rng = np.random.default_rng(seed)
    samples = frames * SAMPLES_PER_FRAME
    time_axis = np.arange(samples)
    signal = 0.03 * rng.standard_normal(samples)  # background hiss
    bounds = np.linspace(1, frames - 1, len(words) + 1) * SAMPLES_PER_FRAME
    for k, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        start, stop = int(start) + 6, int(stop) - 6
        span = np.arange(start, stop)
        envelope = np.sin(np.pi * (span - start) / (stop - start)) ** 2
        period = 5 + 3 * (k % 3)
        signal[span] += 0.9 * envelope * np.sin(2 * np.pi * time_axis[span] / period)
    signal = np.clip(signal, -1, 1)
    return [[round(float(v), 3) for v in signal[f * SAMPLES_PER_FRAME:(f + 1) * SAMPLES_PER_FRAME]]
            for f in range(frames)]


def _run(steps, height=0.2, bounce=0.0):
    """Video frames: the (horizontal, vertical) position of a person in each frame, each in [0, 1]."""
    return [(0.15 + 0.7 * t / max(steps - 1, 1), height + bounce * abs(np.sin(1.3 * t)))
            for t in range(steps)]


def _sit(steps):
    """Video frames: a person standing still, then lowering into a chair."""
    return [(0.5, 1.0 - 0.8 * min(max(t - 3, 0) / (steps - 6), 1.0)) for t in range(steps)]


def _coding(dna, start, stop):
    """Labels of ``dna``: 1 for the bases of the protein-coding region dna[start:stop], else 0."""
    return [1 if start <= k < stop else 0 for k in range(len(dna))]


# Every task: what x and y are, how to draw them (a style in SINGLE_STYLES draws one box, any other
# style a row of boxes), its kind, and its examples. An example's ``x`` and ``y`` are lists when they
# are sequences and single values (a string or a number) otherwise.
TASKS = {
    "speech recognition": {
        "x": "audio frames", "y": "the words said", "x_style": "wave", "y_style": "text",
        "kind": "many-to-many (T_x ≠ T_y)",
        "examples": [
            {"x": _audio(["the", "cat", "sat"], 14, 2), "y": ["the", "cat", "sat"]},
            {"x": _audio(["hello"], 9, 1), "y": ["hello"]},
            {"x": _audio(["turn", "on", "the", "light"], 16, 3), "y": ["turn", "on", "the", "light"]},
        ]},
    "music generation": {
        "x": "a genre (or nothing)", "y": "notes", "x_style": "single", "y_style": "notes",
        "kind": "one-to-many",
        "examples": [
            {"x": "lullaby", "y": ["E4", "G4", "G4", "E4", "C4"]},
            {"x": "jazz", "y": ["C4", "E4", "G4", "A4", "B4", "A4", "G4", "E4", "D4"]},
            {"x": "∅ (nothing)", "y": ["G4", "G4", "A4", "G4", "C5", "B4", "G4", "G4", "A4", "G4", "D5", "C5"]},
        ]},
    "sentiment classification": {
        "x": "the words of a review", "y": "stars (1 to 5)", "x_style": "text", "y_style": "stars",
        "kind": "many-to-one",
        "examples": [
            {"x": ["Loved", "it", "!"], "y": 5},
            {"x": ["Worst", "pizza", "I", "have", "ever", "eaten"], "y": 1},
            {"x": ["Nice", "place", ",", "but", "far", "too", "noisy", "on", "a", "Friday", "night"], "y": 3},
        ]},
    "DNA sequence analysis": {
        "x": "bases A, C, G, T", "y": "1 = protein-coding, 0 = not", "x_style": "text", "y_style": "binary",
        "kind": "many-to-many (T_x = T_y)",
        "examples": [
            {"x": list("CCATGGCTTAAGG"), "y": _coding("CCATGGCTTAAGG", 2, 11)},
            {"x": list("TATGAAATAGC"), "y": _coding("TATGAAATAGC", 1, 10)},
            {"x": list("GCATGCCCGATTGACC"), "y": _coding("GCATGCCCGATTGACC", 2, 14)},
        ]},
    "machine translation": {
        "x": "a sentence in German", "y": "its English translation", "x_style": "text", "y_style": "text",
        "kind": "many-to-many (T_x ≠ T_y)",
        "examples": [
            {"x": ["Danke", "schön"], "y": ["Thank", "you", "very", "much"]},
            {"x": ["Ich", "habe", "den", "Zug", "verpasst"], "y": ["I", "missed", "the", "train"]},
            {"x": ["Wo", "ist", "der", "Bahnhof", "?"], "y": ["Where", "is", "the", "train", "station", "?"]},
        ]},
    "video activity recognition": {
        "x": "video frames", "y": "the activity", "x_style": "frames", "y_style": "single",
        "kind": "many-to-one",
        "examples": [
            {"x": _run(6), "y": "walking"},
            {"x": _run(9, height=0.0, bounce=0.9), "y": "jumping"},
            {"x": _sit(12), "y": "sitting down"},
        ]},
    "named-entity recognition": {
        "x": "the words of a sentence", "y": "PER person, LOC place, ORG organisation, O other",
        "x_style": "text", "y_style": "entities",
        "kind": "many-to-many (T_x = T_y)",
        "examples": [
            {"x": ["Ada", "lives", "in", "Turin"], "y": ["PER", "O", "O", "LOC"]},
            {"x": ["Marie", "Curie", "worked", "in", "Paris"], "y": ["PER", "PER", "O", "O", "LOC"]},
            {"x": ["Grace", "Hopper", "visited", "the", "Navy", "in", "Boston", "today"],
             "y": ["PER", "PER", "O", "O", "ORG", "O", "LOC", "O"]},
        ]},
}

COLORS = {"box": "#f4f4f4", "edge": "#555555", "x": "#dbe8f6", "y": "#fbe3cf",
          1: "#9ad29a", 0: "#f4f4f4", "PER": "#f6b8b8", "LOC": "#b8d8f6", "ORG": "#d9c4f0", "O": "#f4f4f4"}
SINGLE_STYLES = ("single", "stars")  # how a single value is drawn; every other style draws a sequence
FONT_SIZES = (11, 11, 11, 11, 11, 10, 8.5, 8.5, 7.5)  # by the length of a box's label
NOTE_HEIGHT = {"C4": 0, "D4": 1, "E4": 2, "F4": 3, "G4": 4, "A4": 5, "B4": 6, "C5": 7, "D5": 8}


class _Row:
    """The artists of one side (x or y): a pool of MAX_STEPS boxes with their contents, and one big box.

    Step ``t`` (from 0) always sits in the slot starting at ``left + t * pitch``. The index labels
    ``x<1> .. x<MAX_STEPS>`` under the slots never change, so they are drawn once into the static
    background; a white mask, moved at every update, covers the labels of the unused slots.
    """

    def __init__(self, ax, name, y0, height, left, pitch):
        self.name, self.y0, self.height, self.left, self.pitch = name, y0, height, left, pitch
        self.boxes = [ax.add_patch(Rectangle((0, y0), 1, height, facecolor=COLORS["box"],
                                             edgecolor=COLORS["edge"], linewidth=1.2, visible=False))
                      for _ in range(MAX_STEPS)]
        self.texts = [ax.text(0, y0 + height / 2, "", ha="center", va="center", visible=False)
                      for _ in range(MAX_STEPS)]
        self.indices = [ax.text(left + (t + 0.5) * pitch, y0 - 0.08, rf"${name}^{{\langle {t + 1}\rangle}}$",
                                ha="center", va="top", fontsize=10, color="#333333") for t in range(MAX_STEPS)]
        self.mask = ax.add_patch(Rectangle((left, y0 - 0.5), 20, 0.48, facecolor="white", edgecolor="none",
                                           zorder=5))
        self.single = ax.add_patch(Rectangle((0, y0), 3.2, height, facecolor=COLORS[name],
                                             edgecolor=COLORS["edge"], linewidth=1.6, visible=False))
        self.single_text = ax.text(0, y0 + height / 2, "", ha="center", va="center", fontsize=13,
                                   visible=False)
        self.wave = Line2D([], [], color="#1f4e79", linewidth=1.0)
        self.dots = Line2D([], [], linestyle="none", marker="o", markersize=7, color="#c0392b")
        self.bodies = Line2D([], [], color="#c0392b", linewidth=2.5, solid_capstyle="round")
        ax.add_line(self.bodies)
        ax.add_line(self.wave)
        ax.add_line(self.dots)
        self.length = ax.text(0, y0 + height / 2, "", ha="left", va="center", fontsize=12)
        self.heading = ax.text(0, y0 + height + 0.12, "", ha="left", va="bottom", fontsize=11)

    def artists(self):
        return [self.mask, *self.boxes, *self.texts, self.single, self.single_text, self.wave,
                self.bodies, self.dots, self.length, self.heading]

    def shown_indices(self):
        """The index labels not covered by the mask."""
        return [label for label in self.indices if label.get_position()[0] < self.mask.get_x()]

    def show(self, value, style, description, pitch_of):
        """Draw ``value`` (a list: one box per step in the slots; else one wide box).

        ``pitch_of`` maps a list of note names to heights in [0, 1]. Returns the number of steps
        (0 for a single value).
        """
        name, y0, height, left, pitch = self.name, self.y0, self.height, self.left, self.pitch
        sequence = style not in SINGLE_STYLES
        steps = len(value) if sequence else 0
        for t in range(MAX_STEPS):
            on = sequence and t < steps
            for artist in (self.boxes[t], self.texts[t]):
                artist.set_visible(on)
            if not on:
                continue
            box_left = left + t * pitch
            self.boxes[t].set_bounds(box_left + 0.06 * pitch, y0, 0.88 * pitch, height)
            item = value[t]
            self.boxes[t].set_facecolor(COLORS.get(item, COLORS[name]) if style in ("binary", "entities")
                                        else COLORS[name])
            label = "" if style in ("wave", "frames") else str(item)
            self.texts[t].set_text(label)
            self.texts[t].set_fontsize(FONT_SIZES[min(len(label), len(FONT_SIZES) - 1)])  # long words smaller
            self.texts[t].set_position((box_left + pitch / 2, y0 + (0.22 if style == "notes" else 0.5) * height))
        # the audio drawn across the frame boxes, and the dots of video frames or notes
        if sequence and style == "wave":
            samples = np.array(value, dtype=float)  # (T, SAMPLES_PER_FRAME)
            within = 0.1 + 0.8 * (np.arange(samples.shape[1]) + 0.5) / samples.shape[1]
            xs = left + pitch * (np.arange(steps)[:, None] + within[None, :])
            xs[:, [0, -1]] = np.nan  # a gap between frames
            self.wave.set_data(xs.ravel(), y0 + height / 2 + 0.42 * height * samples.ravel())
        else:
            self.wave.set_data([], [])
        if sequence and style == "frames":
            positions = np.array(value, dtype=float)  # (T, 2): where the head is in each frame
            heads_x = left + pitch * (np.arange(steps) + 0.1 + 0.8 * positions[:, 0])
            heads_y = y0 + height * (0.5 + 0.42 * positions[:, 1])
            self.dots.set_data(heads_x, heads_y)
            gaps = np.full(steps, np.nan)  # one stick of a body under each head, drawn as one line
            self.bodies.set_data(np.stack([heads_x, heads_x, gaps], axis=1).ravel(),
                                 np.stack([heads_y - 0.06, heads_y - 0.38 * height, gaps], axis=1).ravel())
        elif sequence and style == "notes":
            levels = np.array(pitch_of(value), dtype=float)
            self.dots.set_data(left + pitch * (np.arange(steps) + 0.5), y0 + height * (0.42 + 0.5 * levels))
        else:
            self.dots.set_data([], [])
        if not (sequence and style == "frames"):
            self.bodies.set_data([], [])
        # a single value
        self.single.set_visible(not sequence)
        self.single_text.set_visible(not sequence)
        if not sequence:
            shown = "★" * value + "☆" * (5 - value) if style == "stars" else str(value)
            self.single.set_x(left + 0.06)
            self.single_text.set_text(shown)
            self.single_text.set_position((left + 0.06 + 3.2 / 2, y0 + height / 2))
        self.mask.set_x(left + steps * pitch)
        right = left + (steps * pitch if sequence else 3.4)
        self.length.set_position((right + 0.25, y0 + height / 2))
        self.length.set_text(rf"$T_{name} = {steps}$" if sequence else "one value")
        self.heading.set_position((left + 0.06, y0 + height + 0.12))
        kind_word = "sequence" if sequence else "single value"
        self.heading.set_text(f"{'input' if name == 'x' else 'output'} {name}: {description}  ({kind_word})")
        return steps


class SequenceTaskGallery(FigureWidget):
    """Pick a sequence task and an example; see its input ``x`` and output ``y``, with ``T_x`` and ``T_y``.

    A sequence is drawn as a row of boxes labelled ``x<1> .. x<T_x>`` (or ``y<1> .. y<T_y>``), one per
    time step; a single value as one wide box. The figure is built once: its boxes and labels are a
    fixed pool of artists, shown, moved and hidden as the task or the example changes.

    ``kind_fn`` is optional: a function with the interface of the exercise ``task_kind(example)``,
    called on ``{"x": ..., "y": ...}``; its answer is shown next to the kind of the task (and
    marked right or wrong). Without it only the lengths are shown.
    """

    def __init__(self, kind_fn=None):
        self.kind_fn = kind_fn
        self.task = widgets.Dropdown(options=list(TASKS), value="speech recognition", description="task",
                                     layout=widgets.Layout(width="22em"))
        self.example = widgets.ToggleButtons(options=self._example_names("speech recognition"),
                                             description="example", style={"button_width": "6.5em"})
        self._build_figure()
        self._assemble(widgets.HBox([self.task, self.example]))
        self._changing_task = False
        self.task.observe(self._task_picked, "value")
        self.example.observe(lambda change: self._example_picked(), "value")
        self.show()

    @staticmethod
    def _example_names(task):
        return [(f"example {k + 1}", k) for k in range(len(TASKS[task]["examples"]))]

    def _task_picked(self, change):
        started = time.perf_counter()
        self._changing_task = True
        try:
            self.example.options = self._example_names(change["new"])
            self.example.value = 0
        finally:
            self._changing_task = False
        self.show(started)

    def _example_picked(self):
        if not self._changing_task:
            self.show()

    def _build_figure(self):
        self.figure = new_figure(11.5, 3.6)
        self.ax = self.figure.add_axes([0.0, 0.0, 1.0, 1.0])
        self.ax.set_xlim(0, 19.5)
        self.ax.set_ylim(0, 4.2)
        self.ax.set_axis_off()
        self.rows = {"x": _Row(self.ax, "x", 2.25, 0.8, left=0.25, pitch=0.98),
                     "y": _Row(self.ax, "y", 0.55, 0.8, left=0.25, pitch=0.98)}
        self.title = self.ax.text(0.25, 4.05, "", ha="left", va="top", fontsize=13, fontweight="bold")
        self.verdict = self.ax.text(19.3, 4.05, "", ha="right", va="top", fontsize=11)
        self.animate(self.title, self.verdict, *self.rows["x"].artists(), *self.rows["y"].artists())

    def current(self):
        """The task's name, its description and the example shown."""
        name = self.task.value
        return name, TASKS[name], TASKS[name]["examples"][self.example.value]

    def show(self, started=None):
        """Draw the chosen example of the chosen task."""
        started = time.perf_counter() if started is None else started
        name, task, example = self.current()
        self.T_x = self.rows["x"].show(example["x"], task["x_style"], task["x"], self._pitch)
        self.T_y = self.rows["y"].show(example["y"], task["y_style"], task["y"], self._pitch)
        self.title.set_text(f"{name}: {task['kind']}")
        self.say("")
        if self.kind_fn is None:
            self.verdict.set_text("")
        else:
            try:
                answer = self.kind_fn({"x": example["x"], "y": example["y"]})
            except Exception as error:  # a student's function may fail in any way
                self.verdict.set_text("your task_kind failed")
                self.verdict.set_color("#b00020")
                self.say(f"Your task_kind failed on this example: {type(error).__name__}: {error}", error=True)
            else:
                mark = "✓" if answer == task["kind"] else "✗"
                self.verdict.set_text(f"your task_kind: {answer!r} {mark}")
                self.verdict.set_color("#1b7a1b" if mark == "✓" else "#b00020")
        self.redraw(started)

    @staticmethod
    def _pitch(notes):
        top = max(NOTE_HEIGHT.values())
        return [NOTE_HEIGHT[note] / top for note in notes]
