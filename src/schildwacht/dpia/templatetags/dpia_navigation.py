"""Template tag for the menu link to the DPIAs."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from schildwacht.dpia.models import Dpia
from schildwacht.organisations.scoping import holds_grant, sector_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def dpia_menu_url(context: dict[str, Any]) -> str:
    """Where the menu's DPIA link goes: a board's DPIAs, the sector's for the curator, or none."""
    user = getattr(context.get("request"), "user", None)
    if holds_grant(user, "view", Dpia.scope_area):
        return reverse("dpia:list")
    if sector_ids(user, "manage", "catalogues"):
        return reverse("dpia:sector_list")
    return ""
