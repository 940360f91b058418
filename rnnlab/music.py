"""Jazz harmony for the assignment "Jazz improvisation with an LSTM": chord symbols and their notes.

A chord symbol is a root (``C``, ``F#``, ``Bb``, ...) followed by a quality of ``QUALITIES``:
``"Dm7"``, ``"G7"``, ``"Cmaj7"``, ``"Bm7b5"``, ``"E7b9"``, ``"Am6"``, ``"C6"``, ``"F#dim7"``. Pitch
classes count semitones above C (C = 0, C# = 1, ..., B = 11); MIDI pitch 60 is middle C (C4).

The second half of the module holds the course's jazz phrases (``load_phrases``) and their tokens:
``VOCAB``, ``encode_phrase``, ``decode``, the training data of the LSTM (``training_sequences``,
``make_training_data``) and the measures of the quality figure (``note_quality``, ``repetition``,
``random_tokens``).
"""

import re
from collections import namedtuple

import numpy as np

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# quality -> (chord tones, chord scale), as semitones above the root. The scale is the one a jazz
# player would think of over the chord: major for maj7 and 6, mixolydian for 7, dorian for m7,
# melodic minor for m6, locrian for m7b5, half-whole diminished for 7b9, whole-half for dim7.
QUALITIES = {
    "maj7": ((0, 4, 7, 11), (0, 2, 4, 5, 7, 9, 11)),
    "6": ((0, 4, 7, 9), (0, 2, 4, 5, 7, 9, 11)),
    "7": ((0, 4, 7, 10), (0, 2, 4, 5, 7, 9, 10)),
    "m7": ((0, 3, 7, 10), (0, 2, 3, 5, 7, 9, 10)),
    "m6": ((0, 3, 7, 9), (0, 2, 3, 5, 7, 9, 11)),
    "m7b5": ((0, 3, 6, 10), (0, 1, 3, 5, 6, 8, 10)),
    "7b9": ((0, 4, 7, 10, 1), (0, 1, 3, 4, 6, 7, 9, 10)),
    "dim7": ((0, 3, 6, 9), (0, 2, 3, 5, 6, 8, 9, 11)),
}

_SYMBOL = re.compile(r"([A-G])([#b]?)(.*)")


def parse_chord(symbol):
    """``(root pitch class, quality)`` of a chord symbol such as ``"Bbm7"``; raises ``ValueError``."""
    match = _SYMBOL.fullmatch(symbol.strip())
    if not match or match.group(3) not in QUALITIES:
        raise ValueError(f"unknown chord symbol {symbol!r}: a root (C, F#, Bb, ...) and one of "
                         f"{', '.join(QUALITIES)}")
    letter, accidental, quality = match.groups()
    root = (LETTERS[letter] + {"#": 1, "b": -1, "": 0}[accidental]) % 12
    return root, quality


def chord_symbol(root, quality):
    """The symbol of a chord, with the root spelled as in ``NOTE_NAMES`` (``chord_symbol(10, "7")`` is ``"Bb7"``)."""
    return NOTE_NAMES[root % 12] + quality


def chord_tones(symbol):
    """The pitch classes (a frozenset) of the chord's notes: ``chord_tones("G7") == {7, 11, 2, 5}``."""
    root, quality = parse_chord(symbol)
    return frozenset((root + step) % 12 for step in QUALITIES[quality][0])


def chord_scale(symbol):
    """The pitch classes (a frozenset) of the chord's scale, which contains its chord tones."""
    root, quality = parse_chord(symbol)
    return frozenset((root + step) % 12 for step in QUALITIES[quality][1])


def transpose_chord(symbol, semitones):
    """The chord symbol moved up by ``semitones``: ``transpose_chord("Dm7", 3) == "Fm7"``."""
    root, quality = parse_chord(symbol)
    return chord_symbol(root + semitones, quality)


# One note of a melody: a MIDI pitch (int) sounding from ``start`` for ``duration``, both counted in
# eighth notes from the beginning of the music (a bar of 4/4 holds 8 eighths).
Event = namedtuple("Event", "pitch start duration")


