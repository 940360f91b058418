"""The jazz studio of the assignment "Jazz improvisation with an LSTM": improvise, see it, hear it.

The widget has no sampling loop of its own (it is a graded exercise): every improvisation comes from
the student's ``sample_with_temperature(step, x0, a0, c0, Ty, temperature, rng)``, run with the
notebook's ``step`` (one step of the trained LSTM) and, as ``rng``, a ``rnnlab.music.BarDraws``, which
makes the draws fit the bars of the chosen changes and tells the model each bar's chord.
"""

import time

import ipywidgets as widgets
import numpy as np

from ..audio import piano_roll, play
from ..music import BarDraws, decode, n_values, note_quality, repetition
from ..plots import FigureWidget, new_figure

# The changes offered, one chord per bar of 4/4.
CHANGES = {
    "ii–V–I in C": ["Dm7", "G7", "Cmaj7", "Cmaj7"],
    "ii–V–I in Bb": ["Cm7", "F7", "Bbmaj7", "Bbmaj7"],
    "minor ii–V–i in D": ["Em7b5", "A7b9", "Dm6", "Dm6"],
    "turnaround in F": ["Fmaj7", "D7b9", "Gm7", "C7"],
    "blues in F": ["F7", "Bb7", "F7", "F7", "Bb7", "Bb7", "F7", "D7b9", "Gm7", "C7", "F7", "C7"],
    "rhythm changes, A section in Bb": ["Bbmaj7", "G7b9", "Cm7", "F7", "Dm7", "G7b9", "Cm7", "F7"],
}


class JazzStudio(FigureWidget):
    """Improvise over chord changes with the student's sampler; a piano roll and an audio player.

    ``sample_with_temperature``: the student's function (see the module docstring). ``step(x, a, c)
    -> (p, a, c)``: one step of the trained model, ``x (1, 1, n_values)``, ``a, c (1, n_a)``,
    ``p (n_values,)``. Controls: the changes, the temperature, the number of choruses (times through
    the changes), a seed, and an "Improvise" button. After each improvisation: ``tokens`` (list of
    ints), ``events`` (``rnnlab.music.Event`` list), ``quality`` (``note_quality`` of the events) and
    ``audio_bytes`` (the WAV in the audio player). ``engine`` is passed to ``rnnlab.audio.play``.
    """

    def __init__(self, sample_with_temperature, step, n_a, tempo=150, seed=0, engine="auto"):
        self.sample, self.step, self.n_a, self.tempo, self.engine = sample_with_temperature, step, n_a, tempo, engine
        self.tokens, self.events, self.quality, self.audio_bytes = [], [], None, b""
        style = {"description_width": "initial"}
        self.changes = widgets.Dropdown(options=list(CHANGES), description="changes", style=style)
        self.temperature = widgets.FloatLogSlider(value=1.0, base=10, min=-0.7, max=0.5, step=0.05,
                                                  description="temperature T", readout_format=".2f",
                                                  continuous_update=False, style=style)
        self.choruses = widgets.IntSlider(value=1, min=1, max=3, description="choruses", continuous_update=False)
        self.seed = widgets.BoundedIntText(value=seed, min=0, max=10**6, description="seed",
                                           layout=widgets.Layout(width="10em"))
        self.improvise = widgets.Button(description="Improvise", icon="music")
        self.player = widgets.Audio(format="wav", autoplay=False, loop=False, controls=True)
        self.figure = new_figure(11, 3.8)
        self.ax = self.figure.add_axes([0.06, 0.25, 0.8, 0.61])
        self.caption = self.figure.text(0.06, 0.02, "", fontsize=9)
        self._assemble(widgets.HBox([self.changes, self.temperature]),
                       widgets.HBox([self.choruses, self.seed, self.improvise]), self.player)
        for control in (self.changes, self.temperature, self.choruses, self.seed):
            control.observe(lambda change: self.play_along(), "value")
        self.improvise.on_click(lambda button: self.next_take())
        self.play_along()

    def next_take(self):
        """The "Improvise" button: another take, with the next seed."""
        self.seed.value += 1  # its observer improvises

    def _run(self, changes, temperature):
        """The student's sampler over ``changes``; returns the tokens (a list of ints)."""
        draws = BarDraws(changes, np.random.default_rng(self.seed.value))
        Ty = 9 * len(changes) + 1  # at most 8 eighth notes and a bar line per bar, then one more bar line
        zeros = np.zeros((1, self.n_a))
        tokens = self.sample(self.step, np.zeros((1, 1, n_values)), zeros, zeros, Ty, temperature, draws)
        if not isinstance(tokens, list) or len(tokens) != Ty:
            raise ValueError(f"sample_with_temperature returned {type(tokens).__name__} "
                             f"{'of length ' + str(len(tokens)) if hasattr(tokens, '__len__') else ''}; "
                             f"expected a list of Ty = {Ty} ints")
        if len(draws.distributions) != Ty:
            raise ValueError(f"sample_with_temperature called rng.choice {len(draws.distributions)} times for "
                             f"Ty = {Ty} values: draw each value with exactly one rng.choice(n_values, p=q)")
        return [int(token) for token in tokens]

    def play_along(self):
        """Improvise with the current controls, redraw the piano roll and replace the audio."""
        started = time.perf_counter()
        changes = CHANGES[self.changes.value] * self.choruses.value
        temperature = float(self.temperature.value)
        try:
            tokens = self._run(changes, temperature)
            events = decode(tokens, changes)
        except Exception as error:  # a student's function may fail in any way
            self.say(f"Could not improvise: {type(error).__name__}: {error}", error=True)
            return
        self.tokens, self.events = tokens, events
        self.quality = note_quality(events, changes)
        self.ax.clear()
        title = f"{self.changes.value} × {self.choruses.value}, T = {temperature:.2f}, seed {self.seed.value}"
        piano_roll(self.ax, events, changes, title=title)
        self.caption.set_text(self._caption(tokens))
        self.invalidate()
        self.redraw(started)
        self.audio_bytes = play(events, changes, tempo=self.tempo, seed=self.seed.value, engine=self.engine).data
        self.player.value = self.audio_bytes
        self.say("")
        self.last_take_ms = 1000 * (time.perf_counter() - started)

    def _caption(self, tokens):
        q = self.quality
        return (f"{q['notes']} notes: {q['chord_tones']:.0%} chord tones, {q['scale_tones']:.0%} in the chord's "
                f"scale; {repetition(tokens):.0%} of its 4-token groups repeat an earlier one.\n"
                "The bar lines come from the changes; inside a bar the model only chooses notes that fit.")
