"""What every paginated list endpoint shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ConvertedPage:
    """A lazily converted queryset: ninja slices and counts it, and only the rows of the page
    asked for are turned into schemas (so a list costs the same queries at any size)."""

    def __init__(self, rows: Any, convert: Callable[[Any], Any]) -> None:
        self.rows = rows
        self.convert = convert

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Any]:
        return [self.convert(row) for row in self.rows[index]]


def require_known(name: str, value: str, choices: list[str]) -> None:
    """A list filter is empty ("any") or one of ``choices``; else a 422 naming the parameter.

    (The filters are plain strings: ninja cannot resolve a ``Literal`` alias behind
    ``@paginate`` in a module with postponed annotations.)
    """
    if value and value not in choices:
        raise ValidationError({name: [_("Onbekende waarde %(value)s.") % {"value": value[:50]}]})
