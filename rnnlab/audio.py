"""Hear a jazz melody: a band from the chord changes, MIDI, audio, and a piano roll.

A melody is a list of ``Event(pitch, start, duration)`` (``rnnlab.music``: MIDI pitch, times in
eighth notes); ``changes`` is a list of chord symbols, one per bar of 4/4 (8 eighths). From the
changes alone this module makes a rhythm section (piano comping in rootless voicings, a walking
bass, swing drums), writes everything as a ``pretty_midi.PrettyMIDI`` with swung eighths, and turns
it into sound with either the General MIDI sound font that the pip package ``pretty_midi`` ships
(rendered by ``midirenderer``) or, if that is unavailable, a small synthesiser in numpy.

    play(melody, ["Dm7", "G7", "Cmaj7", "Cmaj7"])        # an IPython Audio player
    piano_roll(ax, melody, changes)                       # the melody over the chord tones
"""

import functools
import io
import wave
from collections import namedtuple
from pathlib import Path

import numpy as np
import pretty_midi

from rnnlab.music import NOTE_NAMES, Event, chord_scale, chord_tones, parse_chord

EIGHTHS_PER_BAR = 8
TAIL = 1.0  # seconds of silence after the last bar, so that the last notes ring out

# General MIDI programs (0-based) and drum notes (channel 10).
MELODY_PROGRAM = 66  # tenor sax (11 is the vibraphone)
PIANO_PROGRAM = 0  # acoustic grand piano
BASS_PROGRAM = 32  # acoustic bass
RIDE, PEDAL_HIHAT, CLOSED_HIHAT, SNARE, KICK = 51, 44, 42, 38, 36

# One drum stroke: a GM drum note, its start in eighths, its MIDI velocity (1..127).
DrumHit = namedtuple("DrumHit", "note start velocity")
# The rhythm section: piano and bass as lists of Event, drums as a list of DrumHit.
Band = namedtuple("Band", "piano bass drums")


# ---------------------------------------------------------------- the band

# Rootless voicings (Bill Evans' "A" and "B" forms), as semitones above the root, bottom to top.
# Each holds the chord's 3rd and 7th (6th in a 6 chord, diminished 7th in dim7).
VOICINGS = {
    "maj7": ((4, 7, 11, 14), (11, 14, 16, 19)),  # 3 5 7 9 / 7 9 3 5
    "6": ((4, 7, 9, 14), (9, 14, 16, 19)),  # 3 5 6 9 / 6 9 3 5
    "7": ((4, 9, 10, 14), (10, 14, 16, 21)),  # 3 13 b7 9 / b7 9 3 13
    "m7": ((3, 7, 10, 14), (10, 14, 15, 19)),  # b3 5 b7 9 / b7 9 b3 5
    "m6": ((3, 7, 9, 14), (9, 14, 15, 19)),  # b3 5 6 9 / 6 9 b3 5
    "m7b5": ((3, 6, 10, 12), (10, 12, 15, 18)),  # b3 b5 b7 1 / b7 1 b3 b5
    "7b9": ((4, 7, 10, 13), (10, 13, 16, 19)),  # 3 5 b7 b9 / b7 b9 3 5
    "dim7": ((3, 6, 9, 12), (9, 12, 15, 18)),  # b3 b5 bb7 1 / bb7 1 b3 b5
}
PIANO_LOWEST = (50, 62)  # the bottom note of a voicing stays between D3 and D4
PIANO_CENTRE = 61

# Comping rhythms of one bar: ((start, duration), ...) in eighths, and whether the bar ends with a
# push (the next bar's chord played early, on the "and" of 4, and tied over the bar line).
COMPING = (
    (((0, 3), (3, 1)), False),  # Charleston: beat 1, the "and" of 2
    (((0, 3), (3, 3)), False),  # Charleston with the second hit held
    (((1, 2), (4, 2)), False),  # reverse Charleston: the "and" of 1, beat 3
    (((2, 1), (5, 2)), False),  # beat 2, the "and" of 3
    (((0, 2), (5, 3)), False),  # beat 1, the "and" of 3 held
    (((3, 2),), True),  # the "and" of 2, then push
    (((2, 2),), True),  # beat 2, then push
)
PUSH_LENGTH = 3  # eighths: from the "and" of 4 to beat 2 of the next bar

