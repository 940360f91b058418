"""A progress bar for the training loops of the notebooks.

    progress = TrainingProgress(num_iterations)
    for j in range(num_iterations):
        ...
        progress.step(j, smoothed_loss)                      # cheap: redraws about 100 times in all
        if j % 2000 == 0:
            progress.show_names(j, smoothed_loss, names)     # prints a line the notebook keeps
    progress.close()

The bar is an ipywidgets progress bar with the iteration, the loss and the speed beside it; the
lines of ``show_names`` are printed, so they stay in the notebook's output when it is read without
a kernel. ``close`` also replaces the bar's static fallback (shown where no kernel runs: a rendered
notebook, the static site) by the finished bar and its last line. Nothing is written to stderr.
"""

import html
import time

import ipywidgets as widgets
from IPython.display import display


class TrainingProgress:
    """Progress of a loop of ``total`` steps, numbered 0 to ``total - 1`` (``unit`` names them)."""

    def __init__(self, total, label="training", unit="iterations"):
        self.total, self.unit = int(total), unit
        self.every = max(1, self.total // 100)
        self.started = time.perf_counter()
        self.bar = widgets.IntProgress(value=0, min=0, max=max(1, self.total), description=label)
        self.text = widgets.HTML()
        self.line = ""
        self.box = widgets.HBox([self.bar, self.text])
        self.handle = display(self.box, display_id=True)

    def step(self, iteration, loss):
        """Note that iteration ``iteration`` ended with the (smoothed) loss ``loss``."""
        if iteration % self.every == 0 or iteration == self.total - 1:
            done = iteration + 1
            elapsed = time.perf_counter() - self.started
            self.bar.value = done
            self.line = (f"{done:,} / {self.total:,} {self.unit}, loss {loss:.3f}, "
                         f"{done / max(elapsed, 1e-9):,.1f} per second")
            self.text.value = html.escape(self.line)

    def show_names(self, iteration, loss, names):
        """Print the names sampled after iteration ``iteration``."""
        print(f"iteration {iteration + 1:>6,}   loss {loss:7.3f}   " + "  ".join(names))

    def close(self):
        """Print the total time; the static fallback of the bar becomes the finished bar."""
        print(f"{self.bar.value:,} {self.unit} in {time.perf_counter() - self.started:.1f} s")
        if self.handle is None:  # not displayed (outside IPython)
            return
        bundle = self.box._repr_mimebundle_()
        label = html.escape(self.bar.description)
        bundle["text/plain"] = f"{self.bar.description}: {self.line}"
        bundle["text/html"] = (f'<div>{label} <progress value="{self.bar.value}" max="{self.bar.max}"></progress> '
                               f"{html.escape(self.line)}</div>")
        self.handle.update(bundle, raw=True)
