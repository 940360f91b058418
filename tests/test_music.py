"""The jazz corpus parses, its tokens round-trip, and the training data and quality measures are right."""

import numpy as np
import pytest

from rnnlab import music
from rnnlab.music import Event, Phrase

PHRASES = music.load_phrases()


def test_chords():
    assert music.parse_chord("Bbm7") == (10, "m7")
    assert music.parse_chord("F#7b9") == (6, "7b9")
    assert music.chord_tones("G7") == {7, 11, 2, 5}
    assert music.chord_tones("A7b9") == {9, 1, 4, 7, 10}
    assert music.chord_tones("Cm6") == {0, 3, 7, 9}
    assert music.chord_tones("C6") < music.chord_scale("C6")
    for quality, (tones, scale) in music.QUALITIES.items():
        assert set(tones) <= set(scale), quality
    assert music.transpose_chord("Dm7", 3) == "Fm7"
    assert music.transpose_chord("B7", 1) == "C7"
    with pytest.raises(ValueError, match="unknown chord"):
        music.parse_chord("Cm9")


def test_pitch_names():
    assert music.parse_pitch("C4") == 60
    assert music.parse_pitch("Bb3") == 58
    assert music.parse_pitch("F#5") == 78
    assert music.parse_pitch("Cb5") == 71
    assert music.pitch_name(70) == "Bb4"
    assert all(music.parse_pitch(music.pitch_name(p)) == p for p in range(40, 100))


def test_corpus_size_and_format():
    titles = [phrase.title for phrase in PHRASES]
    melodies = {tuple(map(tuple, phrase.bars)) for phrase in PHRASES}
    assert len(PHRASES) >= 45
    assert len(set(titles)) == len(titles), "two phrases have the same title"
    assert len(melodies) == len(PHRASES) >= 40, "two phrases have the same notes"
    for phrase in PHRASES:
        assert 1 <= len(phrase.bars) == len(phrase.changes) <= 4, phrase.title
        for chord in phrase.changes:
            music.parse_chord(chord)
        for bar in phrase.bars:
            assert sum(duration for _, duration in bar) == music.BAR_LENGTH, phrase.title
            assert all(duration in music.DURATIONS for _, duration in bar), phrase.title
            assert any(pitch is not None for pitch, _ in bar), f"{phrase.title}: a bar with no note"


def test_corpus_range_and_variety():
    pitches = [pitch for phrase in PHRASES for bar in phrase.bars for pitch, _ in bar if pitch is not None]
    assert min(pitches) >= music.parse_pitch("F3") and max(pitches) <= music.parse_pitch("C6")
    qualities = {music.parse_chord(chord)[1] for phrase in PHRASES for chord in phrase.changes}
    assert qualities == set(music.QUALITIES)
    roots = {music.parse_chord(chord)[0] for phrase in PHRASES for chord in phrase.changes}
    assert roots == set(range(12))
    durations = {duration for phrase in PHRASES for bar in phrase.bars for _, duration in bar}
    assert durations == set(music.DURATIONS)
    rests = sum(pitch is None for phrase in PHRASES for bar in phrase.bars for pitch, _ in bar)
    assert rests >= 50


def test_vocabulary():
    assert music.n_values == len(music.VOCAB) == 92
    assert len(set(music.VOCAB)) == music.n_values
    assert 40 <= music.n_values <= 100
    assert music.VOCAB[:8] == [f"bar:{quality}" for quality in music.QUALITIES]
    assert music.TOKEN_INDEX["n+4:2"] == music.VOCAB.index("n+4:2")
    assert {"r:1", "r:4", "n-7:1", "n+12:4", "n+0:3", "bar:m7b5"} <= set(music.VOCAB)
    assert music.token_names([0, 9]) == ["bar:maj7", "r:2"]


def test_encode_example():
    phrase = music.parse_phrases("phrase: t\nchanges: G7 | Cmaj7\nnotes: B4:2 r:2 F5:4 | E4:3 G3:1 r:4\n")[0]
    assert music.token_names(music.encode_phrase(phrase)) == [
        "bar:7", "n+4:2", "r:2", "n+10:4", "bar:maj7", "n+4:3", "n-5:1", "r:4"]