BASS_ROOTS = (28, 43)  # beat 1 falls between E1 and G2
BASS_RANGE = (28, 50)  # every bass note between E1 and D3
BASS_CENTRE = 36


def _rng(seed, part):
    return np.random.default_rng([seed, part])


def _voicings(symbol):
    """Every placement of the chord's voicings in the piano's middle register: a list of pitch tuples."""
    root, quality = parse_chord(symbol)
    placed = []
    for shape in VOICINGS[quality]:
        for octave in range(2, 7):
            pitches = tuple(12 * octave + root + step for step in shape)
            if PIANO_LOWEST[0] <= pitches[0] <= PIANO_LOWEST[1]:
                placed.append(pitches)
    return placed


def _voice_lead(previous, candidates):
    """The candidate voicing nearest to ``previous`` (fewest semitones moved), kept near the centre."""
    def cost(pitches):
        drift = abs(np.mean(pitches) - PIANO_CENTRE)
        if previous is None:
            return drift
        return sum(abs(a - b) for a, b in zip(sorted(pitches), sorted(previous))) + 0.5 * drift
    return min(candidates, key=cost)


def comping(changes, seed=0):
    """Piano comping: a list of Event (a voicing's notes share a start), voice-led, swing rhythms.

    Each bar gets a rhythm from ``COMPING`` drawn with ``seed``; a push plays the next bar's chord
    on the "and" of 4. Voicings are rootless (3rd and 7th always in), bottom note D3..D4.
    """
    rng = _rng(seed, 1)
    voicings, previous = [], None
    for symbol in changes:
        previous = _voice_lead(previous, _voicings(symbol))
        voicings.append(previous)
    events, pushed = [], False
    for bar in range(len(changes)):
        last = bar == len(changes) - 1
        choices = [(hits, push) for hits, push in COMPING
                   if not (push and last) and not (pushed and hits[0][0] < PUSH_LENGTH - 1)]
        hits, push = choices[rng.integers(len(choices))]
        offset = bar * EIGHTHS_PER_BAR
        for start, duration in hits:
            events += [Event(p, offset + start, duration) for p in voicings[bar]]
        if push:
            events += [Event(p, offset + 7, PUSH_LENGTH) for p in voicings[bar + 1]]
        pushed = push
    return events


def _nearest(pitch_class, target, low, high):
    """The pitch of ``pitch_class`` in ``low..high`` nearest to ``target``."""
    pitches = [p for p in range(low, high + 1) if p % 12 == pitch_class]
    return min(pitches, key=lambda p: (abs(p - target), p))


def walking_bass(changes, seed=0):
    """A walking bass line: a list of Event, one quarter note (2 eighths) on every beat.

    Beat 1 is the chord's root (E1..G2); beats 2 and 3 are chord and scale tones moving towards
    beat 4, an approach note into the next bar's root (a semitone below or above, a scale step, or
    its fifth). The last bar approaches the first, so the changes can loop.
    """
    rng = _rng(seed, 2)
    low, high = BASS_RANGE
    roots, previous = [], BASS_CENTRE
    for symbol in changes:
        previous = _nearest(parse_chord(symbol)[0], 0.6 * previous + 0.4 * BASS_CENTRE, *BASS_ROOTS)
        roots.append(previous)
    events = []
    for bar, symbol in enumerate(changes):
        root, tones, scale = roots[bar], chord_tones(symbol), chord_scale(symbol)
        # the next root; after the last bar, the first root again, in the octave nearest to this one
        target = roots[bar + 1] if bar + 1 < len(roots) else _nearest(roots[0] % 12, root, *BASS_ROOTS)
        fifth = min(target + 7, target - 5, key=lambda p: abs(p - root))
        approaches = [target - 1, target + 1, fifth]
        approaches += [p for p in (target - 2, target + 2, target - 1, target + 1) if p % 12 in scale]
        approaches = [p for p in approaches if low <= p <= high and p != root]
        approach = approaches[rng.integers(len(approaches))]
        # beats 2 and 3: a chord tone, then a chord or scale tone, in small steps towards the approach
        def paths(step):
            return sorted((abs(b2 - root) + abs(b3 - b2) + abs(approach - b3) + 2 * (b3 % 12 not in tones), b2, b3)
                          for b2 in range(low, high + 1) if b2 % 12 in tones and 2 <= abs(b2 - root) <= step + 2
                          for b3 in range(low, high + 1) if b3 % 12 in scale and 1 <= abs(b3 - b2) <= step
                          and 1 <= abs(approach - b3) <= step and b3 != root)
        best = paths(5) or paths(12)
        _, beat2, beat3 = best[rng.integers(min(4, len(best)))]
        offset = bar * EIGHTHS_PER_BAR
        events += [Event(p, offset + 2 * beat, 2) for beat, p in enumerate((root, beat2, beat3, approach))]
    return events


