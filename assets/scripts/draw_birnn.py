"""Draw the diagram of the lecture "Bidirectional RNN": a bidirectional RNN unrolled over 4 steps.

Run from the repository root:

    .venv/bin/python assets/scripts/draw_birnn.py              # writes assets/birnn/birnn_unrolled.svg
    .venv/bin/python assets/scripts/draw_birnn.py --png /tmp/f  # also a PNG preview (not committed)

It reuses the boxes, arrows, colours and deterministic SVG settings of ``draw_figures.py``.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from draw_figures import (A, C_AA, C_AX, C_YA, GREY, IN_EDGE, IN_FACE, INK, OUT_EDGE, OUT_FACE,  # noqa: E402
                          STATE_FACE, X, YH, Box, arrow, m, new_axes)

OUT = Path(__file__).resolve().parent.parent / "birnn" / "birnn_unrolled.svg"
C_BWD = "#dd6b20"  # the backward direction
BWD_FACE, BWD_EDGE = "#fdebd8", "#c05621"
FWD_FACE, FWD_EDGE = "#e3eefa", "#2b6cb0"
AF = r"a_{\rightarrow}^{\langle %s\rangle}"
AB = r"a_{\leftarrow}^{\langle %s\rangle}"


def draw_birnn():
    fig, ax = new_axes(13.0, 6.4, (-0.2, 24.2), (-1.6, 10.3))
    steps, x0, dx = 4, 4.6, 4.9
    y_x, y_b, y_f, y_y = 0.3, 3.0, 5.4, 8.4
    cw, ch = 2.1, 1.15
    words = ["he", "said", "Teddy", "Roosevelt"]
    fwd, bwd = [], []
    for t in range(1, steps + 1):
        cx = x0 + (t - 1) * dx
        xb = Box(ax, cx, y_x, 1.25, 0.78, m(X % t), face=IN_FACE, edge=IN_EDGE, size=15)
        ax.text(cx, y_x - 0.62, f"\"{words[t - 1]}\"", ha="center", va="top", fontsize=12, color=GREY)
        b = Box(ax, cx, y_b, cw, ch, m(AB % t), face=BWD_FACE, edge=BWD_EDGE, size=16)
        f = Box(ax, cx, y_f, cw, ch, m(AF % t), face=FWD_FACE, edge=FWD_EDGE, size=16)
        yb = Box(ax, cx, y_y, 1.25, 0.78, m(YH % t), face=OUT_FACE, edge=OUT_EDGE, size=15)
        # x<t> feeds both directions: straight up into the backward cell, around it into the forward one.
        arrow(ax, xb.top, b.bottom, color=C_AX)
        side = cx - cw / 2 - 0.28
        ax.plot([cx - 0.35, cx - 0.35, side, side], [y_x + 0.39, y_x + 1.2, y_x + 1.2, y_f - 0.2], color=C_AX,
                lw=1.6, zorder=2)
        arrow(ax, (side, y_f - 0.2), (f.left[0], y_f - 0.2), color=C_AX)
        # Both states feed y<t>.
        arrow(ax, f.top, yb.bottom, color=C_YA)
        side_r = cx + cw / 2 + 0.28
        ax.plot([b.right[0], side_r, side_r], [y_b + 0.2, y_b + 0.2, y_y - 0.9], color=C_YA, lw=1.6, zorder=2)
        arrow(ax, (side_r, y_y - 0.9), (cx + 0.35, yb.bottom[1]), color=C_YA)
        fwd.append(f)
        bwd.append(b)
    # The forward chain (left to right) and the backward chain (right to left).
    a0f = Box(ax, 1.2, y_f, 1.3, 0.8, m(A % "0") + "\n", face=STATE_FACE, edge=INK, size=1)
    ax.text(1.2, y_f, m(r"a_{\rightarrow}^{\langle 0\rangle}"), ha="center", va="center", fontsize=15, zorder=5)
    arrow(ax, a0f.right, fwd[0].left, color=C_AA)
    for left, right in zip(fwd, fwd[1:]):
        arrow(ax, left.right, right.left, color=C_AA)
    end = x0 + (steps - 1) * dx + cw / 2
    a0b = Box(ax, end + 1.6, y_b, 1.3, 0.8, "", face=STATE_FACE, edge=INK)
    ax.text(a0b.cx, y_b, m(r"a_{\leftarrow}^{\langle %d\rangle}" % (steps + 1)), ha="center", va="center",
            fontsize=15, zorder=5)
    arrow(ax, a0b.left, bwd[-1].right, color=C_BWD)
    for left, right in zip(bwd, bwd[1:]):
        arrow(ax, right.left, left.right, color=C_BWD)
    ax.text(0.0, y_f + 1.0, "forward RNN:\n" + m(r"W_{ax}^{\rightarrow},\ W_{aa}^{\rightarrow},\ b_a^{\rightarrow}"),
            ha="left", va="bottom", fontsize=13, color=FWD_EDGE, linespacing=1.5)
    ax.text(24.0, y_b - 0.75, "backward RNN:\n" + m(r"W_{ax}^{\leftarrow},\ W_{aa}^{\leftarrow},\ b_a^{\leftarrow}"),
            ha="right", va="top", fontsize=13, color=BWD_EDGE, linespacing=1.5)
    ax.text(12.0, 9.6, m(r"\hat{y}^{\langle t\rangle} = \mathrm{softmax}(W_y\,[a_{\rightarrow}^{\langle t\rangle};"
                         r"\ a_{\leftarrow}^{\langle t\rangle}] + b_y)"),
            ha="center", va="center", fontsize=15, color=C_YA,
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#f7fafc", "edgecolor": GREY, "linewidth": 1.0})
    return fig


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", type=Path, default=None, help="also write a PNG preview into this folder")
    args = parser.parse_args()
    fig = draw_birnn()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, format="svg", metadata={"Date": None})
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    if args.png is not None:
        args.png.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.png / "birnn_unrolled.png", format="png", dpi=90)


if __name__ == "__main__":
    main()
