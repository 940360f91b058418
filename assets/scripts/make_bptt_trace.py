"""Write assets/bptt/scalar_rnn_trace.json: every number of one forward and backward pass of a tiny RNN.

    .venv/bin/python assets/scripts/make_bptt_trace.py

The network has one input, one hidden unit and one output (n_x = n_a = n_y = 1) and reads T_x = 4
steps; each step predicts a yes/no label with a sigmoid and pays a logistic loss:

    z<t> = w_aa a<t-1> + w_ax x<t> + b_a,   a<t> = tanh(z<t>),   a<0> = 0
    ŷ<t> = sigmoid(w_ya a<t> + b_y),        L<t> = -(y<t> log ŷ<t> + (1 - y<t>) log(1 - ŷ<t>))
    L = L<1> + ... + L<T_x>

It is the one-unit, two-class cousin of the softmax RNN of the lecture (the logistic loss is the
cross-entropy of two classes), small enough that every value fits in a caption. The backward pass
is written out with the two parts of the gradient reaching a<t> kept apart, so that the BPTT
stepper of the lecture "Backpropagation through time" can show each one. Deterministic: no
randomness, fixed values below.
"""

import json
import math
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bptt" / "scalar_rnn_trace.json"

PARAMETERS = {"w_ax": 1.1, "w_aa": 0.9, "w_ya": 1.6, "b_a": 0.1, "b_y": -0.3}
X = [1.0, -0.6, 0.4, -0.9]
Y = [1, 0, 1, 0]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def trace(parameters, x, y):
    p = parameters
    T_x = len(x)
    a = [0.0]  # a[t] is a<t>; a[0] = a<0>
    y_hat, losses = [], []
    for t in range(T_x):
        a.append(math.tanh(p["w_aa"] * a[t] + p["w_ax"] * x[t] + p["b_a"]))
        y_hat.append(sigmoid(p["w_ya"] * a[t + 1] + p["b_y"]))
        losses.append(-(y[t] * math.log(y_hat[t]) + (1 - y[t]) * math.log(1 - y_hat[t])))

    steps = [None] * T_x
    dz_next = 0.0  # gradient of L with respect to z<t+1>
    for t in reversed(range(T_x)):
        dz_y = y_hat[t] - y[t]
        from_loss = p["w_ya"] * dz_y
        from_next = p["w_aa"] * dz_next
        da = from_loss + from_next
        dz = da * (1 - a[t + 1] ** 2)
        steps[t] = {"dz_y": dz_y, "da_from_loss": from_loss, "da_from_next": from_next, "da": da, "dz": dz,
                    "dw_aa": dz * a[t], "dw_ax": dz * x[t], "db_a": dz, "dw_ya": dz_y * a[t + 1], "db_y": dz_y}
        dz_next = dz
    totals = {name: sum(step[name] for step in steps) for name in ("dw_aa", "dw_ax", "db_a", "dw_ya", "db_y")}
    return {"a": a, "y_hat": y_hat, "losses": losses, "loss": sum(losses), "backward": steps, "gradients": totals}


def main():
    result = {"description": __doc__.split("\n\n")[1].strip(), "parameters": PARAMETERS, "x": X, "y": Y,
              **trace(PARAMETERS, X, Y)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