def swing_drums(bars, seed=0):
    """Drums for ``bars`` bars: a list of DrumHit.

    Ride cymbal "ding, ding-a ding, ding-a" (beats 1 2 &2 3 4 &4, 2 and 4 stronger), pedal hi-hat on
    2 and 4, now and then a soft snare comp on an off-beat, and a snare and kick leading into each
    new 4-bar phrase.
    """
    rng = _rng(seed, 3)
    ride = ((0, 72), (2, 88), (3, 60), (4, 74), (6, 88), (7, 60))
    hits = []
    for bar in range(bars):
        offset = bar * EIGHTHS_PER_BAR
        hits += [DrumHit(RIDE, offset + s, v + int(rng.integers(-5, 6))) for s, v in ride]
        hits += [DrumHit(PEDAL_HIHAT, offset + s, 78) for s in (2, 6)]
        if bar % 4 == 3 and bar < bars - 1:
            hits += [DrumHit(SNARE, offset + 5, 62), DrumHit(KICK, offset + 7, 70)]
        elif rng.random() < 0.4:
            hits.append(DrumHit(SNARE, offset + int(rng.choice([1, 3, 5, 7])), int(rng.integers(34, 50))))
    return hits


def accompaniment(changes, seed=0):
    """The rhythm section for ``changes``: a ``Band(piano, bass, drums)``, the same for the same seed."""
    changes = list(changes)
    return Band(comping(changes, seed), walking_bass(changes, seed), swing_drums(len(changes), seed))


# ---------------------------------------------------------------- MIDI

def swing_beats(eighths, swing=2 / 3):
    """Swung time in beats (quarter notes) of a time in eighth notes (float or array).

    An off-beat eighth starts at ``swing`` of its beat (2/3: triplet swing, 1/2: straight).
    """
    eighths = np.asarray(eighths, dtype=float)
    beat = np.floor(eighths / 2)
    part = eighths / 2 - beat
    return beat + np.where(part < 0.5, 2 * part * swing, swing + (2 * part - 1) * (1 - swing))


def _add_notes(instrument, events, seconds, velocities, gap):
    for event, velocity in zip(events, velocities):
        start, end = seconds(event.start), seconds(event.start + event.duration)
        end = max(start + 0.05, end - gap)
        instrument.notes.append(pretty_midi.Note(int(np.clip(velocity, 1, 127)), int(event.pitch), start, end))


