"""The start page: per role the user holds at the active organisation, what it does and brings.

The panels are derived from the grants in roles.yaml (never from role names), so a role that
gains a grant gains the matching section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Membership, Organisation
from schildwacht.organisations.roles import role_description, role_grants, role_label


@dataclass(frozen=True)
class Section:
    """One block of a role panel: a link to a page that exists, or a section still to come."""

    title: str | Promise
    text: str | Promise
    url: str = ""
    tiles: tuple[str | Promise, ...] = ()


@dataclass
class RolePanel:
    role: str
    label: str
    description: str
    held_at: Organisation
    sections: list[Section] = field(default_factory=list)


# The dashboard of PRODUCT.md ("Waar staan we?"); its figures arrive with the domain apps.
DASHBOARD_TILES = (
    _("Volwassenheid per domein"),
    _("Basismaatregelen"),
    _("Groeipad en deadline"),
    _("Belangrijkste risico's"),
    _("Open incidenten"),
)
PRIVACY_TILES = (
    _("Verwerkingsregister"),
    _("DPIA's"),
    _("Datalekken"),
    _("Verwerkersovereenkomsten"),
)


def _sections(role: str, held_at: Organisation) -> list[Section]:
    sections: list[Section] = []
    if role_grants(role, "view", "all"):
        sections.append(
            Section(_("Waar staan we?"), _("Het dashboard van het bestuur."), tiles=DASHBOARD_TILES)
        )
    elif role_grants(role, "view", "privacy"):
        sections.append(
            Section(
                _("Privacy in beeld"), _("Alle privacyzaken van het bestuur."), tiles=PRIVACY_TILES
            )
        )
    if role_grants(role, "approve", "all"):
        sections.append(
            Section(
                _("Ter besluitvorming"),
                _("Metingen om goed te keuren en risico's om te accepteren verschijnen hier."),
            )
        )
    if role_grants(role, "change", "all"):
        sections.append(
            Section(_("Aan de slag"), _("Nulmeting, groeipad, registers en maatregelen bijhouden."))
        )
    elif role_grants(role, "change", "privacy"):
        sections.append(
            Section(
                _("Privacywerk"), _("Verwerkingsregister, DPIA's en datalekken namens het bestuur.")
            )
        )
    if role_grants(role, "advise", "privacy"):
        sections.append(Section(_("Advies"), _("Uw adviezen over DPIA's en datalekken.")))
    if role_grants(role, "report", "incidents"):
        sections.append(
            Section(
                _("Incident of datalek melden"),
                _(
                    "Meld hier straks een beveiligingsincident of datalek; de 72-uurstermijn loopt "
                    "vanaf de ontdekking."
                ),
            )
        )
    if role_grants(role, "view", "own"):
        sections.append(Section(_("Mijn trainingen"), _("Uw bewustwordingstrainingen.")))
    if role_grants(role, "view", "evidence"):
        sections.append(Section(_("Bewijsstukken"), _("Bewijs bij metingen en maatregelen.")))
    if role_grants(role, "view", "sector_aggregates"):
        sections.append(
            Section(
                _("Sectoroverzicht"),
                _("Geanonimiseerde cijfers van de hele sector; nooit gegevens van één bestuur."),
            )
        )
    if role_grants(role, "manage", "catalogues"):
        sections.append(
            Section(
                _("Gedeelde catalogi"),
                _("Normenkaders, leveranciers, risicosjablonen en detectieregels voor de sector."),
            )
        )
    if role_grants(role, "manage", "members"):
        sections.append(
            Section(
                _("Leden beheren"),
                _("Wie welke rol heeft."),
                url=reverse("organisations:detail", args=[held_at.pk]) + "#leden",
            )
        )
    if role_grants(role, "view", "audit"):
        sections.append(
            Section(
                _("Audittrail"), _("Wie wat wanneer heeft gewijzigd."), url=reverse("audit:list")
            )
        )
    return sections


def role_panels(user_id: int | None, organisation: Organisation | None) -> list[RolePanel]:
    """Panels for the user's roles held on ``organisation``, above it or below it."""
    if organisation is None or user_id is None:
        return []
    memberships = Membership.objects.filter(user_id=user_id).select_related("organisation")
    panels = []
    for membership in memberships.order_by("organisation__path", "role"):
        path = membership.organisation.path
        if organisation.path.startswith(path) or path.startswith(organisation.path):
            panels.append(
                RolePanel(
                    role=membership.role,
                    label=role_label(membership.role),
                    description=role_description(membership.role),
                    held_at=membership.organisation,
                    sections=_sections(membership.role, membership.organisation),
                )
            )
    return panels


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """The start page; for an htmx request only the panels of the active organisation."""
    organisation = active_organisation_for(request)
    data = {
        "organisation": organisation,
        "panels": role_panels(request.user.pk, organisation),
        "htmx_switch": True,
    }
    partial = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    template = "home/_role_panels.html" if partial else "home/start.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response