def test_encode_out_of_range():
    phrase = Phrase("low", ["C7"], [[(52, 8)]])
    with pytest.raises(ValueError, match="E3 is -8 semitones"):
        music.encode_phrase(Phrase("low", ["C7"], [[(52, 4), (None, 4)]]))
    with pytest.raises(ValueError, match="duration"):
        music.encode_phrase(phrase)
    with pytest.raises(ValueError, match=r"\+13"):
        music.encode_phrase(Phrase("high", ["C7"], [[(73, 4), (None, 4)]]))


@pytest.mark.parametrize("phrase", PHRASES, ids=[p.title[:40] for p in PHRASES])
def test_round_trip_every_phrase(phrase):
    tokens = music.encode_phrase(phrase)
    assert sum(music.VOCAB[t].startswith("bar:") for t in tokens) == len(phrase.bars)
    assert music.decode(tokens, phrase.changes) == music.phrase_events(phrase)
    assert music.decode(music.token_names(tokens), phrase.changes) == music.phrase_events(phrase)


def test_round_trip_every_kept_transposition():
    kept = music.training_phrases()
    assert len(kept) >= 4 * len(PHRASES)
    for phrase in kept:
        assert music.decode(music.encode_phrase(phrase), phrase.changes) == music.phrase_events(phrase)


def test_transpose_phrase():
    phrase = PHRASES[0]
    up = music.transpose_phrase(phrase, 5)
    assert [music.parse_chord(c)[0] for c in up.changes] == [
        (music.parse_chord(c)[0] + 5) % 12 for c in phrase.changes]
    assert [e.pitch for e in music.phrase_events(up)] == [e.pitch + 5 for e in music.phrase_events(phrase)]
    assert music.transpose_phrase(up, -5) == phrase


def test_transposition_changes_tokens_only_at_the_octave_boundary():
    # B7 -> C7: the root crosses from B to C, so the same line sits 12 semitones higher above C4.
    phrase = Phrase("b", ["B7", "E7"], [[(71, 4), (None, 4)], [(68, 4), (None, 4)]])
    assert music.token_names(music.encode_phrase(phrase)) == ["bar:7", "n+0:4", "r:4", "bar:7", "n+4:4", "r:4"]
    up = music.token_names(music.encode_phrase(music.transpose_phrase(phrase, 1)))
    assert up == ["bar:7", "n+12:4", "r:4", "bar:7", "n+4:4", "r:4"]
    # B7 E7 -> A7 D7 does not cross the boundary: the tokens do not change
    assert music.encode_phrase(music.transpose_phrase(phrase, -2)) == music.encode_phrase(phrase)


def test_training_sequences():
    sequences = music.training_sequences()
    assert len(sequences) >= len(PHRASES)
    assert len({tuple(s) for s in sequences}) == len(sequences)
    assert all(music.VOCAB[s[0]].startswith("bar:") for s in sequences)
    # B4 over B7 is offset 0; in the 11 keys above B the root wraps and it becomes +12
    phrase = Phrase("b", ["B7"], [[(71, 4), (None, 4)]])
    assert [music.token_names(s) for s in music.training_sequences([phrase])] == [
        ["bar:7", "n+0:4", "r:4"], ["bar:7", "n+12:4", "r:4"]]
    # B5 over B7 is +12: in the other keys it would be +24, so the melody is moved an octave down
    phrase = Phrase("high", ["B7"], [[(83, 4), (None, 4)]])
    kept = music.training_phrases([phrase])
    assert len(kept) == 12
    assert [p.bars[0][0][0] for p in kept] == [83] + [83 + s - 12 for s in range(1, 12)]
    assert {tuple(music.encode_phrase(p)) for p in kept} == {tuple(music.encode_phrase(phrase))}
    # a bar spanning more than 7 semitones cannot move by an octave: the keys above B keep it only
    # with the melody an octave down, which gives back the original offsets
    wide = Phrase("wide", ["B7"], [[(64, 4), (76, 4)]])
    assert len(music.training_phrases([wide])) == 12
    assert music.training_sequences([wide]) == [music.encode_phrase(wide)]