def to_midi(melody, changes, tempo=140, swing=2 / 3, seed=0, melody_program=MELODY_PROGRAM, band=True):
    """The melody over the band as a ``pretty_midi.PrettyMIDI``.

    melody: list of Event; changes: chord symbols, one per bar; tempo: quarter notes per minute;
    swing: where an off-beat eighth starts within its beat; seed: the band's choices; band: False
    for the melody alone. Instruments: melody (GM ``melody_program``), piano (GM 0), acoustic bass
    (GM 32), drums (channel 10). A silent controller event ``TAIL`` seconds after the last bar
    sets the length of the music (``get_end_time()``).
    """
    changes = list(changes)
    pm = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=tempo)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))

    def seconds(eighths):
        return float(swing_beats(eighths, swing)) * 60 / tempo

    rng = _rng(seed, 4)
    lead = pretty_midi.Instrument(melody_program, name="melody")
    # jazz phrasing: off-beat eighths a little louder than on-beat ones
    _add_notes(lead, melody, seconds, [96 + 8 * (e.start % 2 == 1) for e in melody], gap=0.01)
    pm.instruments.append(lead)
    if band:
        piano, bass, drums = accompaniment(changes, seed)
        keys = pretty_midi.Instrument(PIANO_PROGRAM, name="piano")
        _add_notes(keys, piano, seconds, 66 + rng.integers(-4, 5, len(piano)), gap=0.03)
        low = pretty_midi.Instrument(BASS_PROGRAM, name="bass")
        _add_notes(low, bass, seconds, 86 + rng.integers(-5, 6, len(bass)), gap=0.02)
        kit = pretty_midi.Instrument(0, is_drum=True, name="drums")
        for hit in drums:
            start = seconds(hit.start)
            kit.notes.append(pretty_midi.Note(int(np.clip(hit.velocity, 1, 127)), hit.note, start, start + 0.1))
        pm.instruments += [keys, low, kit]
    end = max([len(changes) * EIGHTHS_PER_BAR] + [e.start + e.duration for e in melody])
    lead.control_changes.append(pretty_midi.ControlChange(64, 0, seconds(end) + TAIL))
    return pm


# ---------------------------------------------------------------- rendering

class Rendered(namedtuple("Rendered", "samples rate")):
    """Audio: mono float32 ``samples`` in [-1, 1] at ``rate`` Hz; ``.engine`` names the engine used."""

    engine = None


def soundfont_path():
    """The General MIDI sound font that the pip package pretty_midi ships (read, never copied)."""
    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


@functools.lru_cache(maxsize=1)
def _read_soundfont(path):
    return Path(path).read_bytes()


def resample(samples, rate_in, rate_out):
    """``samples`` (1-D) from ``rate_in`` to ``rate_out`` Hz, band-limited (FFT), float32."""
    if rate_in == rate_out or len(samples) == 0:
        return np.asarray(samples, dtype=np.float32)
    n_out = int(round(len(samples) * rate_out / rate_in))
    spectrum = np.fft.rfft(samples)[: n_out // 2 + 1]
    return (np.fft.irfft(spectrum, n_out) * (n_out / len(samples))).astype(np.float32)


def _wav_to_mono(data):
    """(mono float samples, rate) of 16-bit PCM WAV bytes."""
    with wave.open(io.BytesIO(data)) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        if wav.getsampwidth() != 2:
            raise ValueError("expected 16-bit WAV")
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return pcm.reshape(-1, channels).mean(axis=1) / 32768.0, rate


def render_soundfont(pm, rate=24000):
    """Mono float samples (not normalised) of ``pm`` played with the sound font, at ``rate`` Hz.

    Raises ImportError without midirenderer, FileNotFoundError without the sound font.
    """
    import midirenderer
    soundfont = _read_soundfont(str(soundfont_path()))
    midi = io.BytesIO()
    pm.write(midi)
    samples, rate_in = _wav_to_mono(midirenderer.render_wave_from(soundfont, midi.getvalue()))
    return resample(samples, rate_in, rate)


def normalise(samples, rms=0.12, peak=0.95):
    """``samples`` scaled to the given RMS loudness, then down until no sample exceeds ``peak``."""
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) == 0:
        return samples
    samples = samples - np.mean(samples)
    level = float(np.sqrt(np.mean(samples ** 2)))
    if level < 1e-9:
        return samples
    samples = samples * (rms / level)
    top = float(np.max(np.abs(samples)))
    return samples * (peak / top) if top > peak else samples


