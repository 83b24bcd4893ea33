"""Template filters that turn the audit trail's codes into words people read."""

from __future__ import annotations

from django import template

from schildwacht.audit.queries import object_type_label as _object_type_label

register = template.Library()


@register.filter
def object_type_label(object_type: str) -> str:
    """``accounts.user`` → ``gebruiker`` (the model's verbose name); other types unchanged."""
    return _object_type_label(object_type)