# ---------------------------------------------------------------------------------------------------
# The jazz phrases of the course (assets/jazz/phrases.txt) and their tokens.
#
# A phrase is one to four bars of 4/4 over chord changes, one chord per bar. A bar holds 8 eighth
# notes. The LSTM reads a phrase as a sequence of tokens that are relative to each bar's chord:
#
#     "bar:m7"   a bar line, carrying the quality of the chord of the bar that starts here
#     "n+4:2"    a note 4 semitones above the reference pitch of the chord (its root placed in
#                octave 4: MIDI 60 + root pitch class), lasting 2 eighths (a quarter note)
#     "r:3"      a rest of 3 eighths
#
# So "n+4:2" is the major third of whatever chord is sounding, and a phrase means the same to the
# model in every key. The chord's root itself is not a token: the changes are given when decoding.
# So the model knows the quality of each bar's chord but not how far the root moves from one bar to
# the next; how a line continues over a bar line it learns only from the examples.
#
# VOCAB order: the 8 bar tokens (in QUALITIES order), the 4 rests, then the notes by offset and
# duration: n_values = 8 + 4 + 20 * 4 = 92.

BAR_LENGTH = 8                  # eighth notes in a bar of 4/4
DURATIONS = (1, 2, 3, 4)        # eighth, quarter, dotted quarter, half (in eighth notes)
OFFSETS = range(-7, 13)         # semitones from the reference pitch: a fifth below to an octave above
REFERENCE = 60                  # MIDI pitch of C4; a chord's reference pitch is REFERENCE + root

Phrase = namedtuple("Phrase", "title changes bars")
Phrase.__doc__ = """A jazz phrase: ``title`` (str), ``changes`` (chord symbols, one per bar) and
``bars`` (one list per bar of ``(pitch, duration)`` pairs: a MIDI pitch, or None for a rest, and a
duration in eighth notes; the durations of a bar add up to 8)."""

VOCAB = ([f"bar:{quality}" for quality in QUALITIES]
         + [f"r:{duration}" for duration in DURATIONS]
         + [f"n{offset:+d}:{duration}" for offset in OFFSETS for duration in DURATIONS])
n_values = len(VOCAB)
TOKEN_INDEX = {token: index for index, token in enumerate(VOCAB)}

# What each token is, by index: ("bar", quality, 0) | ("rest", 0, duration) | ("note", offset, duration)
TOKEN_PARTS = ([("bar", quality, 0) for quality in QUALITIES]
               + [("rest", 0, duration) for duration in DURATIONS]
               + [("note", offset, duration) for offset in OFFSETS for duration in DURATIONS])

_PITCH = re.compile(r"([A-G])([#b]?)(-?\d)")
_ITEM = re.compile(r"(r|[A-G][#b]?-?\d):(\d+)")


def parse_pitch(name):
    """The MIDI pitch of a note name with octave: ``parse_pitch("C4") == 60``, ``parse_pitch("Bb3") == 58``."""
    match = _PITCH.fullmatch(name.strip())
    if not match:
        raise ValueError(f"bad note name {name!r}: write a letter A-G, an optional # or b, "
                         "and an octave (C4 = 60)")
    letter, accidental, octave = match.groups()
    return 12 * (int(octave) + 1) + LETTERS[letter] + {"#": 1, "b": -1, "": 0}[accidental]