def render(pm, engine="auto", rate=24000):
    """Audio of a PrettyMIDI: ``Rendered(samples, rate)``, samples mono float32 in [-1, 1].

    engine: "soundfont" (midirenderer with pretty_midi's TimGM6mb.sf2), "numpy" (the synthesiser of
    this module) or "auto" (the sound font, else numpy). ``result.engine`` says which was used.
    Length: ``pm.get_end_time()`` seconds (``to_midi`` adds ``TAIL`` after the last bar).
    """
    if engine not in ("auto", "soundfont", "numpy"):
        raise ValueError(f'engine must be "auto", "soundfont" or "numpy", not {engine!r}')
    n = int(round(pm.get_end_time() * rate))
    samples, used = None, "numpy"
    if engine in ("auto", "soundfont"):
        try:
            samples, used = render_soundfont(pm, rate), "soundfont"
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # no midirenderer, no sound font, or the renderer failed (even a panic)
            if engine == "soundfont":
                raise
    if samples is None:
        samples = synthesise(pm, rate)
    samples = np.pad(samples[:n], (0, max(0, n - len(samples))))
    result = Rendered(normalise(samples), rate)
    result.engine = used
    return result


# ---------------------------------------------------------------- the numpy synthesiser

def _frequency(pitch):
    return 440.0 * 2 ** ((pitch - 69) / 12)


def _fade(n, rate, attack, release):
    """An envelope of ``n`` samples: raised-cosine fade-in over ``attack`` s and fade-out over ``release`` s."""
    envelope = np.ones(n)
    a, r = max(1, min(n // 2, int(attack * rate))), max(1, min(n // 2, int(release * rate)))
    envelope[:a] = 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    envelope[n - r:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, r + 1) / r)
    return envelope


def _partials(f0, t, amplitudes, decays, rate, stretch=0.0):
    """Sum of harmonics k*f0 (k = 1, 2, ...) with the given amplitudes and decay times (s), below Nyquist."""
    out = np.zeros_like(t)
    for k, (amplitude, decay) in enumerate(zip(amplitudes, decays), start=1):
        f = k * f0 * np.sqrt(1 + stretch * k * k)
        if f < 0.45 * rate:
            out += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * f * t)
    return out


def _horn(f0, duration, rate):
    """A reedy sustained tone: harmonics 1/k^1.3, soft attack, delayed vibrato, 60 ms release."""
    n = int((duration + 0.06) * rate)
    t = np.arange(n) / rate
    vibrato = 0.004 * np.clip((t - 0.2) / 0.3, 0, 1) * np.sin(2 * np.pi * 5.2 * t)
    phase = 2 * np.pi * f0 * np.cumsum(1 + vibrato) / rate
    brightness = 0.55 + 0.45 * np.exp(-t / 0.15)  # a bright attack that mellows
    out = np.zeros(n)
    for k in range(1, 9):
        if k * f0 < 0.45 * rate:
            out += (brightness ** (k - 1)) * np.sin(k * phase) / k ** 1.3
    return 0.7 * out * _fade(n, rate, 0.025, 0.06)


def _vibes(f0, duration, rate):
    """A vibraphone-like bar: partials 1, 4 and 10 that decay, a slow tremolo, 80 ms damping."""
    n = int((duration + 0.08) * rate)
    t = np.arange(n) / rate
    out = np.sin(2 * np.pi * f0 * t) * np.exp(-t / 1.4)
    for ratio, amplitude, decay in ((4.0, 0.25, 0.25), (10.0, 0.06, 0.05)):
        if ratio * f0 < 0.45 * rate:
            out += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * ratio * f0 * t)
    out *= 1 + 0.15 * np.sin(2 * np.pi * 4.5 * t)
    return out * _fade(n, rate, 0.002, 0.08)


def _piano(f0, duration, rate):
    """A piano-like tone: slightly stretched harmonics, the higher ones decaying faster, 60 ms release."""
    n = int((duration + 0.06) * rate)
    t = np.arange(n) / rate
    decay = 0.6 + 1.2 * np.exp(-(f0 - 130) / 300)
    amplitudes = (1, 0.5, 0.3, 0.18, 0.1, 0.06)
    out = _partials(f0, t, amplitudes, [decay / (1 + 0.7 * k) for k in range(6)], rate, stretch=2e-4)
    return 0.5 * out * _fade(n, rate, 0.003, 0.06)


def _bass(f0, duration, rate):
    """A plucked, low-passed string: harmonics 1/k that die away faster the higher they are."""
    n = int((duration + 0.05) * rate)
    t = np.arange(n) / rate
    out = _partials(f0, t, [1 / k for k in range(1, 7)], [0.9 / (1 + 1.5 * k) for k in range(6)], rate)
    return out * _fade(n, rate, 0.005, 0.05)


