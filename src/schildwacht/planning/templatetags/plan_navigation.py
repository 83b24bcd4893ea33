"""Template tags for the menu link to the plan."""

from __future__ import annotations

from typing import Any

from django import template

from schildwacht.organisations.scoping import holds_grant
from schildwacht.planning.models import Measure

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_plan(context: dict[str, Any]) -> bool:
    """Whether the signed-in user reads the plan of any organisation (the menu shows the link)."""
    request = context.get("request")
    return holds_grant(getattr(request, "user", None), "view", Measure.scope_area)
