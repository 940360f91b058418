"""Draw the course's diagrams (the RNN model, its backward pass, the LSTM) as SVG files.

Run from the repository root:

    .venv/bin/python assets/scripts/draw_figures.py              # writes assets/figures/*.svg
    .venv/bin/python assets/scripts/draw_figures.py --png /tmp/f  # also PNG previews (not committed)

Only matplotlib is used (Figure objects, Agg backend, no pyplot state). The SVG output is
deterministic: fixed hash salt, no date in the metadata, text drawn as paths.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

matplotlib.rcParams.update({
    "svg.hashsalt": "rnnlab",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "cm",
    "font.size": 13,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
})

OUT_DIR = Path(__file__).resolve().parent.parent / "figures"

# Colours shared by all the figures.
INK = "#1a202c"
GREY = "#718096"
CELL_FACE, CELL_EDGE = "#e3eefa", "#2b6cb0"
IN_FACE, IN_EDGE = "#e6f4ea", "#2f855a"
OUT_FACE, OUT_EDGE = "#fdf0e1", "#c05621"
STATE_FACE = "#f4f4f6"
C_AX = "#2f855a"  # W_ax and everything about the input
C_AA = "#c53030"  # W_aa and the hidden state path
C_YA = "#6b46c1"  # W_ya and the output
WARN = "#b7791f"

# Course notation as mathtext.
A = r"a^{\langle %s\rangle}"
X = r"x^{\langle %s\rangle}"
YH = r"\hat{y}^{\langle %s\rangle}"


def m(s):
    """Wrap a mathtext expression in dollars."""
    return f"${s}$"


class Box:
    """A rounded rectangle given by its centre, width and height (data units)."""

    def __init__(self, ax, cx, cy, w, h, text="", face=CELL_FACE, edge=CELL_EDGE, size=14,
                 lw=1.6, color=INK, rounding=0.08, zorder=3):
        self.cx, self.cy, self.w, self.h = cx, cy, w, h
        patch = FancyBboxPatch((cx - w / 2, cy - h / 2), w, h,
                               boxstyle=f"round,pad=0,rounding_size={rounding}",
                               facecolor=face, edgecolor=edge, linewidth=lw, zorder=zorder)
        ax.add_patch(patch)
        if text:
            ax.text(cx, cy, text, ha="center", va="center", fontsize=size, color=color,
                    zorder=zorder + 1)

    @property
    def left(self):
        return (self.cx - self.w / 2, self.cy)

    @property
    def right(self):
        return (self.cx + self.w / 2, self.cy)

    @property
    def top(self):
        return (self.cx, self.cy + self.h / 2)

    @property
    def bottom(self):
        return (self.cx, self.cy - self.h / 2)


def arrow(ax, start, end, color=INK, lw=1.6, style="-|>", mutation=14, zorder=2):
    """A straight arrow from point ``start`` to point ``end`` (the head touches ``end``)."""
    patch = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=mutation, color=color,
                            linewidth=lw, shrinkA=0.0, shrinkB=0.0, zorder=zorder,
                            joinstyle="miter", capstyle="butt")
    ax.add_patch(patch)
    return patch


def new_axes(width_in, height_in, xlim, ylim):
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


# --------------------------------------------------------------------------------------------
# 1. A standard (fully connected) network on a sequence
# --------------------------------------------------------------------------------------------

def draw_standard_net():
    fig, ax = new_axes(11.0, 6.45, (-0.2, 16.4), (-1.1, 8.95))

    ax.text(8.1, 8.55, "A standard network reads the whole sequence as one fixed-size vector",
            ha="center", va="center", fontsize=16, color=INK, weight="bold")

    # Input slots x<1> .. x<5>, a gap, x<T_x>.
    in_labels = ["1", "2", "3", "4", "5", None, "T_x"]
    in_y = [7.2, 6.3, 5.4, 4.5, 3.6, 2.75, 1.9]
    in_x = 2.2
    inputs = {}
    for lab, y in zip(in_labels, in_y):
        if lab is None:
            ax.text(in_x, y + 0.05, r"$\vdots$", ha="center", va="center", fontsize=18, color=INK)
            continue
        inputs[lab] = Box(ax, in_x, y, 1.25, 0.66, m(X % lab), face=IN_FACE, edge=IN_EDGE,
                          size=15)

    # Brace-like bracket: the inputs are stacked into one vector.
    bx = 1.3
    ax.plot([bx, bx - 0.15, bx - 0.15, bx], [in_y[0] + 0.33, in_y[0] + 0.33,
                                            in_y[-1] - 0.33, in_y[-1] - 0.33],
            color=GREY, lw=1.4)
    ax.text(bx - 0.35, (in_y[0] + in_y[-1]) / 2, "stacked into one input vector",
            rotation=90, ha="center", va="center", fontsize=12, color=GREY)

    # Two hidden layers and the output layer, all fully connected.
    h1 = [Circle((6.0, y), 0.3) for y in (7.0, 5.9, 4.8, 3.7, 2.6)]
    h2 = [Circle((9.0, y), 0.3) for y in (6.45, 5.35, 4.25, 3.15)]
    for layer in (h1, h2):
        for c in layer:
            c.set(facecolor=STATE_FACE, edgecolor=INK, linewidth=1.4, zorder=3)
            ax.add_patch(c)

    out_labels = ["1", "2", "3", None, "T_y"]
    out_y = [6.9, 5.9, 4.9, 4.05, 3.2]
    out_x = 12.2
    outputs = {}
    for lab, y in zip(out_labels, out_y):
        if lab is None:
            ax.text(out_x, y + 0.05, r"$\vdots$", ha="center", va="center", fontsize=18,
                    color=INK)
            continue
        outputs[lab] = Box(ax, out_x, y, 1.25, 0.66, m(YH % lab), face=OUT_FACE, edge=OUT_EDGE,
                           size=15)

    def edge_to_circle(p, c):
        """Point on the rim of circle ``c`` facing point ``p``."""
        (cx, cy), r = c.center, c.radius
        dx, dy = p[0] - cx, p[1] - cy
        d = (dx * dx + dy * dy) ** 0.5
        return (cx + r * dx / d, cy + r * dy / d)

    # Connections: grey for all, coloured for the weights leaving positions 1 and 5.
    for lab, box in inputs.items():
        color, lw, z = (GREY, 0.6, 1)
        if lab == "1":
            color, lw, z = (C_AA, 1.5, 2)
        elif lab == "5":
            color, lw, z = (CELL_EDGE, 1.5, 2)
        for c in h1:
            ax.plot(*zip(box.right, edge_to_circle(box.right, c)), color=color, lw=lw, zorder=z)
    for a in h1:
        for b in h2:
            ax.plot(*zip(edge_to_circle(b.center, a), edge_to_circle(a.center, b)), color=GREY,
                    lw=0.6, zorder=1)
    for b in h2:
        for box in outputs.values():
            ax.plot(*zip(edge_to_circle(box.left, b), box.left), color=GREY, lw=0.6, zorder=1)

    ax.text(7.5, 7.75, "hidden layers", ha="center", va="center", fontsize=12, color=GREY)

    # Annotation 1: fixed input length.
    note1 = Box(ax, 3.85, -0.05, 7.3, 1.85, "", face="#fffaf0", edge=WARN, lw=1.3)
    ax.text(note1.cx, note1.cy + 0.5, "input length is fixed", ha="center", va="center",
            fontsize=14, color=WARN, weight="bold")
    ax.text(note1.cx, note1.cy - 0.25, "exactly " + m(r"T_x") + " slots of size " + m(r"n_x")
            + ": a longer sentence is cut,\na shorter one is padded", ha="center", va="center",
            fontsize=11.5, color=INK, linespacing=1.35)
    arrow(ax, (in_x, note1.top[1]), (in_x, in_y[-1] - 0.36), color=WARN, lw=1.3)

    # Annotation 2: nothing is shared between positions (with a legend for the coloured weights).
    note2 = Box(ax, 12.2, -0.05, 8.2, 1.85, "", face="#fffaf0", edge=WARN, lw=1.3)
    ax.text(note2.cx, note2.cy + 0.5, "nothing learned at position 1\nis shared with position 5",
            ha="center", va="center", fontsize=14, color=WARN, weight="bold", linespacing=1.2)
    y_leg = note2.cy - 0.45
    x_leg = note2.left[0] + 0.22
    ax.plot([x_leg, x_leg + 0.55], [y_leg, y_leg], color=C_AA, lw=2.4, zorder=5)
    ax.text(x_leg + 0.7, y_leg, "weights of " + m(X % 1), ha="left", va="center",
            fontsize=11, color=INK, zorder=5)
    ax.plot([x_leg + 2.75, x_leg + 3.3], [y_leg, y_leg], color=CELL_EDGE, lw=2.4, zorder=5)
    ax.text(x_leg + 3.45, y_leg, "weights of " + m(X % 5) + ": learned separately",
            ha="left", va="center", fontsize=11, color=INK, zorder=5)

    # Output side label.
    ax.text(out_x + 0.95, 5.05, m(r"T_y") + " outputs", rotation=-90, ha="center", va="center",
            fontsize=12, color=GREY)
    return fig


# --------------------------------------------------------------------------------------------
# 2. The RNN, rolled and unrolled over T_x = 4 steps
# --------------------------------------------------------------------------------------------

def draw_unrolled():
    fig, ax = new_axes(13.0, 5.0, (-0.1, 23.8), (-1.45, 7.6))
    cell_w, cell_h = 1.9, 1.5
    y_cell, y_x, y_y = 3.0, 0.2, 5.8

    # ---- rolled version on the left ----
    rx = 1.6
    rolled = Box(ax, rx, y_cell, cell_w, cell_h, "RNN\ncell", size=13)
    xr = Box(ax, rx, y_x, 1.15, 0.72, m(X % "t"), face=IN_FACE, edge=IN_EDGE, size=15)
    yr = Box(ax, rx, y_y, 1.15, 0.72, m(YH % "t"), face=OUT_FACE, edge=OUT_EDGE, size=15)
    arrow(ax, xr.top, rolled.bottom, color=C_AX)
    arrow(ax, rolled.top, yr.bottom, color=C_YA)
    # Self-loop on the right: a<t> leaves the cell and comes back as a<t-1> at the next step.
    x_out, x_loop = rolled.right[0], rolled.right[0] + 0.55
    y_hi, y_lo = rolled.cy + 0.4, rolled.cy - 0.4
    ax.plot([x_out, x_loop, x_loop], [y_hi, y_hi, y_lo], color=C_AA, lw=1.6, zorder=2,
            solid_joinstyle="round")
    arrow(ax, (x_loop + 0.01, y_lo), (x_out, y_lo), color=C_AA)
    ax.text(x_loop + 0.12, rolled.cy, m(A % "t"), ha="left", va="center", fontsize=14,
            color=C_AA)
    ax.text(rx, -0.95, "rolled", ha="center", va="center", fontsize=13, color=GREY,
            style="italic")

    ax.text(4.45, y_cell, "=", ha="center", va="center", fontsize=28, color=INK)

    # ---- unrolled version ----
    x0, dx = 8.25, 4.2
    a0 = Box(ax, 5.6, y_cell, 1.05, 0.8, m(A % "0"), face=STATE_FACE, edge=INK, size=15)
    ax.text(a0.cx, a0.bottom[1] - 0.35, "zeros", ha="center", va="top", fontsize=11,
            color=GREY)
    prev = a0
    for t in range(1, 5):
        cx = x0 + (t - 1) * dx
        cell = Box(ax, cx, y_cell, cell_w, cell_h, "", size=13)
        ax.text(cx, y_cell + 0.25, "RNN cell", ha="center", va="center", fontsize=12,
                color=INK, zorder=5)
        ax.text(cx, y_cell - 0.3, m(r"t=%d" % t), ha="center", va="center", fontsize=14,
                color=GREY, zorder=5)
        xb = Box(ax, cx, y_x, 1.15, 0.72, m(X % t), face=IN_FACE, edge=IN_EDGE, size=15)
        yb = Box(ax, cx, y_y, 1.15, 0.72, m(YH % t), face=OUT_FACE, edge=OUT_EDGE, size=15)
        arrow(ax, xb.top, cell.bottom, color=C_AX)
        ax.text(cx + 0.12, (xb.top[1] + cell.bottom[1]) / 2, m(r"W_{ax}"), ha="left",
                va="center", fontsize=14, color=C_AX)
        arrow(ax, cell.top, yb.bottom, color=C_YA)
        ax.text(cx + 0.12, (cell.top[1] + yb.bottom[1]) / 2, m(r"W_{ya},\ b_y"), ha="left",
                va="center", fontsize=14, color=C_YA)
        arrow(ax, prev.right, cell.left, color=C_AA)
        mid = (prev.right[0] + cell.left[0]) / 2
        ax.text(mid, y_cell + 0.12, m(A % (t - 1)), ha="center", va="bottom", fontsize=14,
                color=C_AA)
        if t > 1:
            ax.text(mid, y_cell - 0.12, m(r"W_{aa}"), ha="center", va="top", fontsize=14,
                    color=C_AA)
        prev = cell
    ax.text(a0.right[0] + (x0 - cell_w / 2 - a0.right[0]) / 2, y_cell - 0.12, m(r"W_{aa}"),
            ha="center", va="top", fontsize=14, color=C_AA)
    # Final state a<4> leaves to the right.
    end = (prev.right[0] + 1.3, y_cell)
    arrow(ax, prev.right, end, color=C_AA)
    ax.text(end[0] + 0.1, y_cell, m(A % 4), ha="left", va="center", fontsize=14, color=C_AA)
    ax.text(x0 + 1.5 * dx, -0.95, "unrolled over " + m(r"T_x = 4") + " time steps",
            ha="center", va="center", fontsize=13, color=GREY, style="italic")

    # ---- parameter sharing banner ----
    ax.text(x0 + 1.5 * dx, 7.0,
            "parameter sharing: the same " + m(r"W_{ax},\ W_{aa},\ b_a") + " and " +
            m(r"W_{ya},\ b_y") + " are used at every time step",
            ha="center", va="center", fontsize=14, color=INK,
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#f7fafc", "edgecolor": GREY,
                  "linewidth": 1.0})
    return fig


# --------------------------------------------------------------------------------------------
# 3. One RNN cell
# --------------------------------------------------------------------------------------------

def draw_cell():
    fig, ax = new_axes(12.0, 7.8, (-0.3, 20.3), (-1.75, 11.45))
    y_mid = 3.45  # height of the sum, the tanh and the a<t> output

    # The cell body: everything between a<t-1>, x<t> and the outputs a<t>, y_hat<t>.
    body = Box(ax, 9.35, 4.9, 11.9, 7.4, "", face="#f5f9fe", edge=CELL_EDGE, lw=2.0,
               rounding=0.3, zorder=1)
    ax.text(body.left[0] + 0.3, body.top[1] - 0.4, "RNN cell, time step " + m(r"t"), ha="left",
            va="center", fontsize=13, color=CELL_EDGE)

    # Inputs: a<t-1> from the left, x<t> from below.
    a_prev = (0.0, 4.5)
    ax.text(a_prev[0] + 0.1, a_prev[1] + 0.3, m(A % "t-1"), ha="left", va="bottom",
            fontsize=17, color=C_AA)
    ax.text(a_prev[0] + 0.1, a_prev[1] - 0.3, m(r"(n_a, m)"), ha="left", va="top", fontsize=13,
            color=GREY)
    x_in = Box(ax, 6.0, -0.35, 1.3, 0.8, m(X % "t"), face=IN_FACE, edge=IN_EDGE, size=17)
    ax.text(x_in.right[0] + 0.2, x_in.cy, m(r"(n_x, m)"), ha="left", va="center", fontsize=13,
            color=GREY)

    # The two matrix products.
    waa = Box(ax, 6.0, 4.5, 2.2, 0.85, m(r"W_{aa}\," + A % "t-1"), face="white", edge=C_AA,
              size=15)
    wax = Box(ax, 6.0, 2.4, 2.2, 0.85, m(r"W_{ax}\," + X % "t"), face="white", edge=C_AX,
              size=15)
    arrow(ax, a_prev, waa.left, color=C_AA)
    arrow(ax, x_in.top, wax.bottom, color=C_AX)

    # Sum node: W_aa a<t-1> + W_ax x<t> + b_a.
    px, r = 8.9, 0.38
    ax.add_patch(Circle((px, y_mid), r, facecolor="white", edgecolor=INK, linewidth=1.6,
                        zorder=3))
    ax.text(px, y_mid + 0.02, "+", ha="center", va="center", fontsize=20, color=INK, zorder=4)
    diag = 0.7071 * r  # the two products enter the circle at 45 degrees
    ax.plot([waa.right[0], 8.2], [waa.cy, waa.cy], color=C_AA, lw=1.6, zorder=2)
    arrow(ax, (8.2, waa.cy), (px - diag, y_mid + diag), color=C_AA)
    ax.plot([wax.right[0], 8.2], [wax.cy, wax.cy], color=C_AX, lw=1.6, zorder=2)
    arrow(ax, (8.2, wax.cy), (px - diag, y_mid - diag), color=C_AX)
    ax.text(px, 1.95, m(r"b_a"), ha="center", va="center", fontsize=16, color=INK)
    ax.text(px + 0.4, 1.95, m(r"(n_a, 1)"), ha="left", va="center", fontsize=12, color=GREY)
    arrow(ax, (px, 2.3), (px, y_mid - r), color=INK)

    # tanh.
    tanh = Box(ax, 11.2, y_mid, 1.45, 0.85, m(r"\tanh"), face="#fff5f5", edge=INK, size=17)
    arrow(ax, (px + r, y_mid), tanh.left, color=INK)

    # a<t> leaves to the right (next time step) and goes up to the output.
    split = (13.1, y_mid)
    ax.plot([tanh.right[0], split[0]], [y_mid, y_mid], color=C_AA, lw=1.6, zorder=2)
    ax.add_patch(Circle(split, 0.08, color=C_AA, zorder=4))
    a_out = (19.9, y_mid)
    arrow(ax, split, a_out, color=C_AA)
    ax.text(17.8, y_mid + 0.3, m(A % "t"), ha="center", va="bottom", fontsize=17, color=C_AA)
    ax.text(17.8, y_mid - 0.3, m(r"(n_a, m)"), ha="center", va="top", fontsize=13, color=GREY)
    ax.text(17.8, y_mid - 1.05, "to the next\ntime step", ha="center", va="top", fontsize=11,
            color=GREY, linespacing=1.2)

    soft = Box(ax, split[0], 6.6, 4.1, 0.95,
               m(r"\mathrm{softmax}(W_{ya}\," + A % "t" + r" + b_y)"),
               face=OUT_FACE, edge=C_YA, size=16)
    arrow(ax, split, soft.bottom, color=C_AA)
    ax.text(split[0] + 0.15, (y_mid + soft.bottom[1]) / 2, m(A % "t"), ha="left", va="center",
            fontsize=15, color=C_AA)
    yhat = Box(ax, split[0], 10.0, 1.3, 0.8, m(YH % "t"), face=OUT_FACE, edge=OUT_EDGE, size=17)
    arrow(ax, soft.top, yhat.bottom, color=C_YA)
    ax.text(yhat.right[0] + 0.2, yhat.cy, m(r"(n_y, m)"), ha="left", va="center", fontsize=13,
            color=GREY)

    # Parameter shapes (top left, outside the cell).
    ax.text(0.0, 10.75, "parameters, shared by all time steps", ha="left", va="center",
            fontsize=13, color=INK, weight="bold")
    rows = [
        (m(r"W_{aa}") + "  " + m(r"(n_a, n_a)"), C_AA, 0.2, 10.1),
        (m(r"W_{ax}") + "  " + m(r"(n_a, n_x)"), C_AX, 0.2, 9.45),
        (m(r"b_a") + "  " + m(r"(n_a, 1)"), INK, 0.2, 8.8),
        (m(r"W_{ya}") + "  " + m(r"(n_y, n_a)"), C_YA, 3.6, 10.1),
        (m(r"b_y") + "  " + m(r"(n_y, 1)"), C_YA, 3.6, 9.45),
    ]
    for txt, col, x, y in rows:
        ax.text(x, y, txt, ha="left", va="center", fontsize=14, color=col)

    # The two equations at the bottom.
    ax.text(body.cx, -1.4,
            m(A % "t" + r" = \tanh(W_{aa}\," + A % "t-1" + r" + W_{ax}\," + X % "t" +
              r" + b_a)") + "        " +
            m(YH % "t" + r" = \mathrm{softmax}(W_{ya}\," + A % "t" + r" + b_y)"),
            ha="center", va="center", fontsize=15, color=INK)
    return fig


# --------------------------------------------------------------------------------------------
# Helpers shared by the LSTM and backward-pass figures
# --------------------------------------------------------------------------------------------

C_MEM, MEM_BAND = "#1a365d", "#e2ecf9"  # the LSTM memory line c<t> and its highlight band
C_GF = "#b7791f"   # forget gate
C_GU = "#b83280"   # update gate
C_CT = "#2c7a7b"   # candidate memory
C_GO = "#4c51bf"   # output gate
GRAD = "#d53f8c"   # gradients (backward pass)
FADE = "#a0aec0"   # the forward pass, drawn faintly under the backward pass

C = r"c^{\langle %s\rangle}"
CT = r"\tilde{c}^{\langle %s\rangle}"
Y = r"y^{\langle %s\rangle}"
CONCAT = r"[" + A % "t-1" + r";\, " + X % "t" + r"]"


def polyline(ax, pts, color=INK, lw=1.6, ls="-", zorder=2):
    """A plain line through the points ``pts``."""
    xs, ys = zip(*pts)
    ax.plot(xs, ys, color=color, lw=lw, ls=ls, zorder=zorder, solid_joinstyle="miter",
            solid_capstyle="butt", dash_capstyle="butt")


def path_arrow(ax, pts, color=INK, lw=1.6, mutation=14, zorder=2):
    """A solid polyline through ``pts`` whose last segment ends in an arrow head."""
    if len(pts) > 2:
        polyline(ax, pts[:-1], color=color, lw=lw, zorder=zorder)
    arrow(ax, pts[-2], pts[-1], color=color, lw=lw, mutation=mutation, zorder=zorder)


def dashed_arrow(ax, pts, color=GRAD, lw=2.0, head=0.42, mutation=15, zorder=6):
    """A dashed polyline through ``pts`` ending in a solid arrow head (gradients).

    The dashes stop ``head`` data units before the end; the last stretch is a solid arrow, so the
    head is a clean triangle rather than a dashed outline.
    """
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    d = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    k = max(0.0, 1.0 - head / d)
    cut = (x0 + k * (x1 - x0), y0 + k * (y1 - y0))
    xs, ys = zip(*(list(pts[:-1]) + [cut]))
    ax.plot(xs, ys, color=color, lw=lw, ls=(0, (4, 2.2)), zorder=zorder,
            dash_capstyle="butt", solid_joinstyle="miter")
    arrow(ax, cut, pts[-1], color=color, lw=lw, mutation=mutation, zorder=zorder)


def op_node(ax, centre, kind, color=INK, r=0.36, lw=1.6, face="white", zorder=4):
    """An operation node: ``"mul"`` is the element-wise product (drawn as the symbol ⊙, a circle
    with a dot), ``"add"`` the element-wise sum (a circle with a plus)."""
    cx, cy = centre
    ax.add_patch(Circle(centre, r, facecolor=face, edgecolor=color, linewidth=lw, zorder=zorder))
    if kind == "mul":
        ax.add_patch(Circle(centre, 0.2 * r, color=color, zorder=zorder + 1))
    else:
        s = 0.55 * r
        ax.plot([cx - s, cx + s], [cy, cy], color=color, lw=lw + 0.4, zorder=zorder + 1,
                solid_capstyle="butt")
        ax.plot([cx, cx], [cy - s, cy + s], color=color, lw=lw + 0.4, zorder=zorder + 1,
                solid_capstyle="butt")


def dot(ax, p, color, r=0.09):
    ax.add_patch(Circle(p, r, color=color, zorder=5))


# --------------------------------------------------------------------------------------------
# 4. One LSTM cell
# --------------------------------------------------------------------------------------------

def draw_lstm_cell():
    y_c, y_a = 10.3, 2.0              # the memory line and the entry of a<t-1>
    y_g, g_w, g_h = 5.15, 6.0, 1.45   # the four gate boxes
    x_f, dx_g = 9.15, 6.25            # centre of the forget gate, spacing of the gates
    x_add, x_tanh = x_f + 1.5 * dx_g, x_f + 3 * dx_g + 2.0
    b_right = x_tanh + 1.6            # right edge of the cell
    c_end = b_right + 2.0             # where the c<t> arrow ends
    split = (c_end + 1.0, 7.75)       # a<t> goes on to the right and up to the output
    x_max = split[0] + 2.4
    fig, ax = new_axes(16.0 * (x_max + 0.3) / 35.3, 8.9, (-0.3, x_max), (-2.85, 16.6))
    y_op = 7.75                    # the products Γu ⊙ c̃ and Γo ⊙ tanh(c<t>)
    r = 0.38

    b_left = 2.5
    body = Box(ax, (b_left + b_right) / 2, 6.5, b_right - b_left, 11.2, "", face="#f5f9fe",
               edge=CELL_EDGE, lw=2.0, rounding=0.3, zorder=1)
    ax.text(b_left + 0.3, body.top[1] - 0.4, "LSTM cell, time step " + m(r"t"), ha="left",
            va="center", fontsize=13, color=CELL_EDGE)

    # ---- the memory line ("conveyor belt"): a wide pale band under a thick line ----
    ax.add_patch(FancyBboxPatch((-0.1, y_c - 0.55), c_end + 0.1 - 0.3, 1.1,
                                boxstyle="round,pad=0,rounding_size=0.2", facecolor=MEM_BAND,
                                edgecolor="none", zorder=1.5))
    ax.text(0.0, y_c + 0.35, m(C % "t-1"), ha="left", va="bottom", fontsize=18, color=C_MEM)
    ax.text(0.0, y_c - 0.35, m(r"(n_a, m)"), ha="left", va="top", fontsize=13, color=GREY)
    polyline(ax, [(0.0, y_c), (x_f - r, y_c)], color=C_MEM, lw=4.2)
    polyline(ax, [(x_f + r, y_c), (x_add - r, y_c)], color=C_MEM, lw=4.2)
    arrow(ax, (x_add + r, y_c), (c_end, y_c), color=C_MEM, lw=4.2, mutation=22)
    op_node(ax, (x_f, y_c), "mul", color=C_MEM, r=r, lw=2.2)
    op_node(ax, (x_add, y_c), "add", color=C_MEM, r=r, lw=2.2)
    ax.text(c_end - 0.9, y_c + 0.35, m(C % "t"), ha="center", va="bottom", fontsize=18,
            color=C_MEM)
    ax.text(c_end - 0.9, y_c - 0.35, m(r"(n_a, m)"), ha="center", va="top", fontsize=13,
            color=GREY)
    ax.text((x_f + x_add) / 2 + 1.0, y_c + 0.82,
            "memory cell: information flows along this line with element-wise operations only",
            ha="center", va="center", fontsize=12, color=C_MEM, style="italic")
    ax.text((x_f + x_add) / 2 - 0.1, y_c - 0.28, m(r"\Gamma_f \odot " + C % "t-1"),
            ha="center", va="top", fontsize=14, color=C_MEM, zorder=3)

    # ---- a<t-1> and x<t> are concatenated ----
    cat = Box(ax, 5.2, y_a, 2.9, 0.95, m(CONCAT), face="white", edge=INK, size=15)
    ax.text(0.0, y_a + 0.3, m(A % "t-1"), ha="left", va="bottom", fontsize=18, color=C_AA)
    ax.text(0.0, y_a - 0.3, m(r"(n_a, m)"), ha="left", va="top", fontsize=13, color=GREY)
    arrow(ax, (0.0, y_a), cat.left, color=C_AA)
    x_in = Box(ax, cat.cx, -1.1, 1.3, 0.8, m(X % "t"), face=IN_FACE, edge=IN_EDGE, size=17)
    ax.text(x_in.right[0] + 0.2, x_in.cy, m(r"(n_x, m)"), ha="left", va="center",
            fontsize=13, color=GREY)
    arrow(ax, x_in.top, cat.bottom, color=C_AX)
    ax.text(cat.cx, cat.top[1] + 0.15, m(r"(n_a + n_x,\ m)"), ha="center", va="bottom",
            fontsize=13, color=GREY)

    # ---- the four gate boxes, fed by the concatenation ----
    gates = [
        ("forget gate", r"\Gamma_f = \sigma(W_f\," + CONCAT + r" + b_f)", C_GF, x_f),
        ("update gate (code: i)", r"\Gamma_u = \sigma(W_i\," + CONCAT + r" + b_i)", C_GU,
         x_f + dx_g),
        ("candidate memory",
         CT % "t" + r" = \tanh(W_c\," + CONCAT + r" + b_c)", C_CT, x_f + 2 * dx_g),
        ("output gate", r"\Gamma_o = \sigma(W_o\," + CONCAT + r" + b_o)", C_GO,
         x_f + 3 * dx_g),
    ]
    boxes = []
    for name, formula, col, gx in gates:
        b = Box(ax, gx, y_g, g_w, g_h, "", face="white", edge=col, lw=1.8)
        ax.text(gx, y_g + 0.38, name, ha="center", va="center", fontsize=11.5, color=col,
                zorder=5)
        ax.text(gx, y_g - 0.25, m(formula), ha="center", va="center", fontsize=13,
                color=INK, zorder=5)
        boxes.append(b)
    # The bus: from the concatenation along the bottom, then up into every gate.
    polyline(ax, [cat.right, (boxes[-1].cx, y_a)], color=INK)
    for b in boxes:
        if b is not boxes[-1]:
            dot(ax, (b.cx, y_a), INK)
        arrow(ax, (b.cx, y_a), b.bottom, color=INK)
    ax.text(x_f + dx_g / 2, y_a - 0.25, "the same input feeds all four",
            ha="center", va="top", fontsize=11, color=GREY)

    # ---- forget gate scales the old memory ----
    fg, ug, cg, og = boxes
    arrow(ax, fg.top, (x_f, y_c - r), color=C_GF, lw=1.8)
    ax.text(x_f + 0.15, (fg.top[1] + y_c - r) / 2, m(r"\Gamma_f"), ha="left", va="center",
            fontsize=16, color=C_GF)

    # ---- update gate times candidate, added to the memory ----
    op_node(ax, (x_add, y_op), "mul", color=INK, r=r)
    path_arrow(ax, [ug.top, (ug.cx, y_op), (x_add - r, y_op)], color=C_GU, lw=1.8)
    path_arrow(ax, [cg.top, (cg.cx, y_op), (x_add + r, y_op)], color=C_CT, lw=1.8)
    ax.text(ug.cx + 0.15, (ug.top[1] + y_op) / 2, m(r"\Gamma_u"), ha="left", va="center",
            fontsize=16, color=C_GU)
    ax.text(cg.cx - 0.15, (cg.top[1] + y_op) / 2, m(CT % "t"), ha="right", va="center",
            fontsize=16, color=C_CT)
    arrow(ax, (x_add, y_op + r), (x_add, y_c - r), color=INK, lw=1.8)
    ax.text(x_add + 0.15, (y_op + y_c) / 2, m(r"\Gamma_u \odot " + CT % "t"), ha="left",
            va="center", fontsize=14, color=INK)

    # ---- output: a<t> = Γo ⊙ tanh(c<t>) ----
    dot(ax, (x_tanh, y_c), C_MEM, r=0.13)
    th = Box(ax, x_tanh, 9.05, 1.35, 0.7, m(r"\tanh"), face="#fff5f5", edge=INK, size=15)
    arrow(ax, (x_tanh, y_c), th.top, color=C_MEM, lw=1.8)
    op_node(ax, (x_tanh, y_op), "mul", color=INK, r=r)
    arrow(ax, th.bottom, (x_tanh, y_op + r), color=INK)
    path_arrow(ax, [og.top, (og.cx, y_op), (x_tanh - r, y_op)], color=C_GO, lw=1.8)
    ax.text(og.cx + 0.15, (og.top[1] + y_op) / 2, m(r"\Gamma_o"), ha="left", va="center",
            fontsize=16, color=C_GO)

    polyline(ax, [(x_tanh + r, y_op), split], color=C_AA, lw=1.8)
    dot(ax, split, C_AA)
    arrow(ax, split, (x_max - 0.2, y_op), color=C_AA, lw=1.8)
    ax.text(b_right + 1.1, y_op + 0.3, m(A % "t"), ha="center", va="bottom", fontsize=18,
            color=C_AA)
    ax.text(b_right + 1.1, y_op - 0.3, m(r"(n_a, m)"), ha="center", va="top", fontsize=13,
            color=GREY)
    ax.text(split[0] + 1.1, y_op - 0.3, "to the next\ntime step", ha="center", va="top",
            fontsize=11, color=GREY, linespacing=1.2)

    soft = Box(ax, split[0] - 0.3, 13.3, 4.6, 0.95,
               m(r"\mathrm{softmax}(W_y\," + A % "t" + r" + b_y)"), face=OUT_FACE, edge=C_YA,
               size=15)
    arrow(ax, split, (split[0], soft.bottom[1]), color=C_AA, lw=1.8)
    yhat = Box(ax, soft.cx, 15.6, 1.3, 0.8, m(YH % "t"), face=OUT_FACE, edge=OUT_EDGE, size=17)
    arrow(ax, soft.top, yhat.bottom, color=C_YA)
    ax.text(yhat.right[0] + 0.2, yhat.cy, m(r"(n_y, m)"), ha="left", va="center", fontsize=13,
            color=GREY)

    # ---- parameters (top left, outside the cell) ----
    ax.text(0.0, 15.95, "parameters, shared by all time steps", ha="left", va="center",
            fontsize=13, color=INK, weight="bold")
    rows = [
        (m(r"W_f,\ W_i,\ W_c,\ W_o") + "   " + m(r"(n_a,\ n_a + n_x)"), 0.2, 15.25),
        (m(r"b_f,\ b_i,\ b_c,\ b_o") + "   " + m(r"(n_a, 1)"), 0.2, 14.6),
        (m(r"W_y") + "  " + m(r"(n_y, n_a)") + "     " + m(r"b_y") + "  " + m(r"(n_y, 1)"),
         0.2, 13.95),
    ]
    for txt, x, y in rows:
        ax.text(x, y, txt, ha="left", va="center", fontsize=14, color=INK)
    ax.text(0.2, 13.3, "gates " + m(r"\Gamma_f, \Gamma_u, \Gamma_o") + " (values in "
            + m(r"(0, 1)") + "), " + m(CT % "t") + ", " + m(C % "t") + ", " + m(A % "t")
            + "   " + m(r"(n_a, m)"), ha="left", va="center", fontsize=13, color=GREY)

    # ---- the update equations at the bottom ----
    ax.text(body.cx, -2.35,
            m(C % "t" + r" = \Gamma_f \odot " + C % "t-1" + r" + \Gamma_u \odot " + CT % "t")
            + "        " + m(A % "t" + r" = \Gamma_o \odot \tanh(" + C % "t" + r")") +
            "        " + m(r"\odot") + " : element-wise product",
            ha="center", va="center", fontsize=15, color=INK)
    return fig


# --------------------------------------------------------------------------------------------
# 5. The backward pass through one RNN cell
# --------------------------------------------------------------------------------------------

PLUSEQ = r"\;+\!\!=\;"


def grad_box(ax, cx, cy, w, h, formula, note, size=15, top=0.42):
    """A box for a gradient: the formula on top, a grey note (shape, accumulation) below."""
    box = Box(ax, cx, cy, w, h, "", face="#fff0f6", edge=GRAD, lw=1.6)
    ax.text(cx, cy + h / 2 - top, m(formula), ha="center", va="center", fontsize=size,
            color=INK, zorder=5)
    ax.text(cx, cy - h / 2 + 0.3, note, ha="center", va="center", fontsize=11.5, color=GREY,
            zorder=5)
    return box


def draw_cell_backward():
    fig, ax = new_axes(14.0, 8.4, (-0.3, 28.3), (-2.6, 14.4))
    lane = 0.3      # forward lane above (or right of) the centre line, backward lane below it
    r = 0.48        # radius of the sum node
    y_mid = 5.0
    P = (10.6, y_mid)
    rim = (r * r - lane * lane) ** 0.5  # where a lane at +-lane meets the sum node

    # ---- forward pass (solid, the colours of the RNN cell figure) ----
    waa = Box(ax, 7.0, 7.6, 2.7, 1.3, m(r"W_{aa}\," + A % "t-1"), face="white", edge=C_AA,
              size=15)
    wax = Box(ax, 7.0, 2.4, 2.7, 1.3, m(r"W_{ax}\," + X % "t"), face="white", edge=C_AX,
              size=15)
    x_in = Box(ax, 7.0, -0.75, 1.5, 0.8, m(X % "t"), face=IN_FACE, edge=IN_EDGE, size=17)
    ax.add_patch(Circle(P, r, facecolor="white", edgecolor=INK, linewidth=1.6, zorder=3))
    ax.text(P[0], P[1] + 0.02, "+", ha="center", va="center", fontsize=20, color=INK, zorder=4)
    tanh = Box(ax, 13.7, y_mid, 1.7, 1.3, m(r"\tanh"), face="#fff5f5", edge=INK, size=17)
    split = (19.0, y_mid + lane)
    soft = Box(ax, 19.3, 9.3, 4.4, 1.1, m(r"\mathrm{softmax}(W_{ya}\," + A % "t" + r" + b_y)"),
               face=OUT_FACE, edge=C_YA, size=15)
    yhat = Box(ax, 19.3, 11.7, 1.4, 0.8, m(YH % "t"), face=OUT_FACE, edge=OUT_EDGE, size=17)

    yf = waa.cy + lane  # a<t-1> comes in on the upper lane
    arrow(ax, (0.0, yf), (waa.left[0], yf), color=C_AA)
    ax.text(0.1, yf + 0.15, m(A % "t-1"), ha="left", va="bottom", fontsize=16, color=C_AA)
    path_arrow(ax, [(waa.right[0], yf), (P[0] + lane, yf), (P[0] + lane, P[1] + rim)],
               color=C_AA)
    yf = wax.cy - lane
    path_arrow(ax, [(wax.right[0], yf), (P[0] + lane, yf), (P[0] + lane, P[1] - rim)],
               color=C_AX)
    arrow(ax, (x_in.cx - lane, x_in.top[1]), (x_in.cx - lane, wax.bottom[1]), color=C_AX)
    # b_a enters the sum from the left, on the upper lane.
    arrow(ax, (9.0, P[1] + lane), (P[0] - rim, P[1] + lane), color=INK)
    ax.text(8.92, P[1] + lane + 0.05, m(r"b_a"), ha="right", va="center", fontsize=16, color=INK)
    arrow(ax, (P[0] + rim, P[1] + lane), (tanh.left[0], P[1] + lane), color=INK)
    ax.text((P[0] + tanh.left[0]) / 2 + 0.2, P[1] + lane + 0.12, m(r"z"), ha="center",
            va="bottom", fontsize=15, color=INK)
    polyline(ax, [(tanh.right[0], split[1]), split], color=C_AA)
    dot(ax, split, C_AA)
    arrow(ax, split, (28.0, split[1]), color=C_AA)
    ax.text(26.6, split[1] + 0.15, m(A % "t"), ha="center", va="bottom", fontsize=16,
            color=C_AA)
    ax.text(26.6, split[1] + 0.85, "to step " + m(r"t+1"), ha="center", va="bottom",
            fontsize=11, color=GREY)
    arrow(ax, split, (split[0], soft.bottom[1]), color=C_AA)
    arrow(ax, (split[0], soft.top[1]), (split[0], yhat.bottom[1]), color=C_YA)

    # ---- backward pass (dashed, right to left) ----
    g = (split[0] + 0.9, y_mid - lane)      # gradients from the loss and from step t+1 add up
    op_node(ax, g, "add", color=GRAD, r=0.36, lw=1.8, face="#fff0f6")
    dashed_arrow(ax, [(28.0, g[1]), (g[0] + 0.36, g[1])])
    ax.text(24.6, g[1] - 0.2, "from step " + m(r"t+1") + ":  " +
            m(r"W_{aa}^T\, dz^{\langle t+1\rangle}"), ha="center", va="top", fontsize=13,
            color=GRAD)
    dashed_arrow(ax, [(g[0], soft.bottom[1]), (g[0], g[1] + 0.36)])
    ax.text(g[0] + 0.25, 7.15, "from the loss of " + m(YH % "t") + ":\n" +
            m(r"W_{ya}^T\,(" + YH % "t" + r" - " + Y % "t" + r")"),
            ha="left", va="center", fontsize=13, color=GRAD, linespacing=1.5)
    dashed_arrow(ax, [(g[0] - 0.36, g[1]), (tanh.right[0], g[1])])
    ax.text((tanh.right[0] + g[0]) / 2, g[1] - 0.2, m(r"d" + A % "t") + "  " + m(r"(n_a, m)"),
            ha="center", va="top", fontsize=14, color=GRAD)
    ax.text((tanh.right[0] + g[0]) / 2, g[1] - 0.85, "the sum of both", ha="center",
            va="top", fontsize=11, color=GREY)

    # Through tanh: dz.
    dashed_arrow(ax, [(tanh.left[0], P[1] - lane), (P[0] + rim, P[1] - lane)])
    ax.text(12.15, P[1] - lane - 0.18, m(r"dz"), ha="center", va="top", fontsize=15,
            color=GRAD)
    dzb = grad_box(ax, 16.0, 2.2, 7.9, 1.5,
                   r"dz = d" + A % "t" + r" \odot (1 - (" + A % "t" + r")^2)",
                   "through tanh:  " + m(r"\tanh'(z) = 1 - \tanh^2(z)") + "    " +
                   m(r"(n_a, m)"), size=15, top=0.48)
    polyline(ax, [(12.15, P[1] - lane - 0.75), (12.9, dzb.top[1])], color=GREY, lw=1.0)

    # From the sum node back to W_aa, W_ax and b_a (each on the inner lane).
    yb = waa.cy - lane
    dashed_arrow(ax, [(P[0] - lane, P[1] + rim), (P[0] - lane, yb), (waa.right[0], yb)])
    yb = wax.cy + lane
    dashed_arrow(ax, [(P[0] - lane, P[1] - rim), (P[0] - lane, yb), (wax.right[0], yb)])
    dba = grad_box(ax, 5.65, P[1] - lane - 0.1, 4.9, 1.85,
                   r"db_a" + PLUSEQ + r"\sum_{i=1}^{m} dz^{(i)}",
                   m(r"(n_a, 1)") + ", accumulated over " + m(r"t"), size=14, top=0.68)
    dashed_arrow(ax, [(P[0] - rim, P[1] - lane), (dba.right[0], P[1] - lane)])

    # Out of W_aa: dW_aa (up) and da<t-1> (left, to step t-1).
    dwaa = grad_box(ax, waa.cx, 10.4, 4.9, 1.3, r"dW_{aa}" + PLUSEQ + r"dz\,(" + A % "t-1" +
                    r")^T", m(r"(n_a, n_a)") + ", accumulated over " + m(r"t"))
    dashed_arrow(ax, [waa.top, dwaa.bottom])
    yb = waa.cy - lane
    dashed_arrow(ax, [(waa.left[0], yb), (0.0, yb)])
    ax.text(0.1, yb - 0.2, m(r"d" + A % "t-1" + r" = W_{aa}^T\, dz"), ha="left", va="top",
            fontsize=15, color=GRAD)
    ax.text(0.1, yb - 0.95, m(r"(n_a, m)") + ", to step " + m(r"t-1"), ha="left", va="top",
            fontsize=12, color=GREY)

    # Out of W_ax: dW_ax (left) and dx<t> (down, to the input).
    dwax = grad_box(ax, 2.5, wax.cy, 4.9, 1.3, r"dW_{ax}" + PLUSEQ + r"dz\,(" + X % "t" +
                    r")^T", m(r"(n_a, n_x)") + ", accumulated over " + m(r"t"))
    dashed_arrow(ax, [wax.left, dwax.right])
    dashed_arrow(ax, [(x_in.cx + lane, wax.bottom[1]), (x_in.cx + lane, x_in.top[1])])
    ax.text(x_in.cx + 0.55, (wax.bottom[1] + x_in.top[1]) / 2,
            m(r"d" + X % "t" + r" = W_{ax}^T\, dz") + "  " + m(r"(n_x, m)"), ha="left",
            va="center", fontsize=15, color=GRAD)

    # ---- legend and notation ----
    ax.plot([0.0, 1.2], [13.7, 13.7], color=INK, lw=1.6)
    ax.text(1.45, 13.7, "forward pass", ha="left", va="center", fontsize=13, color=INK)
    ax.plot([0.0, 1.2], [13.0, 13.0], color=GRAD, lw=2.0, ls=(0, (4, 2.2)))
    ax.text(1.45, 13.0, "backward pass: gradients flow from right to left", ha="left",
            va="center", fontsize=13, color=GRAD)
    ax.text(0.0, 12.2, m(r"dv") + " is " + m(r"\partial J / \partial v") + ", where " + m(r"J")
            + " is the cross-entropy loss summed over all time steps and examples",
            ha="left", va="center", fontsize=13, color=GREY)

    ax.text(14.0, -2.15,
            m(r"z = W_{aa}\," + A % "t-1" + r" + W_{ax}\," + X % "t" + r" + b_a") + "      " +
            m(A % "t" + r" = \tanh(z)") + "      " +
            m(r"\odot") + " : element-wise product",
            ha="center", va="center", fontsize=15, color=INK)
    return fig


# --------------------------------------------------------------------------------------------
# 6. The LSTM memory line over five time steps
# --------------------------------------------------------------------------------------------

def draw_lstm_memory_flow():
    fig, ax = new_axes(13.5, 5.8, (-0.3, 28.8), (-2.05, 10.3))
    y_c, y_g = 5.0, 7.25      # the memory line and the gradient lane
    r, dx, w = 0.34, 5.2, 3.9
    centres = [3.9 + k * dx for k in range(5)]
    x_end, x_mid = centres[-1] + dx / 2 + 1.2, (centres[0] + centres[-1]) / 2
    # One component of c: forget gates near 1, update gates near 0, so the value is kept.
    gf = [0.99, 0.98, 0.99, 0.97, 0.99]
    gu = [0.01, 0.02, 0.01, 0.01, 0.02]
    cand = [0.30, -0.50, 0.60, 0.20, -0.40]
    c = [0.80]
    for f, u, ct in zip(gf, gu, cand):
        c.append(f * c[-1] + u * ct)
    prod = 1.0
    for f in gf:
        prod *= f

    ax.text(x_mid, 9.75, "Along the memory line, the gradient only meets element-wise products "
            "with the forget gates", ha="center", va="center", fontsize=14, color=INK,
            weight="bold")

    # Band and thick line, drawn first so the cells' nodes sit on top.
    ax.add_patch(FancyBboxPatch((0.0, y_c - 0.5), x_end - 0.2, 1.0,
                                boxstyle="round,pad=0,rounding_size=0.2", facecolor=MEM_BAND,
                                edgecolor="none", zorder=1.5))
    arrow(ax, (0.0, y_c), (x_end, y_c), color=C_MEM, lw=4.2, mutation=22, zorder=2)
    ax.text(0.05, y_c + 0.6, m(C % "0"), ha="left", va="bottom", fontsize=17, color=C_MEM)
    ax.text(0.05, y_c - 0.6, f"{c[0]:.2f}", ha="left", va="top", fontsize=13, color=C_MEM)

    for k, cx in enumerate(centres):
        t = k + 1
        Box(ax, cx, 3.35, w, 4.9, "", face="#f5f9fe", edge=CELL_EDGE, lw=1.6, rounding=0.25,
            zorder=1)
        ax.text(cx - w / 2 + 0.2, 1.3, "LSTM cell", ha="left", va="center", fontsize=11,
                color=CELL_EDGE)
        ax.text(cx + w / 2 - 0.2, 1.3, m(r"t=%d" % t), ha="right", va="center", fontsize=13,
                color=CELL_EDGE)
        xf, xu = cx - 0.8, cx + 0.8
        op_node(ax, (xf, y_c), "mul", color=C_MEM, r=r, lw=2.0)
        op_node(ax, (xu, y_c), "add", color=C_MEM, r=r, lw=2.0)
        arrow(ax, (xf, 2.45), (xf, y_c - r), color=C_GF, lw=1.8)
        ax.text(xf - 0.05, 2.3, m(r"\Gamma_f = %.2f" % gf[k]), ha="center", va="top",
                fontsize=13, color=C_GF)
        arrow(ax, (xu, 3.75), (xu, y_c - r), color=C_GU, lw=1.8)
        ax.text(xu, 3.6, m(r"\Gamma_u \odot \tilde{c}") + "\n" +
                m(r"\Gamma_u = %.2f" % gu[k]), ha="center", va="top", fontsize=13,
                color=C_GU, linespacing=1.4)
        # The value of c after this step, above the line in the gap to the next cell.
        xl = cx + dx / 2
        ax.text(xl, y_c + 0.6, m(C % t), ha="center", va="bottom", fontsize=17, color=C_MEM,
                zorder=5)
        ax.text(xl, y_c - 0.6, f"{c[t]:.2f}", ha="center", va="top", fontsize=13, color=C_MEM,
                zorder=5)

        # Gradient: from the gap after the cell back to the gap before it, times Γf<t>.
        x_right = cx + dx / 2 - 0.55 if t < 5 else x_end
        x_left = cx - dx / 2 + 0.55 if t > 1 else 0.0
        dashed_arrow(ax, [(x_right, y_g), (x_left, y_g)])
        ax.text(xf, y_g + 0.2, m(r"\odot\, \Gamma_f^{\langle %d\rangle}" % t), ha="center",
                va="bottom", fontsize=15, color=GRAD)

    ax.text(x_end, y_g + 0.25, m(r"dc^{\langle 5\rangle}"), ha="right", va="bottom", fontsize=15,
            color=GRAD)
    ax.text(0.0, y_g + 0.25, m(r"dc^{\langle 0\rangle}"), ha="left", va="bottom", fontsize=15,
            color=GRAD)

    # What the picture says, in two lines.
    ax.text(x_mid, 0.0,
            "along the line:  " + m(r"dc^{\langle t-1\rangle} = dc^{\langle t\rangle} \odot "
                                    r"\Gamma_f^{\langle t\rangle}") +
            "   (plus what reaches " + m(C % "t-1") + " through " + m(A % "t-1") +
            ", not drawn)",
            ha="center", va="center", fontsize=13, color=INK)
    ax.text(x_mid, -0.8,
            "so " + m(r"dc^{\langle 5\rangle}") + " reaches " + m(C % "0") + " as  " +
            m(r" \cdot ".join("%.2f" % f for f in gf) +
              r"\ dc^{\langle 5\rangle} \approx %.2f\ dc^{\langle 5\rangle}" % prod) +
            ":  no matrix product, no " + m(r"\tanh'") + ", almost nothing is lost",
            ha="center", va="center", fontsize=13, color=INK)
    ax.text(x_mid, -1.6, "one component of " + m(r"c") + " is shown; every component has its "
            "own forget gate", ha="center", va="center", fontsize=11.5, color=GREY)
    return fig


FIGURES = {
    "rnn_standard_net": draw_standard_net,
    "rnn_unrolled": draw_unrolled,
    "rnn_cell": draw_cell,
    "lstm_cell": draw_lstm_cell,
    "rnn_cell_backward": draw_cell_backward,
    "lstm_memory_flow": draw_lstm_memory_flow,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", type=Path, default=None,
                        help="also write PNG previews into this folder (not committed)")
    args = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        fig = draw()
        svg = OUT_DIR / f"{name}.svg"
        fig.savefig(svg, format="svg", metadata={"Date": None})
        print(f"wrote {svg.relative_to(OUT_DIR.parent.parent)} ({svg.stat().st_size} bytes)")
        if args.png is not None:
            args.png.mkdir(parents=True, exist_ok=True)
            fig.savefig(args.png / f"{name}.png", format="png", dpi=110)


if __name__ == "__main__":
    main()