def _noise(n, rate, low, high, seed):
    """Deterministic white noise of ``n`` samples band-passed to ``low..high`` Hz."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    spectrum[(freqs < low) | (freqs > min(high, 0.45 * rate))] = 0
    out = np.fft.irfft(spectrum, n)
    return out / (np.std(out) + 1e-12)


@functools.lru_cache(maxsize=32)
def _drum(note, rate):
    """The sample (1-D array) of one GM drum note at full velocity."""
    length = {RIDE: 1.2, SNARE: 0.25, KICK: 0.35}.get(note, 0.12)
    n = int(length * rate)
    t = np.arange(n) / rate
    if note == KICK:
        phase = 2 * np.pi * np.cumsum(50 + 60 * np.exp(-t / 0.03)) / rate
        out = np.sin(phase) * np.exp(-t / 0.12)
    elif note == SNARE:
        out = 0.5 * _noise(n, rate, 1500, 7000, note) * np.exp(-t / 0.07)
        out += 0.6 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.04)
    elif note in (PEDAL_HIHAT, CLOSED_HIHAT, 46):
        out = 0.4 * _noise(n, rate, 6000, 12000, note) * np.exp(-t / (0.02 if note == PEDAL_HIHAT else 0.035))
    else:  # ride and any other cymbal: a stick "ping" and many inharmonic partials over a wash of noise
        out = 0.12 * _noise(n, rate, 3000, 12000, note) * (np.exp(-t / 0.35) + 3 * np.exp(-t / 0.01))
        partials = np.random.default_rng(note).uniform(2500, 8000, 16)
        for f in partials[partials < 0.45 * rate]:
            out += 0.025 * np.sin(2 * np.pi * f * t) * np.exp(-t / (0.1 + 0.3 * 2500 / f))
    return out * _fade(n, rate, 0.0005, 0.02)


def _voice(program):
    """(tone function, gain) of a GM program in the numpy synthesiser."""
    if program < 8:
        return _piano, 0.4
    if 32 <= program < 40:
        return _bass, 0.6
    if 8 <= program < 16:
        return _vibes, 0.9
    return _horn, 0.8


def synthesise(pm, rate=24000):
    """Mono float samples (not normalised) of ``pm`` from the numpy synthesiser, ``pm.get_end_time()`` long."""
    out = np.zeros(int(round(pm.get_end_time() * rate)) + 1)
    tones = {}
    for instrument in pm.instruments:
        tone, gain = (None, 0.5) if instrument.is_drum else _voice(instrument.program)
        for note in instrument.notes:
            if instrument.is_drum:
                sound = _drum(note.pitch, rate)
            else:  # the same pitch and length sound the same: synthesise once
                key = (tone, note.pitch, round((note.end - note.start) * rate))
                if key not in tones:
                    tones[key] = tone(_frequency(note.pitch), key[2] / rate, rate)
                sound = tones[key]
            start = int(round(note.start * rate))
            sound = sound[: max(0, len(out) - start)]
            out[start:start + len(sound)] += gain * (note.velocity / 127) ** 1.5 * sound
    return room(out[:-1], rate).astype(np.float32)


def room(samples, rate, wet=0.2, decay=0.3):
    """``samples`` with a little reverberation: convolved (FFT) with decaying, darkened noise."""
    t = np.arange(int(4 * decay * rate)) / rate
    response = _noise(len(t), rate, 100, 5000, 0) * np.exp(-t / decay) * np.clip(t / 0.01, 0, 1)
    response *= 1 / np.sqrt(np.sum(response ** 2))
    size = 1 << (len(samples) + len(response) - 2).bit_length()
    wet_part = np.fft.irfft(np.fft.rfft(samples, size) * np.fft.rfft(response, size), size)
    return samples + wet * wet_part[: len(samples)]


# ---------------------------------------------------------------- listening and looking

def play(melody, changes, tempo=140, seed=0, engine="auto", rate=22050, band=True,
         melody_program=MELODY_PROGRAM):
    """An ``IPython.display.Audio`` player of the melody over the band (mono, ``rate`` Hz).

    ``audio.engine`` says which engine made it. 30 s at 22050 Hz is about 1.8 MB in a notebook.
    """
    from IPython.display import Audio
    pm = to_midi(melody, changes, tempo=tempo, seed=seed, band=band, melody_program=melody_program)
    rendered = render(pm, engine=engine, rate=rate)
    audio = Audio(data=rendered.samples, rate=rate, normalize=False)
    audio.engine = rendered.engine
    return audio


def save_wav(path, samples, rate):
    """Write mono float ``samples`` in [-1, 1] as a 16-bit WAV file."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


