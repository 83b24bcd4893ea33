"""Checks for the official identifiers of Dutch education organisations (DUO registers)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_BEVOEGD_GEZAG = re.compile(r"^\d{5}$")
_BRIN = re.compile(r"^\d{2}[A-Z]{2}$")
_VESTIGING = re.compile(r"^\d{2}$")


def validate_bevoegd_gezag_number(value: str) -> None:
    """A bevoegd-gezagnummer is five digits, e.g. 41234."""
    if not _BEVOEGD_GEZAG.match(value or ""):
        raise ValidationError(
            _("Een bevoegd-gezagnummer bestaat uit vijf cijfers, niet %(value)r."),
            code="invalid_bevoegd_gezag",
            params={"value": value},
        )


def validate_brin(value: str) -> None:
    """A BRIN code is two digits and two capital letters, e.g. 12AB."""
    if not _BRIN.match(value or ""):
        raise ValidationError(
            _(
                "Een BRIN-code bestaat uit twee cijfers en twee hoofdletters (bijv. 12AB), niet %(value)r."
            ),
            code="invalid_brin",
            params={"value": value},
        )


def validate_vestiging(value: str) -> None:
    """A vestigingsnummer is two digits; 00 is the main location."""
    if not _VESTIGING.match(value or ""):
        raise ValidationError(
            _("Een vestigingsnummer bestaat uit twee cijfers (bijv. 00), niet %(value)r."),
            code="invalid_vestiging",
            params={"value": value},
        )
