"""Text that may not be stored: control characters, found and refused with the field named.

PostgreSQL refuses a NUL in text and JSON columns (a 500 if it gets that far), spreadsheets
refuse most control characters on export, and none of them is ever meant in what people type.
Tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_character(value: Any) -> bool:
    """Whether ``value`` (a string, or a list, tuple or dict holding strings) has one."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_control_character(item) for item in value)
    if isinstance(value, dict):
        return any(has_control_character(item) for item in value.values())
    return False


def refuse_control_characters(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Take out every value holding a control character (also inside a list or dict), with an
    error naming its field, so it is neither set nor looked up in the database."""
    for name in [name for name, value in values.items() if has_control_character(value)]:
        errors[name] = [_("De waarde bevat een ongeldig (onzichtbaar) teken.")]
        values.pop(name)
