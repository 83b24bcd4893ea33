"""Template tag for the menu link to the suppliers."""

from __future__ import annotations

from typing import Any

from django import template

from schildwacht.organisations.scoping import holds_grant, sector_ids
from schildwacht.suppliers.models import Supplier

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_suppliers(context: dict[str, Any]) -> bool:
    """Whether the user reads a board's suppliers or keeps the sector's catalogue."""
    user = getattr(context.get("request"), "user", None)
    return holds_grant(user, "view", Supplier.scope_area) or bool(
        sector_ids(user, "manage", "catalogues")
    )
