"""The name-state explorer of "Dinosaur Island": its features, its scores, and a figure that follows its controls."""

import base64
import time

import numpy as np
import pytest

from rnnlab.widgets.name_states import FEATURES, NameStateExplorer, selectivity_scores, step_features

VOCAB = "\nabcdefghijklmnopqrstuvwxyz"
CHAR_TO_IX = {char: index for index, char in enumerate(VOCAB)}
VOWEL_COLUMNS = [CHAR_TO_IX[char] for char in "aeiou"]
NAMES = """tyrannosaurus stegosaurus triceratops velociraptor brachiosaurus diplodocus allosaurus ankylosaurus
iguanodon spinosaurus parasaurolophus pachycephalosaurus apatosaurus carnotaurus gallimimus oviraptor
protoceratops deinonychus compsognathus giganotosaurus microraptor maiasaura plateosaurus coelophysis
dilophosaurus baryonyx edmontosaurus styracosaurus therizinosaurus argentinosaurus megalosaurus suchomimus
utahraptor corythosaurus lambeosaurus kentrosaurus ouranosaurus sauropelta saurolophus""".split()
N_A = 12
VOWEL_UNIT = 7


# A test-side stand-in for the notebook's exercise (rnnlab itself holds no solution).
def reference_step(xt, a_prev, parameters):
    a_next = np.tanh(parameters["Wax"] @ xt + parameters["Waa"] @ a_prev + parameters["b"])
    z = parameters["Wya"] @ a_next + parameters["by"]
    e = np.exp(z - z.max(axis=0))
    return a_next, e / e.sum(axis=0)


def reference_run(name, parameters):
    """a (n_a, T) and P("\\n") (T,) from a<0> = 0, x<1> = 0, then the letters of ``name``."""
    a_prev, states, p_end = np.zeros((len(parameters["Waa"]), 1)), [], []
    for index in [None] + [CHAR_TO_IX[char] for char in name]:
        xt = np.zeros((len(VOCAB), 1))
        if index is not None:
            xt[index] = 1.0
        a_prev, y_hat = reference_step(xt, a_prev, parameters)
        states.append(a_prev[:, 0])
        p_end.append(y_hat[0, 0])
    return np.stack(states, axis=1), np.array(p_end)


def random_parameters(seed=0, n_a=N_A, scale=0.5):
    rng = np.random.default_rng(seed)
    n_x = len(VOCAB)
    return {"Wax": rng.normal(0, scale, (n_a, n_x)), "Waa": rng.normal(0, 0.3, (n_a, n_a)),
            "Wya": rng.normal(0, scale, (n_x, n_a)), "b": rng.normal(0, 0.1, (n_a, 1)), "by": rng.normal(0, 0.1, (n_x, 1))}


def vowel_parameters():
    """Random small weights, except unit 7: +3 from a vowel, -3 from any other input, no recurrence."""
    parameters = random_parameters(seed=1, scale=0.3)
    parameters["Wax"][VOWEL_UNIT] = -3.0
    parameters["Wax"][VOWEL_UNIT, VOWEL_COLUMNS] = 3.0
    parameters["Waa"][VOWEL_UNIT] = 0.0
    parameters["b"][VOWEL_UNIT] = 0.0
    return parameters


@pytest.fixture(scope="module")
def parameters():
    return random_parameters()


@pytest.fixture
def explorer(parameters):
    return NameStateExplorer(reference_step, parameters, CHAR_TO_IX, NAMES)


def shown(widget):
    """What the figure shows now."""
    bars = widget.bars
    return {"heat": np.array(widget.heatmap.get_array()),
            "widths": np.array([bar.get_width() for bar in bars]),
            "orange": [k for k, bar in enumerate(bars) if bar.get_facecolor()[0] > 0.9],
            "row": widget.unit_row.get_y() + 0.5,
            "line": np.array(widget.unit_line.get_ydata()), "end": np.array(widget.end_line.get_ydata()),
            "marks": list(widget.feature_marks.get_xdata()),
            "shaded": list(np.flatnonzero(np.array(widget.shading.get_array())[0, :, 3] > 0)),
            "ticks": [label.get_text() for label in widget.ax_heat.get_xticklabels()],
            "caption": widget.caption.get_text().replace("\u00a0", " ").replace("\n", " ")}


def is_red(widget):
    return "#b00020" in widget.status.value


# -- features and scores -------------------------------------------------------------------------

def test_features_of_names_by_hand():
    features = step_features("tyrannosaurus")  # columns: ∅ t y r a n n o s a u r u s
    assert all(len(mask) == 14 and not mask[0] for mask in features.values())
    assert list(np.flatnonzero(features["vowels"])) == [4, 7, 9, 10, 12]  # a, o, a, u, u (not y)
    assert list(np.flatnonzero(features["inside 'saurus'"])) == [8, 9, 10, 11, 12, 13]
    assert list(np.flatnonzero(features["end of the name"])) == [13]
    features = step_features("velociraptor")
    assert not features["inside 'saurus'"].any() and list(np.flatnonzero(features["end of the name"])) == [12]
    assert not step_features("sauropelta")["inside 'saurus'"].any()  # "saurop..." is not "saurus"
    assert step_features("saurussaurus")["inside 'saurus'"][1:].all()
    assert list(np.flatnonzero(step_features("a")["vowels"])) == [1] == list(
        np.flatnonzero(step_features("a")["end of the name"]))


