"""The name generator of "Dinosaur Island": names drawn only through the student's sample, and its controls."""

import base64

import numpy as np
import pytest

from rnnlab.widgets import name_generator as module
from rnnlab.widgets.name_generator import NameGenerator

VOCAB = ["\n"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
C2I = {char: i for i, char in enumerate(VOCAB)}
ORANGE = (0xEE / 255, 0x77 / 255, 0x33 / 255)


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


# Test-side stand-in for the student's exercise (rnnlab holds no solution).
def sample(parameters, char_to_ix, rng, max_length=50):
    Wax, Waa, Wya, b, by = (parameters[key] for key in ("Wax", "Waa", "Wya", "b", "by"))
    n_x, n_a = Wax.shape[1], Waa.shape[0]
    x, a = np.zeros((n_x, 1)), np.zeros((n_a, 1))
    indices = []
    while True:
        a = np.tanh(Wax @ x + Waa @ a + b)
        y = softmax(Wya @ a + by)
        idx = rng.choice(n_x, p=y.ravel())
        indices.append(idx)
        if idx == char_to_ix["\n"] or len(indices) == max_length:
            return indices
        x = np.zeros((n_x, 1))
        x[idx] = 1


def model_probabilities(parameters, indices, T=1.0):
    """ŷ<t> (rows) when the characters ``indices`` are fed back one after the other, computed here."""
    n_a = parameters["Waa"].shape[0]
    x, a, rows = np.zeros((27, 1)), np.zeros((n_a, 1)), []
    for idx in indices:
        a = np.tanh(parameters["Wax"] @ x + parameters["Waa"] @ a + parameters["b"])
        rows.append(softmax((parameters["Wya"] @ a + parameters["by"]).ravel() / T))
        x = np.zeros((27, 1))
        x[idx] = 1
    return np.array(rows)


def entropy(p):
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@pytest.fixture(scope="module")
def parameters():
    rng = np.random.default_rng(0)
    n_a = 10
    params = {"Wax": 0.8 * rng.normal(size=(n_a, 27)), "Waa": 0.3 * rng.normal(size=(n_a, n_a)),
              "Wya": rng.normal(size=(27, n_a)), "b": 0.1 * rng.normal(size=(n_a, 1)), "by": np.zeros((27, 1))}
    params["by"][0] = 1.5  # names end
    return params


@pytest.fixture
def widget(parameters):
    return NameGenerator(sample, parameters, C2I, ["abc"], ["abc", "xyz"])


def indices_of(widget, k):
    return [C2I[char] for char in widget.names[k]] + ([] if widget.cut[k] else [0])


def shown(widget):
    """What the figure shows now."""
    return {"heights": np.array([bar.get_height() for bar in widget.bars]),
            "orange": [i for i, bar in enumerate(widget.bars) if np.allclose(bar.get_facecolor()[:3], ORANGE)],
            "title": widget.p_title.get_text(),
            "strip": np.array([bar.get_height() for bar in widget.strip]),
            "strip_grey": [bar.get_facecolor()[0] > 0.7 for bar in widget.strip],
            "strip_chars": "".join(text.get_text() for text in widget.strip_chars),
            "rows": [(p.get_text() if p.get_visible() else "") + r.get_text()
                     for p, r in zip(widget.prefix_texts, widget.rest_texts)],
            "tags": [text.get_text() for text in widget.tag_texts],
            "frame_row": widget.row_frame.get_y(), "frame_step": widget.step_frame.get_x()}


def longest(widget):
    return max(range(len(widget.names)), key=lambda k: len(widget.names[k]))


def test_the_batch_is_the_models_and_the_figure_shows_it(widget, parameters):
    assert len(widget.names) == 8 and all(set(name) <= set(VOCAB[1:]) for name in widget.names)
    assert widget.status.value == "" and widget.image.value[:4] == b"\x89PNG"
    now = shown(widget)
    assert now["rows"] == [name + ("…" if cut else "") if name else "(empty: ↵ first)"
                           for name, cut in zip(widget.names, widget.cut)]
    assert [tag.split(",")[0] for tag in now["tags"]] == widget.labels
    for k in range(8):  # every recorded p is the model's softmax on the characters drawn so far
        widget.which.value = k
        drawn = indices_of(widget, k)
        np.testing.assert_allclose(widget.distributions, model_probabilities(parameters, drawn), atol=1e-12)
        now = shown(widget)
        np.testing.assert_allclose(now["strip"][:len(drawn)], widget.distributions[np.arange(len(drawn)), drawn])
        assert not now["strip"][len(drawn):].any()
        assert now["strip_chars"] == widget.names[k] + ("" if widget.cut[k] else "↵")
        assert now["frame_row"] == pytest.approx(k + 0.05) and widget.t.max == widget.play.max == len(drawn)


def test_the_step_slider_moves_the_bars_title_and_frame(widget):
    widget.which.value = k = longest(widget)
    drawn = indices_of(widget, k)
    assert len(drawn) >= 3
    for t in (3, 1, len(drawn)):
        before = bytes(widget.image.value)
        widget.t.value = t
        now = shown(widget)
        np.testing.assert_allclose(now["heights"], widget.distributions[t - 1])
        assert now["orange"] == [drawn[t - 1]] and now["frame_step"] == pytest.approx(t - 1.5)
        char = "↵" if drawn[t - 1] == 0 else VOCAB[drawn[t - 1]]
        assert f"step t = {t}:" in now["title"] and f"'{char}' drawn by rng.choice" in now["title"]
        assert f"p = {widget.distributions[t - 1, drawn[t - 1]]:.3f}" in now["title"]
        assert bytes(widget.image.value) != before
    assert widget._background is not None  # slider moves redraw the animated artists only


def test_the_selector_switches_name_and_limits_t(widget):
    k = longest(widget)
    widget.which.value = k
    widget.t.value = widget.t.max
    other = min(range(8), key=lambda j: len(widget.names[j]))
    widget.which.value = other
    assert widget.t.value == widget.t.max == len(indices_of(widget, other))
    now = shown(widget)
    np.testing.assert_allclose(now["heights"], widget.distributions[-1])
    assert now["frame_row"] == pytest.approx(other + 0.05)
    assert [label for _, label in widget.which.options] == list(range(8))


def test_a_prefix_is_forced_through_the_students_loop(widget, parameters):
    widget.prefix.value = "Tyr"
    assert widget.status.value == "" and all(name.startswith("tyr") for name in widget.names)
    forced = [C2I[c] for c in "tyr"]
    for k in range(8):
        widget.which.value = k
        model = model_probabilities(parameters, indices_of(widget, k))
        np.testing.assert_allclose(widget.distributions[:3], model[:3], atol=1e-12)
        np.testing.assert_allclose(widget.distributions, model, atol=1e-12)
    now = shown(widget)
    assert [p.get_text() for p in widget.prefix_texts] == ["tyr"] * 8
    assert now["strip_grey"][:3] == [True] * 3 and not now["strip_grey"][3]
    widget.t.value = 2
    now = shown(widget)
    assert now["orange"] == [forced[1]] and "'y' forced by the prefix" in now["title"]
    widget.t.value = 4
    assert "drawn by rng.choice" in shown(widget)["title"]
    assert "first 3 calls of rng.choice" in widget.caption.get_text()


def test_temperature_divides_the_logits(widget, parameters):
    spread = {}
    for T in (0.3, 3.0):
        widget.temperature.value = T
        assert widget.status.value == "" and "Wya / T and by / T" in widget.caption.get_text()
        rows = []
        for k in range(8):
            widget.which.value = k
            np.testing.assert_allclose(widget.distributions,
                                       model_probabilities(parameters, indices_of(widget, k), T), atol=1e-12)
            rows.extend(widget.distributions)
        first = model_probabilities(parameters, [0], T)[0]
        np.testing.assert_allclose(widget.distributions[0], first, atol=1e-12)
        np.testing.assert_allclose(shown(widget)["heights"], widget.distributions[widget.t.value - 1])
        spread[T] = np.mean([entropy(p) for p in rows])
        assert f"T = {T:.2f}" in shown(widget)["title"]
    assert spread[0.3] < spread[3.0] - 0.5
    assert entropy(model_probabilities(parameters, [0], 0.3)[0]) < entropy(model_probabilities(parameters, [0], 3)[0])


def scripted(names):
    """A stand-in for sample that spells ``names`` in turn, one rng.choice per character."""
    queue = list(names)

    def fake(parameters, char_to_ix, rng, max_length=50):
        name = queue.pop(0) + "\n"
        queue.append(name[:-1])
        indices = []
        for char in name[:max_length]:
            p = np.full(27, 1e-9)
            p[char_to_ix[char]] = 1
            indices.append(int(rng.choice(27, p=p / p.sum())))
            if indices[-1] == char_to_ix["\n"]:
                break
        return indices
    return fake


def test_labels_novelty_and_cut_names(parameters):
    names = ["abc", "xyz", "qqq", "stegosaurusrex"]
    widget = NameGenerator(scripted(names), parameters, C2I, ["ABC\n", "zzz"], ["abc", "xyz", "zzz", "tyr"],
                           batch=4, max_length=8)
    assert widget.names == ["abc", "xyz", "qqq", "stegosau"] and widget.cut == [False, False, False, True]
    assert widget.labels == ["training", "unseen real", "new", "new"] and widget.novelty == 0.5
    now = shown(widget)
    assert now["rows"] == ["abc", "xyz", "qqq", "stegosau…"]
    assert now["tags"] == ["training", "unseen real", "new", "new, cut"]
    colors = [text.get_color() for text in widget.rest_texts]
    assert colors[0] != colors[1] != colors[2] == colors[3]
    assert "2 of 4 names of this batch are new (50%)" in widget.caption.get_text()
    widget.draw_batch()
    widget.draw_batch()
    assert "over the 3 batches drawn at this T and prefix: 6 of 12 (50%)" in widget.caption.get_text()
    widget.which.value = 3
    assert widget.distributions.shape == (8, 27) and widget.t.max == 8


def test_same_seed_same_names_and_new_names_gives_others(parameters):
    first = NameGenerator(sample, parameters, C2I, [], seed=3)
    second = NameGenerator(sample, parameters, C2I, [], seed=3)
    assert first.names == second.names
    batch = list(first.names)
    first.temperature.value = 0.5
    first.temperature.value = 1.0
    assert first.names == batch  # the same batch's random stream at the same settings
    before = shown(first)["rows"]
    first.new_names.click()
    assert first.names != batch and shown(first)["rows"] != before and first.batch_number == 2
    second.new_names.click()
    assert second.names == first.names
    assert NameGenerator(sample, parameters, C2I, [], seed=4).names != batch


def argmax_sampler(name, draw_too):
    """A typical mistake: the argmax is appended and fed back. With ``draw_too`` the function also calls
    rng.choice at every step (and ignores the draw)."""
    def mistaken_sample(parameters, char_to_ix, rng, max_length=50):
        n_a = parameters["Waa"].shape[0]
        x, a, indices = np.zeros((27, 1)), np.zeros((n_a, 1)), []
        while len(indices) < max_length:
            a = np.tanh(parameters["Wax"] @ x + parameters["Waa"] @ a + parameters["b"])
            y = softmax(parameters["Wya"] @ a + parameters["by"])
            if draw_too:
                rng.choice(27, p=y.ravel())
            idx = int(np.argmax(y))
            indices.append(idx)
            if idx == 0:
                break
            x = np.zeros((27, 1))
            x[idx] = 1
        return indices
    mistaken_sample.__name__ = name
    return mistaken_sample


argmax_sample = argmax_sampler("argmax_sample", draw_too=False)
appends_the_argmax = argmax_sampler("appends_the_argmax", draw_too=True)


def endless(parameters, char_to_ix, rng, max_length=50):
    while True:
        pass


@pytest.mark.parametrize("student, message", [
    (argmax_sample, "called rng.choice 0 times"),
    (lambda *args, **kwargs: 1 / 0, "raised ZeroDivisionError"),
    (lambda *args, **kwargs: np.array([1, 2, 0]), "returned a ndarray"),
    (lambda *args, **kwargs: [1, 2, 40], "returned 40 at position 2"),
    (lambda *args, **kwargs: [], "empty list"),
    (lambda parameters, c, rng, max_length: [int(rng.choice(27)) for _ in range(2)], "no p"),
    (lambda parameters, c, rng, max_length: [rng.choice(27, p=np.eye(27)[5]) for _ in range(2)] + [0],
     "called rng.choice 2 times for 3 indices"),
    (lambda parameters, c, rng, max_length: [rng.choice(27, p=np.eye(27)[0]) for _ in range(2)], "went on after"),
    (lambda parameters, c, rng, max_length: [rng.choice(27, p=np.eye(27)[5]) for _ in range(20)] + [0],
     "more than max_length = 12 times"),
    (lambda parameters, c, rng, max_length: [rng.choice(27, p=np.eye(27)[5]) for _ in range(3)],
     "without a final"),
])
def test_a_broken_sample_is_explained_in_red(student, message, parameters):
    widget = NameGenerator(student, parameters, C2I, [], max_length=12)
    assert message in widget.status.value and "#b00020" in widget.status.value, widget.status.value
    assert widget.names == [] and widget.distributions.shape == (0, 27)
    assert "no names" in widget.header.get_text() and widget.image.value[:4] == b"\x89PNG"
    assert message in widget.caption.get_text().replace("\n", " ")  # the static picture says it too


def test_the_controls_still_work_after_a_failure(parameters):
    widget = NameGenerator(argmax_sample, parameters, C2I, [])
    widget.temperature.value = 2.0
    widget.t.value = 1
    widget.new_names.click()
    assert "called rng.choice 0 times" in widget.status.value and widget.which.options == ()
    widget.sample = sample  # the student fixes the function
    widget.new_names.click()
    assert widget.status.value == "" and len(widget.names) == 8 and widget.header.get_color() == "black"


def test_a_sample_that_does_not_feed_the_forced_draw_back(parameters):
    widget = NameGenerator(appends_the_argmax, parameters, C2I, [])
    assert widget.status.value == ""  # without a prefix the mistake does not show here
    widget.prefix.value = "tyr"
    assert "does not start with the forced prefix" in widget.status.value


def test_an_endless_sample_is_stopped(parameters, monkeypatch):
    monkeypatch.setattr(module, "TIME_LIMIT", 0.2)
    widget = NameGenerator(endless, parameters, C2I, [])
    assert "did not return within 0.2 s" in widget.status.value


def test_an_invalid_prefix_gives_a_message(widget):
    widget.prefix.value = "t3x"
    assert "letters a–z only" in widget.status.value and widget.names == []
    widget.prefix.value = "rex"
    assert widget.status.value == "" and all(name.startswith("rex") for name in widget.names)


def test_static_picture_for_readers_without_a_kernel(widget):
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == widget.image.value
