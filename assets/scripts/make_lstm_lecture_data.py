"""Write assets/lstm/lstm_memory.keras: the course's memory LSTM as a Keras model file.

Run from the repository root:

    .venv/bin/python assets/scripts/make_lstm_lecture_data.py

The lecture "Long short-term memory" asks students to turn the weights of a Keras LSTM layer into
the course's parameters. This script gives them a real Keras model to convert: the LSTM of
``assets/models/lstm_memory.npz`` (made by ``train_lstm_memory.py``), packed the way Keras keeps
an LSTM layer, as ``Input(16, 4) -> LSTM(8, return_sequences=True, name="lstm") ->
Dense(2, softmax, name="readout")``. Nothing is trained: the weights are copied, so the file is
the same network as the one the gate inspector shows. The script checks that the Keras model gives
the probabilities ``ŷ<t>`` of ``assets/traces/lstm_gates.json`` (forget gate as learned) to within
1e-4 before writing the file. It takes a few seconds.

Keras keeps ``kernel (n_x, 4 n_a)``, ``recurrent_kernel (n_a, 4 n_a)`` and ``bias (4 n_a,)`` with the
gate blocks in the order i, f, c, o; the course keeps ``W_g (n_a, n_a + n_x)`` acting on
``[a<t-1>; x<t>]`` and ``b_g (n_a, 1)``. (This script packs course -> Keras, the direction the
programming assignment also shows; the lecture's exercise goes the other way.)
"""

import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import keras  # noqa: E402

ASSETS = Path(__file__).resolve().parent.parent
OUT = ASSETS / "lstm" / "lstm_memory.keras"


def main():
    keras.utils.set_random_seed(0)
    with np.load(ASSETS / "models" / "lstm_memory.npz") as archive:
        p = {name: archive[name].astype(np.float64) for name in archive.files if name != "inputs"}
    n_a = p["Wf"].shape[0]
    n_x = p["Wf"].shape[1] - n_a
    n_y = p["Wy"].shape[0]
    trace = json.loads((ASSETS / "traces" / "lstm_gates.json").read_text())
    T_x = len(trace["examples"][0]["inputs"])

    keras_order = "ifco"
    kernel = np.concatenate([p["W" + g][:, n_a:].T for g in keras_order], axis=1)
    recurrent_kernel = np.concatenate([p["W" + g][:, :n_a].T for g in keras_order], axis=1)
    bias = np.concatenate([p["b" + g][:, 0] for g in keras_order])

    x_in = keras.Input(shape=(T_x, n_x), name="x")
    states = keras.layers.LSTM(n_a, return_sequences=True, name="lstm")(x_in)
    y_out = keras.layers.Dense(n_y, activation="softmax", name="readout")(states)
    model = keras.Model(x_in, y_out, name="lstm_memory")
    model.get_layer("lstm").set_weights([kernel, recurrent_kernel, bias])
    model.get_layer("readout").set_weights([p["Wy"].T, p["by"][:, 0]])

    x = np.stack([np.eye(n_x)[example["inputs"]] for example in trace["examples"]]).astype("float32")
    y = np.asarray(model.predict(x, verbose=0))  # (examples, T_x, n_y)
    expected = np.stack([np.array(example["modes"]["learned"]["y"]).T for example in trace["examples"]])
    difference = float(np.max(np.abs(y - expected)))
    print(f"largest difference from the traced y<t>: {difference:.2e}")
    assert difference < 1e-4, "the Keras model does not reproduce the traces"

    OUT.parent.mkdir(parents=True, exist_ok=True)
    model.save(OUT)
    print(f"wrote {OUT.relative_to(ASSETS.parent)} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
