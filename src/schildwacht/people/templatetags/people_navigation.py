"""Template tag for the menu link to exercises and awareness."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from schildwacht.organisations.scoping import holds_grant

register = template.Library()


@register.simple_tag(takes_context=True)
def people_menu_url(context: dict[str, Any]) -> str:
    """Exercises and trainings for readers of board items; staff get their own trainings."""
    user = getattr(context.get("request"), "user", None)
    if holds_grant(user, "view"):
        return reverse("people:trainings")
    if holds_grant(user, "view", "own"):
        return reverse("people:my_trainings")
    return ""
