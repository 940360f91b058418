"""The shipped model and traces load with the documented shapes and agree with each other."""

import numpy as np
import pytest

from rnnlab import data


def reference_step(xt, a_prev, p):
    """The course's RNN step (instructor-side copy, used to check the shipped traces)."""
    a_next = np.tanh(p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    z = p["Wya"] @ a_next + p["by"]
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return a_next, e / e.sum(axis=0, keepdims=True)


def test_char_rnn_shapes():
    parameters, vocab = data.load_char_rnn()
    n_a, n_x = parameters["Wax"].shape
    assert len(vocab) == n_x == parameters["Wya"].shape[0] == 30
    assert vocab[:3] == ["\n", " ", "a"] and vocab[-2:] == [".", ","]
    assert parameters["Waa"].shape == (n_a, n_a)
    assert parameters["ba"].shape == (n_a, 1) and parameters["by"].shape == (n_x, 1)


def test_traces_match_the_shipped_model():
    parameters, vocab = data.load_char_rnn()
    traces = data.load_hidden_state_traces()
    assert len(traces) >= 3
    for trace in traces:
        steps = len(trace["text"])
        assert trace["a"].shape == (16, steps) and trace["y_hat"].shape == (30, steps)
        a_prev = np.zeros((16, 1))
        for t, char in enumerate(trace["text"]):
            xt = np.zeros((30, 1))
            xt[vocab.index(char)] = 1
            a_prev, y = reference_step(xt, a_prev, parameters)
            np.testing.assert_allclose(trace["a"][:, t], a_prev[:, 0], atol=1e-4)
            np.testing.assert_allclose(trace["y_hat"][:, t], y[:, 0], atol=1e-4)


def test_missing_assets_folder_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNLAB_ASSETS", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="set RNNLAB_ASSETS"):
        data.load_char_rnn()


def test_dinosaur_names_format():
    raw = (data.assets_dir() / "dinosaurs" / "names.txt").read_bytes()
    assert set(raw) <= set(b"abcdefghijklmnopqrstuvwxyz\n")
    assert raw.endswith(b"\n")
    names = raw.decode("ascii").split("\n")[:-1]
    assert all(names), "no empty lines"
    assert len(names) == len(set(names)), "no duplicates"
    assert names == sorted(names)
    assert len(names) >= 1200
    assert data.load_dinosaur_names() == names


def test_dinosaur_names_are_dinosaurs():
    names = set(data.load_dinosaur_names())
    for genus in ("tyrannosaurus", "triceratops", "stegosaurus", "velociraptor", "brachiosaurus"):
        assert genus in names
    for other in ("pteranodon", "quetzalcoatlus", "plesiosaurus", "mosasaurus", "dimetrodon",
                  "archaeopteryx", "deinosuchus"):
        assert other not in names
