"""Tracebacks that show the student's code, not the insides of the course's helpers.

When a student's function fails while a widget or a checking helper of ``rnnlab`` calls it, IPython
would print the helper's frames between the test and the student's code. ``install()``, run when
``rnnlab`` is imported in an IPython kernel, drops those frames; a failed check (``CheckFailed``)
shows its message alone (see ``rnnlab.checks``).
"""

import sys
import types
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def is_helper_frame(tb):
    """True when the traceback entry ``tb`` runs code of the rnnlab package."""
    filename = tb.tb_frame.f_code.co_filename
    return filename.startswith(str(PACKAGE)) or Path(filename).resolve().is_relative_to(PACKAGE)


def without_helper_frames(tb):
    """A copy of the traceback ``tb`` without rnnlab's frames (None when none is left)."""
    kept = []
    while tb is not None:
        if not is_helper_frame(tb):
            kept.append(tb)
        tb = tb.tb_next
    trimmed = None
    for entry in reversed(kept):
        trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return trimmed


def _show_without_helper_frames(shell, etype, value, tb, tb_offset=None):
    shell.showtraceback((etype, value, without_helper_frames(tb) or tb), tb_offset=tb_offset)


def install():
    """In an IPython shell (a notebook's kernel), show every error without rnnlab's frames."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is not None:
        shell.set_custom_exc((Exception,), _show_without_helper_frames)
