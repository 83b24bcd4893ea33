"""Template tags for the page shell: which navigation items a user gets."""

from __future__ import annotations

from typing import Any

from django import template

from schildwacht.organisations.scoping import organisation_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_audit(context: template.Context) -> bool:
    """Whether the signed-in user reaches the audit trail of at least one organisation.

    The navigation only links to pages a user may open; the answer is cached on the user object
    by the scoping module, so asking again in the same request costs no query.
    """
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    return bool(organisation_ids(user, "view", "audit"))
