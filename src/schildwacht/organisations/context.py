"""Template context: the organisations a user may switch between and the active one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from schildwacht.accounts.middleware import is_verified
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import visible_organisation_ids

SESSION_KEY = "active_organisation_id"


def active_organisation_for(request: HttpRequest) -> Organisation | None:
    """The organisation chosen in the switcher, or the user's first visible one."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(request, "_sw_active_org", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    visible = visible_organisation_ids(user)
    chosen = request.session.get(SESSION_KEY)
    organisation = None
    if chosen in visible:
        organisation = Organisation.objects.filter(pk=chosen).first()
    if organisation is None and visible:
        organisation = Organisation.objects.filter(pk__in=visible).order_by("path").first()
    request._sw_active_org = organisation  # type: ignore[attr-defined]
    return organisation


def active_organisation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not is_verified(user):
        return {}
    return {
        "active_organisation": active_organisation_for(request),
        "switchable_organisations": Organisation.objects.filter(
            pk__in=visible_organisation_ids(user)
        ).select_related("parent"),
    }