def test_windows():
    sequence = music.encode_phrase(PHRASES[0])
    bars = [i for i, t in enumerate(sequence) if music.VOCAB[t].startswith("bar:")]
    cut = music.windows(sequence, T_x=30)
    assert [w[0] for w in cut] == [sequence[i] for i in bars]
    assert cut[0] == sequence[:30] and cut[-1] == sequence[bars[-1]:]
    assert all(len(w) <= 30 for w in cut)
    assert music.windows(sequence, T_x=5)[1] == sequence[bars[1]:bars[1] + 5]


def test_make_training_data_shapes_and_shift():
    sequences = [music.encode_phrase(p) for p in PHRASES[:5]]
    X, Y = music.make_training_data(sequences, T_x=30)
    m = X.shape[0]
    assert X.shape == (m, 30, music.n_values) and Y.shape == (30, m, music.n_values)
    assert X.dtype == np.float32 and Y.dtype == np.float32
    assert m == len({tuple(w) for s in sequences for w in music.windows(s, 30)})
    assert not X[:, 0, :].any(), "x<1> must be the zero vector"
    np.testing.assert_array_equal(X[:, 1:, :], Y[:-1].transpose(1, 0, 2))
    assert set(np.unique(X.sum(axis=2))) <= {0.0, 1.0} and set(np.unique(Y.sum(axis=2))) <= {0.0, 1.0}
    # example 0 is the first window of the first phrase: y<t> is its token t, zero rows after its end
    window = music.windows(sequences[0], 30)[0]
    assert list(Y[:len(window), 0, :].argmax(axis=1)) == window
    assert not Y[len(window):, 0, :].any()


def test_make_training_data_short_window():
    X, Y = music.make_training_data([[0, 20, 30]], T_x=6)
    assert X.shape == (1, 6, music.n_values)
    assert [int(np.flatnonzero(row)[0]) if row.any() else None for row in X[0]] == [None, 0, 20, 30, None, None]
    assert [int(np.flatnonzero(row)[0]) if row.any() else None for row in Y[:, 0]] == [0, 20, 30, None, None, None]


def test_corpus_training_data_size():
    X, Y = music.make_training_data(music.training_sequences())
    assert 150 <= X.shape[0] <= 600
    assert X.shape[1:] == (30, music.n_values)


def test_decode_rules():
    changes = ["Dm7", "G7"]
    t = music.TOKEN_INDEX
    # notes before the first bar token belong to bar 1; a leading bar token just opens bar 1
    assert music.decode([t["n+0:2"], t["bar:m7"], t["n+4:2"]], changes) == [Event(62, 0, 2), Event(71, 8, 2)]
    assert music.decode([t["bar:m7"], t["n+0:2"]], changes) == [Event(62, 0, 2)]
    # the quality in the bar token is ignored: the root comes from the changes
    assert music.decode([t["bar:maj7"], t["n+3:1"]], changes) == [Event(65, 0, 1)]
    # a note too long for its bar is shortened; a full bar drops notes until the next bar token
    tokens = [t["bar:m7"], t["n+0:4"], t["n+0:3"], t["n+7:4"], t["n+5:1"], t["bar:7"], t["r:2"], t["n-5:4"]]
    assert music.decode(tokens, changes) == [Event(62, 0, 4), Event(62, 4, 3), Event(69, 7, 1), Event(62, 10, 4)]
    # a bar token moves on even from an unfinished bar; after the last bar, everything is dropped
    tokens = [t["bar:m7"], t["n+0:1"], t["bar:7"], t["bar:7"], t["n+0:1"]]
    assert music.decode(tokens, changes) == [Event(62, 0, 1)]
    assert music.decode([t["n+0:1"]], []) == []
    assert music.decode(np.array([t["bar:7"], t["n+4:2"]]), ["C7"]) == [Event(64, 0, 2)]
    with pytest.raises(ValueError):
        music.decode([music.n_values], changes)


