"""Benchmark: the hidden-state explorer's redraw time per slider move, measured in a kernel.

    .venv/bin/python tests/benchmark_widgets.py [MOVES]

Runs solutions/03_rnn_model.ipynb in a Jupyter kernel, then moves the explorer's time slider
MOVES times (default 200) and changes the example 10 times, and prints the redraw times the
widget recorded (artist updates plus rendering the PNG that the browser receives).
"""

import sys

import nbformat

from conftest import REPO
from rnnlab.build import execute

MOVES = int(sys.argv[1]) if len(sys.argv) > 1 else 200
MEASURE = f"""
import numpy as np
slider_ms, example_ms = [], []
for i in range({MOVES}):
    explorer.t.value = 1 + i % explorer.t.max
    slider_ms.append(explorer.last_redraw_ms)
for i in range(10):
    explorer.example.value = explorer.example.options[(i + 1) % len(explorer.example.options)]
    example_ms.append(explorer.last_redraw_ms)
print(f"slider move: median {{np.median(slider_ms):.1f}} ms, 90th percentile "
      f"{{np.percentile(slider_ms, 90):.1f}} ms over {{len(slider_ms)}} moves")
print(f"new example (full redraw): median {{np.median(example_ms):.1f}} ms over {{len(example_ms)}} changes")
"""

notebook = nbformat.read(REPO / "solutions" / "03_rnn_model.ipynb", as_version=4)
notebook.cells.append(nbformat.v4.new_code_cell(MEASURE))
execute(notebook, REPO / "solutions")
print("".join(output.get("text", "") for output in notebook.cells[-1].outputs))
