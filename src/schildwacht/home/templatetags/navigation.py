"""Template tags for the page shell: which navigation items a user gets."""

from __future__ import annotations

from typing import Any

from django import template

from schildwacht.organisations.scoping import holds_grant

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_audit(context: template.Context) -> bool:
    """Whether the signed-in user reaches the audit trail of at least one organisation.

    The navigation only links to pages a user may open; the roles are cached for the request,
    so asking costs no query of its own.
    """
    request: Any = context.get("request")
    return holds_grant(getattr(request, "user", None), "view", "audit")
