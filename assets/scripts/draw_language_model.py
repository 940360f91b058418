"""Draw the RNN language model unrolled over a sequence: assets/figures/language_model_unrolled.svg
(words, "the cat sat.") and assets/figures/char_model_unrolled.svg (characters, the name "minmi").

Run from the repository root:  .venv/bin/python assets/scripts/draw_language_model.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

matplotlib.rcParams["svg.hashsalt"] = "rnnlab"  # the same file at every run
FIGURES = Path(__file__).resolve().parent.parent / "figures"
WORDS = ["the", "cat", "sat", ".", "<EOS>"]
CHARACTERS = ["m", "i", "n", "m", "i", "\\n"]


def draw(tokens, out):
    """Draw the model unrolled over ``tokens`` (the last one is the end token) into the file ``out``."""
    fig, ax = plt.subplots(figsize=(2 * len(tokens), 4.1))
    ax.set_xlim(-0.9, len(tokens) * 2 - 0.4)
    ax.set_ylim(-0.45, 4.6)
    ax.axis("off")
    arrow = dict(arrowstyle="-|>", color="#333333", lw=1.3)
    for t, word in enumerate(tokens, start=1):
        cx = 2 * (t - 1) + 0.8
        ax.add_patch(FancyBboxPatch((cx - 0.45, 1.55), 0.9, 0.9, boxstyle="round,pad=0.05",
                                    facecolor="#ddeeff", edgecolor="#4477aa", lw=1.5))
        ax.text(cx, 2.0, "RNN", ha="center", va="center", fontsize=11)
        given = "the zero vector" if t == 1 else f"'{tokens[t - 2]}'"
        ax.text(cx, 0.35, rf"$x^{{\langle {t}\rangle}}$" + ("$=\\vec{0}$" if t == 1 else rf"$=y^{{\langle {t - 1}\rangle}}$"),
                ha="center", va="center", fontsize=12)
        ax.text(cx, -0.15, given, ha="center", va="center", fontsize=9, color="#555555")
        ax.annotate("", (cx, 1.5), (cx, 0.62), arrowprops=arrow)
        ax.annotate("", (cx, 3.35), (cx, 2.5), arrowprops=arrow)
        ax.text(cx, 3.62, rf"$\hat{{y}}^{{\langle {t}\rangle}}$", ha="center", va="center", fontsize=13)
        cond = r"P(\,\cdot\,)" if t == 1 else (rf"P(\,\cdot \mid y^{{\langle 1\rangle}}"
                                               + (rf",\dots,y^{{\langle {t - 1}\rangle}})" if t > 2 else ")"))
        ax.text(cx, 4.02, f"${cond}$", ha="center", va="center", fontsize=9.5, color="#555555")
        ax.text(cx, 4.42, f"target $y^{{\\langle {t}\\rangle}}$ = '{word}'", ha="center", va="center",
                fontsize=9.5, color="#cc3311")
        if t < len(tokens):
            ax.annotate("", (cx + 1.5, 2.0), (cx + 0.5, 2.0), arrowprops=arrow)
            ax.text(cx + 0.75, 2.12, rf"$a^{{\langle {t}\rangle}}$", ha="center", fontsize=11)
            # the target of step t is the input of step t + 1
            ax.annotate("", (cx + 1.75, 0.62), (cx + 0.35, 3.3),
                        arrowprops=dict(arrowstyle="-|>", color="#cc3311", lw=1, ls="--", alpha=0.6))
    ax.annotate("", (0.3, 2.0), (-0.55, 2.0), arrowprops=arrow)
    ax.text(-0.45, 2.2, r"$a^{\langle 0\rangle}=\vec{0}$", fontsize=11)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Date": None})
    print("wrote", out)


def main():
    draw(WORDS, FIGURES / "language_model_unrolled.svg")
    draw(CHARACTERS, FIGURES / "char_model_unrolled.svg")


if __name__ == "__main__":
    main()