def test_selectivity_is_an_effect_size_with_a_guard():
    a = np.array([[1.0, 2.0, 3.0, 6.0, 7.0, 9.0],   # an ordinary unit
                  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],   # a constant unit: std 0
                  [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]])  # perfectly separated: std 0, finite score
    holds = np.array([False, False, False, True, True, True])
    scores = selectivity_scores(a, holds)
    pooled = np.sqrt((np.var(a[0, 3:], ddof=1) + np.var(a[0, :3], ddof=1)) / 2)
    assert scores[0] == pytest.approx((a[0, 3:].mean() - a[0, :3].mean()) / pooled)
    assert scores[1] == 0 and np.isfinite(scores[2]) and scores[2] > 100
    assert np.all(selectivity_scores(a, np.zeros(6, bool)) == 0)


def test_the_scores_are_those_of_all_the_names(explorer, parameters):
    runs = [reference_run(name, parameters)[0] for name in NAMES]
    states = np.concatenate(runs, axis=1)
    for feature in FEATURES:
        holds = np.concatenate([step_features(name)[feature] for name in NAMES])
        m1, m0 = states[:, holds].mean(axis=1), states[:, ~holds].mean(axis=1)
        pooled = np.sqrt((states[:, holds].var(axis=1, ddof=1) * (holds.sum() - 1)
                          + states[:, ~holds].var(axis=1, ddof=1) * ((~holds).sum() - 1)) / (holds.size - 2))
        np.testing.assert_allclose(explorer.selectivity[feature], (m1 - m0) / pooled, rtol=1e-10)
        assert explorer.selectivity[feature].shape == (N_A,)
    assert explorer.analysed == len(NAMES) and explorer.states.shape == states.shape


def test_a_unit_wired_to_vowels_is_found():
    parameters = vowel_parameters()
    widget = NameStateExplorer(reference_step, parameters, CHAR_TO_IX, NAMES, top_k=3)
    scores = widget.selectivity["vowels"]
    assert int(np.argmax(scores)) == VOWEL_UNIT and scores[VOWEL_UNIT] > 2 * np.sort(scores)[-2]
    assert widget.unit.value == VOWEL_UNIT, "the unit selector starts at the most selective unit"
    now = shown(widget)
    np.testing.assert_allclose(now["heat"][0], widget.a[VOWEL_UNIT])  # its row is at the top
    assert now["orange"] == [0] and now["row"] == 0
    assert widget.top_label.get_text().startswith(f"top 3: {VOWEL_UNIT},")
    assert now["caption"].startswith(f"Vowels: the units that react most are {VOWEL_UNIT} (d = +")
    # The unit is high exactly at the vowels of the name shown.
    assert list(np.flatnonzero(now["line"] > 0.9)) == now["marks"] == now["shaded"] == [4, 7, 9, 10, 12]
    # The bar axis follows the feature's scores.
    assert widget.ax_bars.get_xlim()[1] == pytest.approx(1.1 * scores.max())
    widget.feature.value = "inside 'saurus'"
    assert widget.ax_bars.get_xlim()[1] == pytest.approx(1.1 * max(1, np.abs(widget.selectivity["inside 'saurus'"]).max()))


# -- the figure follows the controls ---------------------------------------------------------------

def test_the_name_shown_is_the_reference_run(explorer, parameters):
    a, p_end = reference_run("tyrannosaurus", parameters)
    assert explorer.name == "tyrannosaurus" and explorer.a.shape == (N_A, 14) and explorer.p_end.shape == (14,)
    np.testing.assert_allclose(explorer.a, a, rtol=1e-12)
    np.testing.assert_allclose(explorer.p_end, p_end, rtol=1e-12)
    now = shown(explorer)
    assert now["ticks"] == ["∅", *"tyrannosaurus"]
    np.testing.assert_allclose(now["end"], p_end)
    np.testing.assert_allclose(now["line"], a[explorer.unit.value])
    assert explorer.image.value[:4] == b"\x89PNG" and explorer.status.value == ""


def test_feature_reorders_the_rows_and_selects_its_best_unit(explorer):
    before = shown(explorer)
    image = explorer.image.value
    explorer.feature.value = "end of the name"
    scores = explorer.selectivity["end of the name"]
    order = np.argsort(-scores, kind="stable")
    now = shown(explorer)
    assert explorer.unit.value == int(order[0])
    np.testing.assert_allclose(now["heat"], explorer.a[order])
    assert not np.allclose(now["heat"], before["heat"])
    np.testing.assert_allclose(now["widths"], scores[order])
    assert np.all(np.diff(now["widths"]) <= 0) and now["orange"] == [0]
    assert now["marks"] == now["shaded"] == [13] and before["marks"] == [4, 7, 9, 10, 12]
    assert now["caption"].startswith(f"End of the name: the units that react most are {order[0]} (d = ")
    assert f"Most negative: unit {order[-1]}" in now["caption"]
    assert explorer.image.value != image and explorer.last_redraw_ms > 0
    explorer.feature.value = "inside 'saurus'"
    assert shown(explorer)["marks"] == [8, 9, 10, 11, 12, 13]
    assert explorer.unit.value == int(np.argmax(explorer.selectivity["inside 'saurus'"]))


