"""rnnlab.audio: the band made from the changes, swung MIDI, both rendering engines, play, piano roll."""

import io
import sys
import wave
from collections import defaultdict
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from rnnlab import audio
from rnnlab.music import QUALITIES, Event, parse_chord

matplotlib.use("Agg")

II_V_I = ["Dm7", "G7", "Cmaj7", "Cmaj7"]
EVERY_QUALITY = ["Cmaj7", "A7b9", "Dm7", "G7", "Em7b5", "Bb6", "Fm6", "F#dim7", "Abmaj7", "Db7"]
LINE = [Event(62, 0, 1), Event(65, 1, 1), Event(69, 2, 1), Event(72, 3, 1), Event(71, 4, 2),
        Event(67, 6, 2), Event(65, 8, 1), Event(64, 9, 1), Event(62, 10, 2), Event(71, 12, 4),
        Event(72, 16, 6), Event(64, 22, 2), Event(60, 24, 8)]


def bars(events):
    """Events grouped by bar: {bar: [events]} (a push on the "and" of 4 counts for the next bar)."""
    grouped = defaultdict(list)
    for event in events:
        grouped[(event.start + 1) // 8].append(event)
    return grouped


# ---------------------------------------------------------------- the band

@pytest.mark.parametrize("seed", [0, 1, 7])
def test_walking_bass_plays_every_beat_with_the_root_on_beat_one(seed):
    bass = audio.walking_bass(EVERY_QUALITY, seed)
    assert [e.start for e in bass] == list(range(0, 8 * len(EVERY_QUALITY), 2)), "one note per beat"
    assert all(e.duration == 2 for e in bass)
    for bar, symbol in enumerate(EVERY_QUALITY):
        assert bass[4 * bar].pitch % 12 == parse_chord(symbol)[0], f"bar {bar} ({symbol}): root on beat 1"
    assert all(28 <= e.pitch <= 50 for e in bass), "bass register E1..D3"
    steps = np.abs(np.diff([e.pitch for e in bass]))
    assert steps.min() >= 1 and steps.max() <= 7, "a walking line: no repeated notes, no big leaps"


def test_walking_bass_approaches_the_next_root():
    for seed in range(5):
        bass = audio.walking_bass(II_V_I, seed)
        for bar in range(len(II_V_I)):
            approach, next_root = bass[4 * bar + 3].pitch, bass[(4 * bar + 4) % len(bass)].pitch
            assert 1 <= abs(approach - next_root) <= 2 or abs(approach - next_root) in (5, 7)


@pytest.mark.parametrize("seed", [0, 3])
def test_piano_voicings_contain_the_third_and_seventh(seed):
    piano = audio.comping(EVERY_QUALITY, seed)
    assert piano, "the piano plays"
    for bar, events in bars(piano).items():
        root, quality = parse_chord(EVERY_QUALITY[bar])
        third, seventh = ((root + QUALITIES[quality][0][i]) % 12 for i in (1, 3))
        for start in {e.start for e in events}:
            voicing = {e.pitch % 12 for e in events if e.start == start}
            assert {third, seventh} <= voicing, f"{EVERY_QUALITY[bar]} at eighth {start}: {voicing}"
        assert all(48 <= e.pitch <= 84 for e in events), "piano in the middle register"
    # every bar is comped, and the voicings move smoothly
    assert sorted(bars(piano)) == list(range(len(EVERY_QUALITY)))


def test_comping_uses_off_beats():
    starts = {e.start % 8 for seed in range(4) for e in audio.comping(EVERY_QUALITY, seed)}
    assert starts & {1, 3, 5, 7}, "swing comping pushes the off-beats"


def test_drums_ride_pattern_and_hihat_on_two_and_four():
    hits = audio.swing_drums(2, seed=0)
    ride = sorted(h.start for h in hits if h.note == audio.RIDE)
    hihat = sorted(h.start for h in hits if h.note == audio.PEDAL_HIHAT)
    assert ride == [0, 2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15], '"ding, ding-a ding, ding-a"'
    assert hihat == [2, 6, 10, 14]
    assert all(1 <= h.velocity <= 127 for h in hits)


def test_the_same_seed_gives_the_same_band():
    assert audio.accompaniment(EVERY_QUALITY, 5) == audio.accompaniment(EVERY_QUALITY, 5)
    assert audio.accompaniment(EVERY_QUALITY, 5) != audio.accompaniment(EVERY_QUALITY, 6)


# ---------------------------------------------------------------- MIDI

def test_midi_instruments():
    pm = audio.to_midi(LINE, II_V_I)
    by_name = {i.name: i for i in pm.instruments}
    assert set(by_name) == {"melody", "piano", "bass", "drums"}
    assert by_name["melody"].program == audio.MELODY_PROGRAM and len(by_name["melody"].notes) == len(LINE)
    assert by_name["bass"].program == 32 and by_name["drums"].is_drum
    assert [i.name for i in audio.to_midi(LINE, II_V_I, band=False).instruments] == ["melody"]


@pytest.mark.parametrize("swing", [2 / 3, 0.5, 0.6])
def test_off_beat_eighths_are_swung(swing):
    tempo, beat = 120, 0.5  # seconds per beat
    eighths = [Event(60 + i, i, 1) for i in range(8)]
    pm = audio.to_midi(eighths, ["C6"], tempo=tempo, swing=swing)
    melody = pm.instruments[0].notes
    starts = [note.start for note in melody]
    expected = [beat * (i // 2 + (swing if i % 2 else 0)) for i in range(8)]
    np.testing.assert_allclose(starts, expected, atol=2e-3)
    assert abs(melody[0].end - swing * beat) < 0.02, "the on-beat eighth lasts `swing` of the beat"
    ride = sorted(n.start for n in pm.instruments[3].notes if n.pitch == audio.RIDE)
    np.testing.assert_allclose(ride[2], beat * (1 + swing), atol=2e-3)  # the "a" of "ding-a"


def test_music_length_follows_the_tempo():
    for tempo in (100, 140, 200):
        pm = audio.to_midi(LINE, II_V_I, tempo=tempo)
        assert abs(pm.get_end_time() - (16 * 60 / tempo + audio.TAIL)) < 1e-3


# ---------------------------------------------------------------- rendering

@pytest.mark.parametrize("engine", ["soundfont", "numpy"])
def test_engines_give_audio_of_the_right_length(engine):
    rate, tempo = 16000, 120
    rendered = audio.render(audio.to_midi(LINE, II_V_I, tempo=tempo), engine=engine, rate=rate)
    samples, got_rate = rendered
    assert rendered.engine == engine and got_rate == rate
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) == round((4 * 4 * 60 / tempo + audio.TAIL) * rate)
    assert np.max(np.abs(samples)) <= 1.0, "no clipping"
    seconds = samples[: 8 * rate].reshape(8, rate)
    assert np.all(np.sqrt(np.mean(seconds ** 2, axis=1)) > 0.02), "sound in every second of the music"


def test_numpy_engine_plays_a4_at_440_hz():
    rate = 16000
    samples, _ = audio.render(audio.to_midi([Event(69, 0, 16)], ["Am7"] * 2, band=False), "numpy", rate)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    peak = np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)]
    assert abs(peak - 440) < 3, f"strongest frequency {peak:.1f} Hz"


