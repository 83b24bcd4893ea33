"""Template tags for the menu link to the registers."""

from __future__ import annotations

from typing import Any

from django import template

from schildwacht.organisations.scoping import holds_grant
from schildwacht.registers.models import Application

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_registers(context: dict[str, Any]) -> bool:
    """Whether the signed-in user reads the registers of any organisation (the menu link)."""
    request = context.get("request")
    return holds_grant(getattr(request, "user", None), "view", Application.scope_area)
