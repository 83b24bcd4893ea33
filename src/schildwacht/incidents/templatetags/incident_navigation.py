"""Template tag for the menu link to incidents: the register for its readers, otherwise the
reporter's own reports (everyone who may report), otherwise none (the sector roles)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from schildwacht.incidents.models import Incident
from schildwacht.organisations.scoping import holds_grant

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_menu_url(context: dict[str, Any]) -> str:
    """Where the menu's "Incidenten" link goes, or "" when the user has nothing there."""
    user = getattr(context.get("request"), "user", None)
    if holds_grant(user, "view", Incident.scope_area):
        return reverse("incidents:list")
    if holds_grant(user, "report", "incidents"):
        return reverse("incidents:mine")
    return ""


@register.simple_tag(takes_context=True)
def incident_report_url(context: dict[str, Any]) -> str:
    """The "Incident melden" link for everyone who may report (staff included)."""
    user = getattr(context.get("request"), "user", None)
    return reverse("incidents:report") if holds_grant(user, "report", "incidents") else ""
