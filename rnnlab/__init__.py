"""Helpers for the recurrent neural networks course (widgets, data, checks)."""

from .tracebacks import install as _install_tracebacks

_install_tracebacks()
