"""Template tag for the menu link to the risk register (or, for the curator, its templates)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from schildwacht.organisations.scoping import holds_grant, sector_ids
from schildwacht.risks.models import SCOPE_AREA

register = template.Library()


@register.simple_tag(takes_context=True)
def risks_menu_url(context: dict[str, Any]) -> str:
    """Where the menu's "Risico's" link goes: the register for whoever reads a board's risks,
    the sector's templates for the curator, nothing ("") for everyone else."""
    user = getattr(context.get("request"), "user", None)
    if holds_grant(user, "view", SCOPE_AREA):
        return reverse("risks:list")
    if sector_ids(user, "manage", "catalogues"):
        return reverse("risks:templates")
    return ""