def test_unit_moves_the_highlight_and_the_line(explorer):
    order = np.argsort(-explorer.selectivity["vowels"], kind="stable")
    heat = shown(explorer)["heat"]
    image = explorer.image.value
    unit = int(order[5])
    explorer.unit.value = unit
    now = shown(explorer)
    assert now["orange"] == [5] and now["row"] == 5
    np.testing.assert_allclose(now["line"], explorer.a[unit])
    np.testing.assert_allclose(now["heat"], heat)  # the rows keep their order
    assert explorer.unit_label.get_text() == f"unit {unit}" and f"unit {unit} " in explorer.line_title.get_text()
    assert explorer.image.value != image


def test_a_new_name_redraws_everything(explorer, parameters):
    explorer.unit.value = 3
    explorer.text.value = "  Stegosaurus"
    a, p_end = reference_run("stegosaurus", parameters)
    assert explorer.name == "stegosaurus" and explorer.unit.value == 3
    np.testing.assert_allclose(explorer.a, a, rtol=1e-12)
    now = shown(explorer)
    assert now["ticks"] == ["∅", *"stegosaurus"] and explorer.ax_line.get_xlim() == (-0.5, 11.5)
    np.testing.assert_allclose(now["line"], a[3])
    np.testing.assert_allclose(now["end"], p_end)
    assert now["marks"] == [3, 5, 7, 8, 10]


def test_bad_names_say_so_in_red_and_keep_the_picture(explorer):
    image, a = explorer.image.value, explorer.a
    for typed, said in (("t3x", "(not &#x27;3&#x27;)"), ("t-rex", "(not &#x27;-&#x27;)"), ("", "at least one letter"),
                        ("a" * 41, "at most 40 letters")):
        explorer.text.value = typed
        assert is_red(explorer) and said in explorer.status.value
        assert explorer.image.value == image and explorer.a is a
    explorer.feature.value = "end of the name"  # the controls still work on the last good name
    assert explorer.name == "tyrannosaurus" and shown(explorer)["marks"] == [13]


def test_a_failing_step_gives_a_red_message_not_an_exception(parameters):
    def broken(xt, a_prev, parameters):
        raise NotImplementedError("not written yet")

    widget = NameStateExplorer(broken, parameters, CHAR_TO_IX, NAMES)
    assert is_red(widget) and "NotImplementedError" in widget.status.value
    assert all(np.all(scores == 0) for scores in widget.selectivity.values())
    assert widget.image.value[:4] == b"\x89PNG" and "could not be analysed" in shown(widget)["caption"]
    widget.text.value = "stegosaurus"
    widget.feature.value = "end of the name"
    widget.unit.value = 4
    assert is_red(widget) and "not written yet" in widget.status.value


@pytest.mark.parametrize("step, message", [
    (lambda xt, a, p: reference_step(xt, a, p)[0], "2 values"),
    (lambda xt, a, p: (reference_step(xt, a, p)[0].ravel(), reference_step(xt, a, p)[1]), "shapes"),
    (lambda xt, a, p: (reference_step(xt, a, p)[0] * np.nan, reference_step(xt, a, p)[1]), "NaN"),
])
def test_wrong_returns_are_named(step, message, parameters):
    widget = NameStateExplorer(step, parameters, CHAR_TO_IX, NAMES[:3])
    assert is_red(widget) and message in widget.status.value


def test_a_step_failing_on_one_letter_only_keeps_the_last_picture(parameters):
    def no_z(xt, a_prev, parameters):
        if xt[CHAR_TO_IX["z"], 0] == 1:
            raise ValueError("z!")
        return reference_step(xt, a_prev, parameters)

    widget = NameStateExplorer(no_z, parameters, CHAR_TO_IX, [name for name in NAMES if "z" not in name])
    assert widget.status.value == ""
    image = widget.image.value
    widget.text.value = "therizinosaurus"
    assert is_red(widget) and "z!" in widget.status.value and "t = 7" in widget.status.value  # x<1> = 0 is step 1
    assert widget.name == "tyrannosaurus" and widget.image.value == image


def test_slow_steps_and_odd_names_do_not_stop_the_widget(parameters):
    def slow(xt, a_prev, parameters):
        time.sleep(0.002)
        return reference_step(xt, a_prev, parameters)

    started = time.perf_counter()
    widget = NameStateExplorer(slow, parameters, CHAR_TO_IX, NAMES + ["T-Rex", "Ankylo5aurus"], time_limit=0.1)
    assert time.perf_counter() - started < 3
    assert 1 <= widget.analysed < len(NAMES) and not is_red(widget)
    assert "stopped after 0.1 s" in widget.status.value and "2 names with characters other than a-z" in widget.status.value


def test_static_picture_for_readers_without_a_kernel(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
