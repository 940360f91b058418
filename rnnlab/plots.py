"""Plotting helpers shared by the course widgets.

A widget draws into one matplotlib ``Figure`` that is built once; an interaction changes
the data of its artists and re-renders the figure into an ``ipywidgets.Image``.  The same
PNG is offered as a static picture, so the widget still shows when no kernel is running.
"""

import base64
import html
import io
import time

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

DPI = 80


def new_figure(width, height):
    """A figure of ``width`` x ``height`` inches that is not registered with pyplot."""
    figure = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def png_bytes(canvas):
    """The canvas's current pixels as PNG bytes (fast compression: widgets re-send it often)."""
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def show_char(char):
    """A character as a readable tick label (space and newline made visible)."""
    return {" ": "␣", "\n": "↵"}.get(char, char)


class FigureWidget:
    """Base class: controls, a figure shown as an image, and a status line.

    Subclasses build ``self.figure`` with ``new_figure``, mark the artists that change at every
    interaction with ``self.animate(...)``, call ``self._assemble(rows)``, and call
    ``self.redraw()`` after changing artists. Only the animated artists are drawn again on top
    of a cached background; after changing anything else (axis ticks, an image's data) call
    ``self.invalidate()`` first. ``last_redraw_ms`` holds how long the last update took.
    """

    figure = None

    def animate(self, *artists):
        """Mark ``artists`` as the ones redrawn at every interaction."""
        self._animated = [*getattr(self, "_animated", []), *artists]
        for artist in artists:
            artist.set_animated(True)

    def _assemble(self, *rows):
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.status = widgets.HTML()
        self.last_redraw_ms = None
        self._background = None
        self.view = widgets.VBox([*rows, self.image, self.status])

    def invalidate(self):
        """Note that a non-animated artist changed: the next redraw draws the whole figure."""
        self._background = None

    def redraw(self, started=None):
        """Render the figure into the image widget; ``started`` is when the update began."""
        started = time.perf_counter() if started is None else started
        canvas = self.figure.canvas
        if self._background is None:
            canvas.draw()  # draws everything but the animated artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in getattr(self, "_animated", []):
            self.figure.draw_artist(artist)
        self.image.value = png_bytes(canvas)
        self.last_redraw_ms = 1000 * (time.perf_counter() - started)

    def new_sequence(self, steps):
        """After a new sequence of ``steps`` steps: limit the time slider ``self.t`` (and its
        ``self.play``) to it and redraw everything through ``self.show_step()``."""
        self.invalidate()
        before = self.t.value
        self.t.max = self.play.max = steps  # lowering max below the value clamps it: the observer redraws
        if self.t.value == before:
            self.show_step()

    def say(self, message, error=False):
        """Show ``message`` on the status line (in red when ``error``)."""
        color = "#b00020" if error else "#555555"
        self.status.value = f'<span style="color:{color}">{html.escape(message)}</span>' if message else ""

    def picture_caption(self):
        """HTML shown under the static picture: the status line (subclasses add their captions)."""
        return self.status.value

    def _repr_mimebundle_(self, **kwargs):
        # The live view, and for readers without a kernel (a rendered notebook, the static site)
        # the figure as a PNG and as HTML with its caption and the settings it was drawn with.
        bundle = self.view._repr_mimebundle_(**kwargs)
        picture = base64.b64encode(self.image.value).decode("ascii")
        bundle["image/png"] = picture
        bundle["text/html"] = picture_html(picture, self.picture_caption(), control_settings(self.view),
                                           type(self).__name__)
        return bundle


def control_settings(widget):
    """``[(description, value as text)]`` of the controls inside ``widget`` (a box of boxes), in
    order: a choice as its label, a text quoted, a number as ``:g``."""
    if isinstance(widget, widgets.Box):
        return [setting for child in widget.children for setting in control_settings(child)]
    shown = (isinstance(widget, widgets.ValueWidget) and not isinstance(widget, (widgets.Play, widgets.HTML))
             and getattr(widget, "readout", True))  # a slider without a readout does not show its value
    if not (shown and getattr(widget, "description", "")):
        return []
    if isinstance(widget, widgets.widget_selection._Selection):
        text = str(widget.label)
    elif isinstance(widget.value, str):
        text = repr(widget.value)
    elif isinstance(widget.value, float):
        text = f"{widget.value:g}"
    else:
        text = str(widget.value)
    return [(widget.description, text)]


def picture_html(picture, caption, settings, name):
    """The static picture of a widget: the PNG ``picture`` (base64), the ``caption`` (HTML) and a
    line saying which ``settings`` it shows and that running the notebook makes it move."""
    shown = ", ".join(f"{html.escape(label)} = {html.escape(text)}" for label, text in settings)
    note = (f"A still picture of the interactive widget <code>{html.escape(name)}</code>"
            + (f", shown with {shown}" if shown else "")
            + ". Run the notebook to change the settings and watch it move.")
    return (f'<div class="rnnlab-widget-picture"><img src="data:image/png;base64,{picture}" '
            f'alt="{html.escape(name)}" style="max-width:100%">'
            f"<div>{caption}</div>"
            f'<div style="color:#555555; font-size:0.9em; margin-top:4px">{note}</div></div>')
