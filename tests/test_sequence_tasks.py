"""The sequence-task gallery reacts to its controls by showing, moving and hiding its pool of artists."""

import base64

import numpy as np
import pytest

from rnnlab.widgets.sequence_tasks import MAX_STEPS, SINGLE_STYLES, TASKS, SequenceTaskGallery


@pytest.fixture
def gallery():
    return SequenceTaskGallery()


def visible_boxes(row):
    return [box for box in row.boxes if box.get_visible()]


def shown(gallery, side):
    """What one row shows: number of step boxes, their texts and index labels, the single box."""
    row = gallery.rows[side]
    return {"steps": len(visible_boxes(row)),
            "texts": [text.get_text() for text in row.texts if text.get_visible()],
            "indices": [text.get_text() for text in row.shown_indices()],
            "single": row.single.get_visible(),
            "single_text": row.single_text.get_text() if row.single.get_visible() else None,
            "length": row.length.get_text()}


def test_every_example_fits_the_pool():
    for name, task in TASKS.items():
        for example in task["examples"]:
            for side in "xy":
                if task[f"{side}_style"] not in SINGLE_STYLES:
                    assert isinstance(example[side], list) and 0 < len(example[side]) <= MAX_STEPS, name
                else:
                    assert not isinstance(example[side], list), name


def test_first_view_is_speech_with_different_lengths(gallery):
    x, y = shown(gallery, "x"), shown(gallery, "y")
    example = TASKS["speech recognition"]["examples"][0]
    assert x["steps"] == gallery.T_x == len(example["x"]) and y["steps"] == gallery.T_y == len(example["y"])
    assert y["texts"] == example["y"]
    assert x["indices"][0] == r"$x^{\langle 1\rangle}$" and x["indices"][-1] == rf"$x^{{\langle {gallery.T_x}\rangle}}$"
    assert y["indices"][-1] == rf"$y^{{\langle {gallery.T_y}\rangle}}$"
    assert x["length"] == rf"$T_x = {gallery.T_x}$" and y["length"] == rf"$T_y = {gallery.T_y}$"
    wave_x, wave_y = gallery.rows["x"].wave.get_data()
    assert len(wave_x) == gallery.T_x * len(example["x"][0])
    assert not x["single"] and not y["single"]
    assert "many-to-many (T_x ≠ T_y)" in gallery.title.get_text()


def test_picking_a_many_to_one_task_shows_one_output_box(gallery):
    before = gallery.image.value
    gallery.task.value = "sentiment classification"
    example = TASKS["sentiment classification"]["examples"][0]
    x, y = shown(gallery, "x"), shown(gallery, "y")
    assert gallery.example.value == 0
    assert x["texts"] == example["x"] and x["length"] == rf"$T_x = {len(example['x'])}$"
    assert y["steps"] == 0 and y["single"] and y["single_text"] == "★" * example["y"] + "☆" * (5 - example["y"])
    assert y["length"] == "one value" and gallery.T_y == 0
    assert len(gallery.rows["x"].wave.get_data()[0]) == 0, "the audio of the previous task must be gone"
    assert gallery.image.value != before and gallery.image.value[:4] == b"\x89PNG"
    assert gallery.last_redraw_ms > 0


def test_the_example_control_changes_the_lengths(gallery):
    gallery.task.value = "machine translation"
    lengths = []
    for k, example in enumerate(TASKS["machine translation"]["examples"]):
        gallery.example.value = k
        x, y = shown(gallery, "x"), shown(gallery, "y")
        assert x["texts"] == example["x"] and y["texts"] == example["y"]
        lengths.append((x["steps"], y["steps"]))
    assert len(set(lengths)) == len(lengths), "each example must show other lengths"
    # the pool is reused: going back to a shorter example hides the boxes it does not need
    gallery.example.value = 0
    assert shown(gallery, "x")["steps"] == lengths[0][0]
    assert len(gallery.rows["x"].shown_indices()) == lengths[0][0], "the mask hides the unused index labels"


def test_one_to_many_and_frames(gallery):
    gallery.task.value = "music generation"
    gallery.example.value = 2
    x, y = shown(gallery, "x"), shown(gallery, "y")
    notes = TASKS["music generation"]["examples"][2]["y"]
    assert x["single"] and x["steps"] == 0 and y["steps"] == len(notes) == gallery.T_y
    assert len(gallery.rows["y"].dots.get_data()[0]) == len(notes)
    gallery.task.value = "video activity recognition"
    gallery.example.value = 1
    frames = TASKS["video activity recognition"]["examples"][1]["x"]
    dots_x, dots_y = gallery.rows["x"].dots.get_data()
    assert len(dots_x) == len(frames) and np.ptp(dots_y) > 0, "the jumping person must move up and down"
    assert len(gallery.rows["x"].bodies.get_data()[0]) == 3 * len(frames), "one stick body per frame"
    assert shown(gallery, "x")["texts"] == [""] * len(frames)
    assert shown(gallery, "y")["single_text"] == "jumping" and len(gallery.rows["y"].dots.get_data()[0]) == 0
    gallery.task.value = "sentiment classification"
    assert len(gallery.rows["x"].bodies.get_data()[0]) == 0 and len(gallery.rows["x"].dots.get_data()[0]) == 0


def test_entity_labels_colour_their_boxes(gallery):
    gallery.task.value = "named-entity recognition"
    gallery.example.value = 1
    colours = [tuple(box.get_facecolor()) for box in visible_boxes(gallery.rows["y"])]
    assert colours[0] == colours[1] != colours[2] == colours[3] != colours[4]


def test_the_students_task_kind_is_marked():
    calls = []

    def says_many_to_one(example):
        calls.append(example)
        return "many-to-one"

    gallery = SequenceTaskGallery(kind_fn=says_many_to_one)
    assert "✗" in gallery.verdict.get_text()
    gallery.task.value = "sentiment classification"
    assert "'many-to-one' ✓" in gallery.verdict.get_text()
    assert set(calls[-1]) == {"x", "y"}


def test_a_failing_task_kind_is_reported():
    def unfinished(example):
        raise NotImplementedError()

    gallery = SequenceTaskGallery(kind_fn=unfinished)
    assert "NotImplementedError" in gallery.status.value
    assert shown(gallery, "x")["steps"] == gallery.T_x > 0, "the example is still drawn"


def test_redraw_is_quick(gallery):
    times = []
    for i in range(30):
        gallery.example.value = i % 3
        times.append(gallery.last_redraw_ms)
    assert np.median(times) < 250


def test_static_picture_for_readers_without_a_kernel(gallery):
    bundle = gallery._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == gallery.image.value