NOTE_COLOURS = {"chord tone": "#1f77b4", "scale tone": "#2ca02c", "outside": "#d62728"}


def note_role(pitch, symbol):
    """"chord tone", "scale tone" or "outside": how a pitch sits on a chord."""
    if pitch % 12 in chord_tones(symbol):
        return "chord tone"
    return "scale tone" if pitch % 12 in chord_scale(symbol) else "outside"


def piano_roll(ax, melody, changes, title=None):
    """Draw the melody over the changes into the matplotlib axes ``ax``; returns the note rectangles.

    x: time in bars; y: MIDI pitch. Each bar is shaded with light bands at its chord tones, its
    chord symbol is written above it, and each note is a rectangle (gid "note") coloured by
    ``note_role`` (a legend says which colour is which).
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.transforms import blended_transform_factory

    changes = list(changes)
    bars = max([len(changes)] + [int(np.ceil((e.start + e.duration) / EIGHTHS_PER_BAR)) for e in melody])
    pitches = [e.pitch for e in melody] or [60, 79]
    low, high = min(pitches) - 2, max(pitches) + 2
    bands = []
    for bar, symbol in enumerate(changes):
        tones = chord_tones(symbol)
        bands += [[(bar, p - 0.5), (bar + 1, p - 0.5), (bar + 1, p + 0.5), (bar, p + 0.5)]
                  for p in range(low, high + 1) if p % 12 in tones]
    ax.add_collection(PolyCollection(bands, facecolors="#f2c14e", alpha=0.22, edgecolors="none",
                                     zorder=0, label="_chord tones"))
    for bar in range(bars + 1):
        ax.axvline(bar, color="0.6", linewidth=0.8, zorder=1)
    above = blended_transform_factory(ax.transData, ax.transAxes)
    for bar, symbol in enumerate(changes):
        ax.text(bar + 0.5, 1.01, symbol, transform=above, ha="center", va="bottom",
                fontsize=10, fontweight="bold", gid="chord")
    rectangles = []
    for e in melody:
        symbol = changes[int(e.start // EIGHTHS_PER_BAR) % len(changes)] if changes else None
        colour = NOTE_COLOURS[note_role(e.pitch, symbol)] if symbol else "0.3"
        rectangle = Rectangle((e.start / EIGHTHS_PER_BAR, e.pitch - 0.4), e.duration / EIGHTHS_PER_BAR,
                              0.8, facecolor=colour, edgecolor="black", linewidth=0.5, zorder=3, gid="note")
        rectangles.append(ax.add_patch(rectangle))
    ax.set_xlim(0, bars)
    ax.set_ylim(low - 0.5, high + 0.5)
    naturals = [p for p in range(low, high + 1) if "#" not in NOTE_NAMES[p % 12] and "b" not in NOTE_NAMES[p % 12]]
    ax.set_yticks(naturals, [f"{NOTE_NAMES[p % 12]}{p // 12 - 1}" for p in naturals], fontsize=7)
    ax.set_xticks(range(bars + 1))
    ax.set_xlabel("time (bars)")
    ax.set_ylabel("pitch")
    handles = [Patch(facecolor=c, edgecolor="black", label=name) for name, c in NOTE_COLOURS.items()]
    handles.append(Patch(facecolor="#f2c14e", alpha=0.4, label="chord-tone pitches"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), borderaxespad=0, fontsize=7)
    if title:
        ax.set_title(title, pad=18)
    return rectangles