def test_decode_is_robust_to_random_tokens():
    rng = np.random.default_rng(1)
    changes = ["Dm7", "G7", "Cmaj7", "A7b9"]
    for _ in range(300):
        tokens = rng.integers(0, music.n_values, size=rng.integers(0, 60))
        events = music.decode(tokens, changes)
        for event in events:
            bar = event.start // 8
            assert 0 <= bar < len(changes)
            assert event.duration >= 1 and event.start + event.duration <= 8 * (bar + 1)
        starts = [e.start for e in events]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_parse_errors_name_the_line():
    good = "phrase: t\nchanges: C7\nnotes: C4:4 r:4\n"
    assert music.parse_phrases("# comment\n\n" + good) == [Phrase("t", ["C7"], [[(60, 4), (None, 4)]])]
    cases = {
        "phrase: t\nchanges: C7\nnotes: C4:4 r:3\n": "line 3, bar 1: the durations add up to 7",
        "phrase: t\nchanges: C7 | F7\nnotes: C4:4 r:4 | C4:5 r:3\n": "line 3, bar 2: 'C4:5' lasts 5",
        "phrase: t\nchanges: Cm9\nnotes: C4:4 r:4\n": "line 2: unknown chord symbol 'Cm9'",
        "phrase: t\nchanges: C7\nnotes: H4:4 r:4\n": "line 3, bar 1: cannot read 'H4:4'",
        "phrase: t\nchanges: C7 | F7\nnotes: C4:4 r:4\n": "line 3: 1 bar\\(s\\) of notes but 2 chord\\(s\\)",
        "phrase: t\n\nchanges: C7\nmelody: C4:8\n": "line 4: expected 'phrase: ...'",
        "changes: C7\n": "line 1: 'changes:' before any 'phrase:'",
        "phrase: t\nchanges: C7\n\nphrase: u\n": "line 4: the phrase 't' \\(line 1\\)",
        "phrase: t\nnotes: C4:8\n": "line 2: 'notes:' before 'changes:'",
        good + "phrase: u\nchanges: C7\n": "line 5: the phrase 'u'",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError, match=message):
            music.parse_phrases(text)


def test_note_quality_examples():
    changes = ["C7", "Fmaj7"]
    events = [Event(64, 0, 2), Event(62, 2, 1), Event(61, 3, 1), Event(69, 8, 4), Event(70, 12, 4)]
    quality = music.note_quality(events, changes)
    # E (chord tone), D (scale), C# (neither), A over F (chord tone), Bb over F (scale, not chord)
    assert quality["notes"] == 5
    assert quality["chord_tones"] == pytest.approx(2 / 5)
    assert quality["scale_tones"] == pytest.approx(4 / 5)
    assert quality["on_beat_chord_tones"] == pytest.approx(2 / 4)
    # the chord sounding at the note's start counts, and notes past the changes are ignored
    assert music.note_quality([Event(60, 7, 4), Event(60, 16, 1)], changes)["chord_tones"] == 1.0
    assert music.note_quality([Event(60, 7, 4), Event(60, 16, 1)], changes)["notes"] == 1
    assert np.isnan(music.note_quality([], changes)["chord_tones"])


def test_repetition_examples():
    assert music.repetition([1, 2, 3, 4, 5, 6, 7], n=4) == 0.0
    assert music.repetition([1, 2, 3, 4, 1, 2, 3, 4], n=4) == pytest.approx(1 / 5)
    loop = [1, 2, 3] * 20
    assert music.repetition(loop, n=4) > 0.9
    assert music.repetition([5] * 10, n=2) == pytest.approx(8 / 9)
    assert music.repetition([1, 2], n=4) == 0.0


