"""Text that may not be stored: control characters.

PostgreSQL refuses a NUL in text and JSON columns (a 500 if it gets that far), spreadsheets
refuse most control characters on export, and none of them is ever meant in what people type.
Tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import re
from typing import Any

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
