"""Interactive widgets of the course, one module per widget; each is built in one line in a notebook.

Every widget is a ``rnnlab.plots.FigureWidget``: ipywidgets controls above a matplotlib figure that is
built once and whose artists' data change on each interaction.
"""

from .bidirectional import BidirectionalExplorer
from .bptt import BPTTStepper
from .deep_rnn import DependencyGrid
from .gradient_flow import GradientFlowLab
from .gru_gates import GRUGateInspector
from .hidden_state import HiddenStateExplorer
from .jazz_studio import JazzStudio
from .language_model import NextWordProbabilities
from .lstm_gates import LSTMGateInspector
from .name_generator import NameGenerator
from .name_states import NameStateExplorer
from .one_hot import OneHotExplorer
from .rnn_types import ArchitectureDrawer
from .sampling import SamplingExplorer
from .sequence_tasks import SequenceTaskGallery

__all__ = ["ArchitectureDrawer", "BPTTStepper", "BidirectionalExplorer", "DependencyGrid", "GRUGateInspector",
           "GradientFlowLab", "HiddenStateExplorer", "JazzStudio", "LSTMGateInspector", "NameGenerator", "NameStateExplorer",
           "NextWordProbabilities", "OneHotExplorer", "SamplingExplorer", "SequenceTaskGallery"]