def test_numpy_engine_has_no_clicks():
    """Nothing above 7 kHz without drums: every tone is band-limited and faded in and out."""
    rate = 24000
    pm = audio.to_midi(LINE, II_V_I)
    pm.instruments = [i for i in pm.instruments if not i.is_drum]
    samples = audio.synthesise(pm, rate)
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    high = np.fft.rfftfreq(len(samples), 1 / rate) > 7000
    assert spectrum[high].sum() < 1e-6 * spectrum.sum()


def test_auto_falls_back_to_numpy_without_midirenderer(monkeypatch):
    pm = audio.to_midi(LINE[:3], ["C6"])
    assert audio.render(pm, "auto", 8000).engine == "soundfont"
    monkeypatch.setitem(sys.modules, "midirenderer", None)  # import midirenderer now fails
    rendered = audio.render(pm, "auto", 8000)
    assert rendered.engine == "numpy" and np.abs(rendered.samples).max() > 0.1
    with pytest.raises(ImportError):
        audio.render(pm, "soundfont", 8000)


def test_auto_falls_back_to_numpy_without_the_sound_font(monkeypatch, tmp_path):
    monkeypatch.setattr(audio, "soundfont_path", lambda: tmp_path / "missing.sf2")
    pm = audio.to_midi(LINE[:3], ["C6"])
    assert audio.render(pm, "auto", 8000).engine == "numpy"
    with pytest.raises(FileNotFoundError):
        audio.render(pm, "soundfont", 8000)


