"""Helpers for the recurrent neural networks course (widgets, data, checks)."""
