"""The jazz studio of assignment 3: improvisations through the student's sampler, fitted to the changes,
drawn as a piano roll and played; its controls; and broken samplers explained."""

import io
import wave

import numpy as np
import pytest

from rnnlab.music import TOKEN_PARTS, decode, n_values, parse_chord
from rnnlab.widgets.jazz_studio import CHANGES, JazzStudio

TABLE = np.random.default_rng(0).dirichlet(np.full(n_values, 0.3), size=n_values + 1)  # row: the value just read


def step(x, a, c):
    """A stand-in for the trained LSTM: a bigram table over the values, and a step counter as state."""
    row = 1 + int(np.argmax(x)) if np.any(x) else 0
    return TABLE[row], a + 1, c


# A test-side stand-in for the student's exercise (rnnlab holds no solution).
def sample_with_temperature(step, x0, a0, c0, Ty, temperature, rng):
    x, a, c, indices = x0, a0, c0, []
    for _ in range(Ty):
        p, a, c = step(x, a, c)
        z = np.log(np.maximum(p, 1e-300)) / temperature
        q = np.exp(z - z.max())
        index = int(rng.choice(n_values, p=q / q.sum()))
        indices.append(index)
        x = np.zeros((1, 1, n_values))
        x[0, 0, index] = 1
    return indices


@pytest.fixture
def studio():
    return JazzStudio(sample_with_temperature, step, n_a=4, engine="numpy")


def bars_of(tokens):
    """The qualities of the bar tokens, in order."""
    return [TOKEN_PARTS[token][1] for token in tokens if TOKEN_PARTS[token][0] == "bar"]


def test_an_improvisation_fits_the_changes_and_is_drawn_and_played(studio):
    changes = CHANGES[studio.changes.value]
    assert bars_of(studio.tokens)[:len(changes)] == [parse_chord(symbol)[1] for symbol in changes]
    assert studio.events == decode(studio.tokens, changes) and studio.events
    for event in studio.events:  # every note inside its bar
        assert event.start // 8 == (event.start + event.duration - 1) // 8 < len(changes)
    notes = [patch for patch in studio.ax.patches if patch.get_gid() == "note"]
    assert len(notes) == len(studio.events)
    assert [text.get_text() for text in studio.ax.texts if text.get_gid() == "chord"] == changes
    with wave.open(io.BytesIO(studio.audio_bytes)) as audio:
        assert audio.getnframes() / audio.getframerate() > 4 * 4 * 60 / 150  # four bars at 150 bpm
    assert studio.player.value == studio.audio_bytes and studio.image.value
    assert 0 <= studio.quality["chord_tones"] <= 1 and studio.status.value == ""


def test_each_control_makes_a_new_take(studio):
    seen = [(tuple(studio.tokens), studio.image.value, studio.audio_bytes)]
    studio.temperature.value = 3.0
    studio.changes.value = "blues in F"
    assert bars_of(studio.tokens)[:12] == [parse_chord(symbol)[1] for symbol in CHANGES["blues in F"]]
    seen.append((tuple(studio.tokens), studio.image.value, studio.audio_bytes))
    studio.choruses.value = 2
    assert len(bars_of(studio.tokens)) >= 24 and max(e.start for e in studio.events) >= 12 * 8
    seen.append((tuple(studio.tokens), studio.image.value, studio.audio_bytes))
    before = studio.seed.value
    studio.improvise.click()
    assert studio.seed.value == before + 1
    seen.append((tuple(studio.tokens), studio.image.value, studio.audio_bytes))
    for k in range(3):
        assert all(a != b for a, b in zip(seen[k], seen[k + 1])), f"change {k + 1} left something as it was"


def test_the_same_seed_gives_the_same_take(studio):
    again = JazzStudio(sample_with_temperature, step, n_a=4, engine="numpy")
    assert again.tokens == studio.tokens and again.audio_bytes == studio.audio_bytes


def test_the_temperature_reaches_the_students_sampler():
    calls = []

    def spy(step, x0, a0, c0, Ty, temperature, rng):
        calls.append((Ty, temperature, x0.shape, a0.shape))
        return sample_with_temperature(step, x0, a0, c0, Ty, temperature, rng)

    studio = JazzStudio(spy, step, n_a=4, engine="numpy")
    studio.temperature.value = 0.5
    assert calls[-1] == (9 * 4 + 1, pytest.approx(0.5, rel=0.02), (1, 1, n_values), (1, 4))


def argmax_sampler(step, x0, a0, c0, Ty, temperature, rng):
    x, a, c, indices = x0, a0, c0, []
    for _ in range(Ty):
        p, a, c = step(x, a, c)
        indices.append(int(np.argmax(p)))
        x = np.eye(n_values)[indices[-1]].reshape(1, 1, n_values)
    return indices


def raising_sampler(*args):
    raise ZeroDivisionError("division by zero")


def short_sampler(step, x0, a0, c0, Ty, temperature, rng):
    return sample_with_temperature(step, x0, a0, c0, Ty - 3, temperature, rng)


@pytest.mark.parametrize("sampler, message", [(argmax_sampler, "called rng.choice 0 times"),
                                              (raising_sampler, "ZeroDivisionError"),
                                              (short_sampler, "expected a list of Ty = 37 ints")])
def test_a_broken_sampler_is_explained_in_red(sampler, message):
    studio = JazzStudio(sampler, step, n_a=4, engine="numpy")
    assert message in studio.status.value and "#b00020" in studio.status.value
    assert studio.tokens == [] and studio.audio_bytes == b""
    studio.temperature.value = 2.0  # the controls still work, and say it again
    assert message in studio.status.value


def test_the_static_picture_is_the_piano_roll(studio):
    bundle = studio._repr_mimebundle_()
    assert "image/png" in bundle and len(bundle["image/png"]) > 1000