def pitch_name(pitch):
    """The name of a MIDI pitch, spelled as in ``NOTE_NAMES``: ``pitch_name(70) == "Bb4"``."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def parse_phrases(text):
    """Read phrases written in the text format of ``assets/jazz/phrases.txt``; returns a list of Phrase.

    Each phrase is three lines (blank lines and lines starting with ``#`` are skipped)::

        phrase: ii-V-I in F, descending bebop line
        changes: Gm7 | C7 | Fmaj7
        notes: D5:1 C5:1 Bb4:1 A4:1 G4:1 F4:1 E4:1 D4:1 | ... | ...

    A note is a pitch name with octave (C4 = MIDI 60, sharps ``#``, flats ``b``) and a duration in
    eighth notes; ``r:2`` is a rest of a quarter. Durations are 1, 2, 3 or 4; bars are separated by
    ``|`` and each bar adds up to 8 eighths; there is one chord per bar. Raises ``ValueError``
    naming the line for anything else.
    """
    phrases, current = [], None

    def finish(number):
        if current is not None and "notes" not in current:
            raise ValueError(f"line {number}: the phrase {current['title']!r} (line {current['line']}) "
                             f"needs a 'changes:' line and a 'notes:' line before the next phrase or the end")
        if current is not None:
            phrases.append(Phrase(current["title"], current["changes"], current["notes"]))

    lines = text.splitlines()
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if not colon or key not in ("phrase", "changes", "notes"):
            raise ValueError(f"line {number}: expected 'phrase: ...', 'changes: ...' or 'notes: ...', "
                             f"got {line!r}")
        if key == "phrase":
            finish(number)
            if not value:
                raise ValueError(f"line {number}: the phrase needs a title after 'phrase:'")
            current = {"title": value, "line": number}
        elif current is None:
            raise ValueError(f"line {number}: '{key}:' before any 'phrase:' line")
        elif key == "changes":
            if "changes" in current:
                raise ValueError(f"line {number}: a second 'changes:' line in the phrase {current['title']!r}")
            current["changes"] = _parse_changes(value, number)
        else:
            if "changes" not in current:
                raise ValueError(f"line {number}: 'notes:' before 'changes:' in the phrase {current['title']!r}")
            if "notes" in current:
                raise ValueError(f"line {number}: a second 'notes:' line in the phrase {current['title']!r}")
            bars = _parse_bars(value, number)
            if len(bars) != len(current["changes"]):
                raise ValueError(f"line {number}: {len(bars)} bar(s) of notes but {len(current['changes'])} "
                                 f"chord(s) in the phrase {current['title']!r}: write one chord per bar")
            current["notes"] = bars
    finish(len(lines))
    return phrases


def _parse_changes(value, number):
    chords = [chord.strip() for chord in value.split("|")]
    for chord in chords:
        try:
            parse_chord(chord)
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
    return chords


def _parse_bars(value, number):
    bars = []
    for index, text in enumerate(value.split("|"), 1):
        bar = []
        for item in text.split():
            match = _ITEM.fullmatch(item)
            if not match:
                raise ValueError(f"line {number}, bar {index}: cannot read {item!r}; write a pitch and a "
                                 f"duration in eighths like 'Bb4:2', or a rest like 'r:1'")
            name, duration = match.group(1), int(match.group(2))
            if duration not in DURATIONS:
                raise ValueError(f"line {number}, bar {index}: {item!r} lasts {duration} eighths; allowed "
                                 f"durations are {DURATIONS} (write longer notes as shorter notes or rests)")
            bar.append((None if name == "r" else parse_pitch(name), duration))
        total = sum(duration for _, duration in bar)
        if total != BAR_LENGTH:
            raise ValueError(f"line {number}, bar {index}: the durations add up to {total} eighths, "
                             f"not {BAR_LENGTH}")
        bars.append(bar)
    return bars


def load_phrases():
    """The phrases of the course corpus, ``assets/jazz/phrases.txt``, as a list of Phrase."""
    from rnnlab.data import assets_dir

    return parse_phrases((assets_dir() / "jazz" / "phrases.txt").read_text(encoding="utf-8"))


def phrase_events(phrase):
    """The notes of a phrase as a list of Event (rests give no event), bar ``b`` (0-based) starting at ``8 b``."""
    events = []
    for number, bar in enumerate(phrase.bars):
        start = number * BAR_LENGTH
        for pitch, duration in bar:
            if pitch is not None:
                events.append(Event(pitch, start, duration))
            start += duration
    return events


def transpose_phrase(phrase, semitones):
    """The phrase moved up by ``semitones`` (down if negative): every note and every chord."""
    return Phrase(phrase.title, [transpose_chord(chord, semitones) for chord in phrase.changes],
                  [[(None if pitch is None else pitch + semitones, duration) for pitch, duration in bar]
                   for bar in phrase.bars])


def encode_phrase(phrase):
    """The tokens (a list of ints, indices of ``VOCAB``) of a phrase: per bar, ``"bar:<quality>"``
    then its notes and rests in order. Raises ``ValueError`` if a note lies outside ``OFFSETS``
    around its chord's reference pitch (``REFERENCE`` + root) or has a duration not in ``DURATIONS``."""
    tokens = []
    for number, (symbol, bar) in enumerate(zip(phrase.changes, phrase.bars), 1):
        root, quality = parse_chord(symbol)
        tokens.append(TOKEN_INDEX[f"bar:{quality}"])
        for pitch, duration in bar:
            if duration not in DURATIONS:
                raise ValueError(f"{phrase.title!r}, bar {number}: duration {duration} is not one of {DURATIONS}")
            if pitch is None:
                tokens.append(TOKEN_INDEX[f"r:{duration}"])
                continue
            offset = pitch - REFERENCE - root
            if offset not in OFFSETS:
                raise ValueError(
                    f"{phrase.title!r}, bar {number}: {pitch_name(pitch)} is {offset:+d} semitones from "
                    f"{pitch_name(REFERENCE + root)}, the reference pitch of {symbol}; tokens cover "
                    f"{OFFSETS.start:+d} to {OFFSETS.stop - 1:+d}")
            tokens.append(TOKEN_INDEX[f"n{offset:+d}:{duration}"])
    return tokens


def _token_index(token):
    if isinstance(token, str):
        if token not in TOKEN_INDEX:
            raise ValueError(f"unknown token {token!r}")
        return TOKEN_INDEX[token]
    index = int(token)
    if not 0 <= index < n_values:
        raise ValueError(f"token {index} is outside the vocabulary 0 ... {n_values - 1}")
    return index


def decode(tokens, changes):
    """Play tokens over chord changes; returns a list of Event (rests give no event).

    ``tokens``: ints (indices of ``VOCAB``; numpy ints are fine) or token strings. ``changes``: chord
    symbols, one per bar of 8 eighths. The rules, which accept any sequence a model may produce:

    - a bar token starts the next bar (the rest of the current bar stays silent); tokens before
      the first bar token belong to bar 1, so a leading bar token simply opens bar 1;
    - the quality written in a bar token is the model's guess and is ignored: a note takes the root
      of the chord of its bar, ``pitch = REFERENCE + root + offset``;
    - a note or rest longer than what remains of its bar is shortened to fit; once a bar is full,
      notes and rests are dropped until the next bar token;
    - everything after the last bar of ``changes`` is dropped.

    ``decode(encode_phrase(p), p.changes) == phrase_events(p)`` for every phrase ``p``.
    """
    roots = [parse_chord(symbol)[0] for symbol in changes]
    events, bar, position = [], -1, 0
    for token in tokens:
        kind, offset, duration = TOKEN_PARTS[_token_index(token)]
        if kind == "bar":
            bar, position = bar + 1, 0
            if bar >= len(roots):
                break
            continue
        bar = max(bar, 0)
        if bar >= len(roots):
            break
        duration = min(duration, BAR_LENGTH - position)
        if duration <= 0:
            continue
        if kind == "note":
            events.append(Event(REFERENCE + roots[bar] + offset, bar * BAR_LENGTH + position, duration))
        position += duration
    return events


def token_names(tokens):
    """The strings of a list of int tokens: ``token_names([0, 9]) == ["bar:maj7", "r:2"]``."""
    return [VOCAB[_token_index(token)] for token in tokens]


def _fits(phrase):
    try:
        encode_phrase(phrase)
    except ValueError:
        return False
    return True


def training_phrases(phrases=None):
    """Every phrase (default: :func:`load_phrases`) in the 12 keys, as a list of Phrase.

    A phrase moved up by 0 ... 11 semitones is kept if all its notes fit ``OFFSETS``; if not, the
    same with its melody an octave up, or an octave down; else that key is dropped.
    """
    kept = []
    for phrase in load_phrases() if phrases is None else phrases:
        for semitones in range(12):
            moved = transpose_phrase(phrase, semitones)
            for octave in (0, 12, -12):
                candidate = moved._replace(bars=transpose_phrase(moved, octave).bars)
                if _fits(candidate):
                    kept.append(candidate)
                    break
    return kept


def training_sequences(phrases=None):
    """The distinct token sequences (lists of ints) of the phrases in the 12 keys (see :func:`training_phrases`).

    What this augmentation adds, honestly: very little. Tokens are relative to each bar's root, so a
    phrase and its transposition have the same tokens, except in the bars whose root crosses the
    octave boundary of the reference (from B up to C): there the line sits an octave higher relative
    to the root, and that bar's offsets grow by 12 (or, once the melody is moved an octave down to
    fit, the other bars' offsets shrink by 12). Such a variant fits ``OFFSETS`` (20 semitones) only
    if the bars it moves span at most 7 semitones and lie near one end of the range. Bebop lines
    span more, so most phrases give back their own tokens in every key: with the course corpus, 72
    phrases give 73 sequences. The variants that do appear place a bar an octave higher or lower
    relative to its chord; no new rhythm, no new melodic shape. Transposition is what makes the
    encoding work in every key, not a source of more data.
    """
    seen, sequences = set(), []
    for phrase in training_phrases(phrases):
        tokens = tuple(encode_phrase(phrase))
        if tokens not in seen:
            seen.add(tokens)
            sequences.append(list(tokens))
    return sequences


def windows(sequence, T_x=30):
    """The training windows of a token sequence: lists of at most ``T_x`` ints, each starting at a bar token.

    A window starts at every bar token of the sequence (and at its first token, if that is not a
    bar token) and takes the next ``T_x`` tokens or up to the end. So a 4-bar phrase gives 4 windows:
    bars 1-4 (cut to ``T_x`` tokens if longer), bars 2-4, bars 3-4 and bar 4. Each is a phrase that
    starts on a bar line, which is what the model learns to begin with; the later windows also
    carry the tokens that the first one cuts off.
    """
    sequence = [_token_index(token) for token in sequence]
    starts = [i for i, token in enumerate(sequence) if i == 0 or TOKEN_PARTS[token][0] == "bar"]
    return [sequence[start:start + T_x] for start in starts]


def make_training_data(sequences, T_x=30):
    """One-hot training data of the LSTM language model: ``X (m, T_x, n_values)`` and ``Y (T_x, m, n_values)``.

    Each sequence is cut by :func:`windows` (one window per bar line); identical windows are kept
    once, so ``m`` is the number of distinct windows. For example ``i`` with tokens ``w_1 ... w_L`` (L <= T_x):

    - ``x^(i)<1>`` is the zero vector and ``x^(i)<t+1>`` is the one-hot vector of ``w_t``;
    - ``y^(i)<t>`` is the one-hot vector of ``w_t``: the target at step ``t`` is the input of step
      ``t + 1``, so ``X[:, 1:, :] == Y[:-1].transpose(1, 0, 2)``;
    - after the end of the window (``t > L``) both are zero rows. A zero target row adds nothing to a
      categorical cross-entropy, but Keras computes the gradient of its softmax cross-entropy as if
      every target row summed to 1: train with ``sample_weight=list(Y.sum(axis=2))`` (1 for a real
      step, 0 for padding) so that padded steps do not count.

    Both arrays are float32. ``X[i, t]`` is ``x^(i)<t+1>`` and ``Y[t, i]`` is ``y^(i)<t+1>`` (0-based).
    """
    seen, examples = set(), []
    for sequence in sequences:
        for window in windows(sequence, T_x):
            if tuple(window) not in seen:
                seen.add(tuple(window))
                examples.append(window)
    X = np.zeros((len(examples), T_x, n_values), dtype=np.float32)
    Y = np.zeros((T_x, len(examples), n_values), dtype=np.float32)
    for i, window in enumerate(examples):
        for t, token in enumerate(window):
            Y[t, i, token] = 1
            if t + 1 < T_x:
                X[i, t + 1, token] = 1
    return X, Y


def note_quality(events, changes):
    """How well notes fit the chords: a dict with

    - ``"notes"``: the number of events that start inside the changes (the others are ignored);
    - ``"chord_tones"``: the share of those notes whose pitch class is a chord tone
      (:func:`chord_tones`) of the chord sounding at the note's start (bar ``start // 8``);
    - ``"scale_tones"``: the share that belong to that chord's scale (:func:`chord_scale`);
    - ``"on_beat_chord_tones"``: the share of the notes starting on a beat (an even eighth) that
      are chord tones.

    Shares are floats in [0, 1], ``nan`` when there is no note to count.
    """
    tones = [chord_tones(symbol) for symbol in changes]
    scales = [chord_scale(symbol) for symbol in changes]
    notes = chord = scale = on_beat = on_beat_chord = 0
    for event in events:
        bar = int(event.start) // BAR_LENGTH
        if not 0 <= bar < len(changes) or event.start < 0:
            continue
        pitch_class = int(event.pitch) % 12
        notes += 1
        chord += pitch_class in tones[bar]
        scale += pitch_class in scales[bar]
        if int(event.start) % 2 == 0:
            on_beat += 1
            on_beat_chord += pitch_class in tones[bar]

    def share(count, total):
        return count / total if total else float("nan")

    return {"notes": notes, "chord_tones": share(chord, notes), "scale_tones": share(scale, notes),
            "on_beat_chord_tones": share(on_beat_chord, on_beat)}


def repetition(tokens, n=4):
    """The share of the n-grams of a sequence (``tokens[i:i+n]`` for every ``i``) that repeat an n-gram
    starting earlier in the same sequence: 0 when nothing repeats, close to 1 for a loop. 0 when the
    sequence is shorter than ``n``."""
    tokens = list(tokens)
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    seen, repeats = set(), 0
    for gram in grams:
        if gram in seen:
            repeats += 1
        seen.add(gram)
    return repeats / len(grams) if grams else 0.0


def random_tokens(rng, length):
    """A random token sequence of ``length`` ints, the baseline of the quality figure.

    It starts with a bar token; then notes and rests are drawn uniformly among those that fit in
    what remains of the bar, and a bar token (of a random quality) follows each time the 8 eighths
    of a bar are filled. ``rng`` is a ``numpy.random.Generator`` or a seed.
    """
    rng = np.random.default_rng(rng)
    bars = [index for index, parts in enumerate(TOKEN_PARTS) if parts[0] == "bar"]
    others = [index for index, parts in enumerate(TOKEN_PARTS) if parts[0] != "bar"]
    tokens, position = [], BAR_LENGTH
    while len(tokens) < length:
        if position >= BAR_LENGTH:
            tokens.append(int(rng.choice(bars)))
            position = 0
            continue
        fitting = [index for index in others if TOKEN_PARTS[index][2] <= BAR_LENGTH - position]
        token = int(rng.choice(fitting))
        tokens.append(token)
        position += TOKEN_PARTS[token][2]
    return tokens


class BarDraws:
    """Stands in for a numpy ``Generator`` when a model improvises over ``changes``: its draws fit the bars.

    A sampler calls ``choice(n_values, p=q)`` once per token. At a bar line (before the first token,
    and whenever the 8 eighths of a bar are filled) the call returns the bar token of the next
    chord's quality, so the model is told which chord comes. Inside a bar it draws from ``q`` (with
    ``generator``) among the notes and rests that fit in what remains of the bar; when the model
    gives them no probability at all, among those tokens uniformly. After the last bar it returns
    the first bar token (``decode`` drops everything after the last bar).

    ``q``, the distribution the sampler passed at each call, is kept in ``distributions``;
    ``forced`` lists, per call, whether the token was a bar line imposed by the changes.
    """

    def __init__(self, changes, generator):
        self.qualities = [parse_chord(symbol)[1] for symbol in changes]
        self.generator = generator
        self.bar, self.position = -1, BAR_LENGTH
        self.distributions, self.forced = [], []

    def choice(self, a, size=None, replace=True, p=None):
        self.distributions.append(None if p is None else np.array(p, dtype=np.float64).ravel())
        if self.position >= BAR_LENGTH:
            self.bar, self.position = self.bar + 1, 0
            self.forced.append(True)
            return TOKEN_INDEX[f"bar:{self.qualities[min(self.bar, len(self.qualities) - 1)]}"]
        self.forced.append(False)
        fits = np.array([kind != "bar" and duration <= BAR_LENGTH - self.position
                         for kind, _, duration in TOKEN_PARTS], dtype=np.float64)
        q = self.distributions[-1] if self.distributions[-1] is not None else np.ones(n_values)
        q = q * fits if np.sum(q * fits) > 0 else fits
        index = int(self.generator.choice(n_values, p=q / np.sum(q)))
        self.position += TOKEN_PARTS[index][2]
        return index

    def __getattr__(self, name):
        return getattr(self.generator, name)
