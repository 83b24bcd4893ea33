"""Spreadsheet safety: text cells that a spreadsheet would run as a formula are neutralised.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be taken
for a formula by Excel or LibreOffice (CSV/formula injection). On export such text gets a single
quote in front; numbers are left alone (a negative number stays a number). Importers call
``restore`` to undo exactly that guard, so export → edit → import gives back the original text.

Text that already begins with a quote followed by something that would need a guard is quoted
once more, so ``restore(neutralise(value)) == value`` holds for every string.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"

_V = TypeVar("_V")


def needs_guard(text: str) -> bool:
    """Whether ``text`` would be read as a formula, or looks like already-guarded text."""
    if text.startswith(FORMULA_STARTS):
        return True
    # A quote in front of guard-worthy text must itself be guarded, or restore would eat it.
    return text.startswith(GUARD) and needs_guard(text[1:])


def neutralise(value: _V) -> _V:
    """The cell value to write: guarded text when needed; numbers and other values unchanged."""
    if isinstance(value, str) and needs_guard(value):
        return GUARD + value  # type: ignore[return-value]
    return value


def restore(value: _V) -> _V:
    """Undo ``neutralise`` on a value read back from a spreadsheet or CSV."""
    if isinstance(value, str) and value.startswith(GUARD) and needs_guard(value[1:]):
        return value[1:]  # type: ignore[return-value]
    return value


def neutralise_row(values: list[object]) -> list[object]:
    """``neutralise`` applied to every cell of a row."""
    return [neutralise(value) for value in values]
