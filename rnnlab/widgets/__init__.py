"""Interactive widgets of the course, one module per widget; each is built in one line in a notebook.

Every widget is a ``rnnlab.plots.FigureWidget``: ipywidgets controls above a matplotlib figure that is
built once and whose artists' data change on each interaction.
"""

from .hidden_state import HiddenStateExplorer
from .lstm_gates import LSTMGateInspector

__all__ = ["HiddenStateExplorer", "LSTMGateInspector"]