def test_normalise_keeps_samples_within_bounds():
    loud = np.concatenate([np.zeros(1000), [5.0], np.zeros(1000)])
    assert np.max(np.abs(audio.normalise(loud))) <= 0.95 + 1e-6
    quiet = 0.001 * np.sin(np.arange(8000) / 5)
    assert abs(np.sqrt(np.mean(audio.normalise(quiet) ** 2)) - 0.12) < 1e-3
    assert not np.any(audio.normalise(np.zeros(10)))


def test_resample_keeps_a_tone():
    tone = np.sin(2 * np.pi * 1000 * np.arange(48000) / 48000)
    out = audio.resample(tone, 48000, 22050)
    assert len(out) == 22050
    peak = np.fft.rfftfreq(len(out), 1 / 22050)[np.argmax(np.abs(np.fft.rfft(out)))]
    assert abs(peak - 1000) <= 1


def test_play_returns_a_small_mono_audio_player():
    from IPython.display import Audio
    player = audio.play(LINE, II_V_I, tempo=160, engine="numpy")
    assert isinstance(player, Audio) and player.engine == "numpy"
    with wave.open(io.BytesIO(player.data)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (22050, 1)
        assert abs(wav.getnframes() / 22050 - (16 * 60 / 160 + audio.TAIL)) < 0.01
    # 30 s embedded in a notebook stays under about 2 MB (base64 of 16-bit mono at 22050 Hz)
    assert len(player.data) / (16 * 60 / 160 + audio.TAIL) * 30 * 4 / 3 < 2e6


def test_save_wav(tmp_path):
    audio.save_wav(tmp_path / "a.wav", np.array([0.0, 0.5, -1.0]), 8000)
    with wave.open(str(tmp_path / "a.wav")) as wav:
        assert wav.getnframes() == 3 and wav.getframerate() == 8000


# ---------------------------------------------------------------- piano roll

def test_piano_roll_draws_one_rectangle_per_note_and_the_chord_symbols():
    ax = Figure().add_subplot()
    melody = LINE + [Event(66, 30, 1)]  # F# over Cmaj7: outside
    rectangles = audio.piano_roll(ax, melody, II_V_I, title="ii-V-I")
    notes = [p for p in ax.patches if p.get_gid() == "note"]
    assert len(notes) == len(rectangles) == len(melody)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "chord"] == II_V_I
    for event, rectangle in zip(melody, rectangles):
        assert rectangle.get_x() == pytest.approx(event.start / 8), "time in bars"
        assert rectangle.get_width() == pytest.approx(event.duration / 8)
    colours = [matplotlib.colors.to_hex(r.get_facecolor()) for r in rectangles]
    assert colours[0] == audio.NOTE_COLOURS["chord tone"]  # D over Dm7
    assert colours[4] == audio.NOTE_COLOURS["scale tone"]  # B over Dm7
    assert colours[-1] == audio.NOTE_COLOURS["outside"]
    assert ax.get_legend() is not None and ax.get_title() == "ii-V-I"


def test_note_role():
    assert audio.note_role(67, "Cmaj7") == "chord tone"
    assert audio.note_role(62, "Cmaj7") == "scale tone"
    assert audio.note_role(61, "Cmaj7") == "outside"


def test_the_sound_font_is_read_from_pretty_midi_not_copied():
    import pretty_midi
    assert audio.soundfont_path().parent == Path(pretty_midi.__file__).parent
    repo = Path(__file__).resolve().parent.parent
    assert not [p for folder in ("rnnlab", "assets", "course", "solutions", "autograder")
                for p in (repo / folder).rglob("*.sf2")]
