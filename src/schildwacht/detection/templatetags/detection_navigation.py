"""Template tag for the menu link to the log analysis: the board's overview for whoever reads
it, the rule files for the sector curator, nothing for everyone else (school leaders included:
see ``detection/models.py``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from schildwacht.detection.models import may_read_detection
from schildwacht.organisations.scoping import sector_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def detection_menu_url(context: dict[str, Any]) -> str:
    """Where the menu's "Detectie" link goes, or "" when the user has nothing there."""
    user = getattr(context.get("request"), "user", None)
    if may_read_detection(user):
        return reverse("detection:overview")
    if sector_ids(user, "manage", "catalogues"):
        return reverse("detection:rules")
    return ""