def test_random_tokens():
    tokens = music.random_tokens(np.random.default_rng(0), 200)
    assert len(tokens) == 200 and all(0 <= t < music.n_values for t in tokens)
    assert music.VOCAB[tokens[0]].startswith("bar:")
    filled = 0
    for token in tokens[1:]:
        name = music.VOCAB[token]
        if name.startswith("bar:"):
            assert filled == 8
            filled = 0
        else:
            filled += int(name.rsplit(":", 1)[1])
            assert filled <= 8
    assert music.random_tokens(3, 50) == music.random_tokens(3, 50)


def corpus_quality():
    notes = chord = scale = 0
    for phrase in PHRASES:
        q = music.note_quality(music.phrase_events(phrase), phrase.changes)
        notes += q["notes"]
        chord += q["chord_tones"] * q["notes"]
        scale += q["scale_tones"] * q["notes"]
    return chord / notes, scale / notes


def test_corpus_sounds_better_than_random_tokens():
    corpus_chord, corpus_scale = corpus_quality()
    rng = np.random.default_rng(0)
    notes = chord = scale = 0
    for phrase in PHRASES * 3:
        q = music.note_quality(music.decode(music.random_tokens(rng, 30), phrase.changes), phrase.changes)
        if q["notes"]:
            notes += q["notes"]
            chord += q["chord_tones"] * q["notes"]
            scale += q["scale_tones"] * q["notes"]
    random_chord, random_scale = chord / notes, scale / notes
    assert corpus_chord > 0.7 and random_chord < 0.45
    assert corpus_chord > random_chord + 0.3
    assert corpus_scale > random_scale + 0.2
    assert np.mean([music.repetition(music.encode_phrase(p)) for p in PHRASES]) < 0.1


def test_readme_numbers_are_up_to_date():
    from rnnlab.data import assets_dir

    readme = (assets_dir() / "README.md").read_text(encoding="utf-8")
    sequences = music.training_sequences()
    X, _ = music.make_training_data(sequences)
    bars = sum(len(phrase.bars) for phrase in PHRASES)
    chord, scale = corpus_quality()
    assert f"| phrases | {len(PHRASES)} (" in readme
    assert f"| bars | {bars} |" in readme
    assert f"| distinct training sequences | {len(sequences)} |" in readme
    assert f"| training examples `m` (`T_x = 30`) | {X.shape[0]} |" in readme
    assert f"chord tones of the chord sounding at their start | {round(100 * chord)} %" in readme
    assert f"| {round(100 * scale)} % |" in readme


def test_bar_draws_fit_the_bars_and_tell_the_model_the_chords():
    changes = ["Dm7", "G7b9", "Cmaj7"]
    draws = music.BarDraws(changes, np.random.default_rng(0))
    uniform = np.full(music.n_values, 1 / music.n_values)
    tokens = [draws.choice(music.n_values, p=uniform) for _ in range(30)]
    bars = [music.TOKEN_PARTS[token][1] for token in tokens if music.TOKEN_PARTS[token][0] == "bar"]
    assert bars[:3] == ["m7", "7b9", "maj7"] and tokens[0] == music.TOKEN_INDEX["bar:m7"]
    assert draws.forced == [music.TOKEN_PARTS[token][0] == "bar" for token in tokens]
    # Between two bar tokens the durations fill exactly one bar.
    filled = 0
    for token in tokens[1:]:
        kind, _, duration = music.TOKEN_PARTS[token]
        if kind == "bar":
            assert filled == music.BAR_LENGTH
            filled = 0
        else:
            filled += duration
    assert all(np.allclose(q, uniform) for q in draws.distributions)
    # Where the model gives no fitting token any probability, a fitting one is still drawn.
    only_bars = np.zeros(music.n_values)
    only_bars[:8] = 1 / 8
    draws = music.BarDraws(["C7"], np.random.default_rng(1))
    assert music.TOKEN_PARTS[draws.choice(music.n_values, p=only_bars)][0] == "bar"
    assert music.TOKEN_PARTS[draws.choice(music.n_values, p=only_bars)][0] != "bar"
