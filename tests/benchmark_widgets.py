"""Benchmark: the widgets' redraw time per control change.

    cd tests && ../.venv/bin/python benchmark_widgets.py [MOVES]

First runs solutions/03_rnn_model.ipynb in a Jupyter kernel, moves the hidden-state explorer's
time slider MOVES times (default 200) and changes its example 10 times. Then, in this process,
changes the main control of every widget of the course MOVES times. Prints the redraw times the
widgets record (artist updates plus rendering the PNG that the browser receives).
"""

import statistics
import sys

import numpy as np

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
print("In a kernel, HiddenStateExplorer:")
print("".join(output.get("text", "") for output in notebook.cells[-1].outputs))

import rnnlab.widgets as course_widgets  # noqa: E402
from rnnlab.data import load_dinosaur_names  # noqa: E402
from test_name_generator import C2I, sample as reference_sample  # noqa: E402
from test_jazz_studio import sample_with_temperature, step as jazz_step  # noqa: E402
from test_name_states import random_parameters, reference_step  # noqa: E402

DINOSAURS = load_dinosaur_names()
NAME_MODEL = random_parameters(seed=0, n_a=50, scale=0.5)  # the size of the assignment's model

print("In this process (median and 90th percentile over", MOVES, "changes):")
for name, make, control in [
        ("HiddenStateExplorer: t", course_widgets.HiddenStateExplorer, "t"),
        ("LSTMGateInspector: t", course_widgets.LSTMGateInspector, "t"),
        ("OneHotExplorer: t", course_widgets.OneHotExplorer, "t"),
        ("BPTTStepper: stage", course_widgets.BPTTStepper, "stage"),
        ("ArchitectureDrawer: T_x", course_widgets.ArchitectureDrawer, "T_x"),
        ("NextWordProbabilities: t", lambda: course_widgets.NextWordProbabilities(use_keras=False), "t"),
        ("SequenceTaskGallery: example", course_widgets.SequenceTaskGallery, "example"),
        ("SamplingExplorer: temperature", course_widgets.SamplingExplorer, "temperature"),
        ("GradientFlowLab: rho", course_widgets.GradientFlowLab, "rho"),
        ("GradientFlowLab: threshold", course_widgets.GradientFlowLab, "threshold"),
        ("GRUGateInspector: t", course_widgets.GRUGateInspector, "t"),
        ("LSTMGateInspector: mode", course_widgets.LSTMGateInspector, "mode"),
        ("BidirectionalExplorer: t", course_widgets.BidirectionalExplorer, "t"),
        ("DependencyGrid: t", course_widgets.DependencyGrid, "t"),
        ("DependencyGrid: L", course_widgets.DependencyGrid, "L"),
        ("NameGenerator: which", lambda: course_widgets.NameGenerator(
            reference_sample, NAME_MODEL, C2I, DINOSAURS[::2], DINOSAURS), "which"),
        ("NameGenerator: temperature", lambda: course_widgets.NameGenerator(
            reference_sample, NAME_MODEL, C2I, DINOSAURS[::2], DINOSAURS), "temperature"),
        ("NameStateExplorer: unit", lambda: course_widgets.NameStateExplorer(
            reference_step, NAME_MODEL, C2I, DINOSAURS), "unit"),
        ("NameStateExplorer: feature", lambda: course_widgets.NameStateExplorer(
            reference_step, NAME_MODEL, C2I, DINOSAURS), "feature"),
        # A new take: the sampler, the piano roll and the audio (sound font) of four bars.
        ("JazzStudio: temperature", lambda: course_widgets.JazzStudio(sample_with_temperature, jazz_step, 4),
         "temperature")]:
    widget = make()
    slider = getattr(widget, control)
    if hasattr(slider, "options"):
        values = list(slider.options)
    elif hasattr(slider, "base"):  # a FloatLogSlider: min, max and step are exponents
        values = list(slider.base ** np.arange(slider.min, slider.max + slider.step / 2, slider.step))
    elif isinstance(slider.value, float):
        values = list(np.arange(slider.min, slider.max + slider.step / 2, slider.step))
    else:
        values = list(range(slider.min, slider.max + 1))
    values = [v[1] if isinstance(v, tuple) else v for v in values]
    times = []
    for i in range(MOVES):
        slider.value = values[(i + 1) % len(values)]
        times.append(widget.last_redraw_ms)
    print(f"  {name:32s} {statistics.median(times):6.1f} ms  {np.percentile(times, 90):6.1f} ms")
