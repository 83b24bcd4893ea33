"""Template tags for the meting pages and the menu."""

from __future__ import annotations

from typing import Any

from django import template

from schildwacht.organisations.scoping import holds_grant

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_assessments(context: dict[str, Any]) -> bool:
    """Whether the signed-in user reads metingen of any organisation (the menu shows the link)."""
    request = context.get("request")
    return holds_grant(getattr(request, "user", None), "view", "all")


@register.filter
def level_display(value: Any) -> str:
    """A level or average with a Dutch decimal comma; "–" for none."""
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


@register.filter
def signed(value: Any) -> str:
    """A difference with its sign (+0,5 / −1), "–" for none."""
    if value is None:
        return "–"
    text = f"{abs(value):.1f}" if isinstance(value, float) else str(abs(value))
    text = text.replace(".", ",")
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return text
