"""Normalisation of names, dates and places (standalone: works on plain strings)."""

from fullcount.normalize.script import fold_digits, fold_script

__all__ = ["fold_digits", "fold_script"]
