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

from schildwacht.assessments.models import Assessment
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Membership, Organisation, OrganisationKind
from schildwacht.organisations.roles import role_description, role_grants, role_label
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.reports.queries import Dashboard, dashboard


@dataclass(frozen=True)
class Section:
    """One block of a role panel: a link to a page that exists, or a section still to come."""

    title: str | Promise
    text: str | Promise
    url: str = ""
    tiles: tuple[str | Promise, ...] = ()
    dashboard: bool = False


@dataclass(frozen=True)
class SectionSpec:
    """A row of ``ROLE_SECTIONS``: the grant that brings a section, and the section itself.

    ``unless`` names a grant that replaces this section by a broader one (a board-wide view
    instead of the privacy-only view). ``url_name`` names the page the section links to (empty:
    still to come); with ``per_organisation`` it is the page of the organisation where the role
    is held, and ``fragment`` a place on that page.
    """

    action: str
    area: str
    title: str | Promise
    text: str | Promise
    tiles: tuple[str | Promise, ...] = ()
    unless: tuple[str, str] | None = None
    url_name: str = ""
    per_organisation: bool = False
    fragment: str = ""
    # The section shows the figures of "Waar staan we?" (reports) once there is a meting.
    dashboard: bool = False

    def applies_to(self, role: str) -> bool:
        if self.unless is not None and role_grants(role, *self.unless):
            return False
        return role_grants(role, self.action, self.area)

    def section(self, held_at: Organisation) -> Section:
        url = ""
        if self.url_name:
            url = reverse(self.url_name, args=[held_at.pk] if self.per_organisation else [])
            url += f"#{self.fragment}" if self.fragment else ""
        return Section(self.title, self.text, url=url, tiles=self.tiles, dashboard=self.dashboard)


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

# Which grant brings which section, in the order a role panel shows them. Kept as a table
# (one row per section, hence no auto-formatting) so a new section is one new row.
ROLE_SECTIONS = (
    SectionSpec(
        "view", "all", _("Waar staan we?"), _("Het dashboard van het bestuur."),
        tiles=DASHBOARD_TILES, url_name="reports:dashboard", dashboard=True,
    ),
    SectionSpec(
        "view", "privacy", _("Privacy in beeld"), _("Alle privacyzaken van het bestuur."),
        tiles=PRIVACY_TILES, unless=("view", "all"),
    ),
    SectionSpec(
        "approve", "all", _("Ter besluitvorming"),
        _("Metingen om goed te keuren en risico's om te accepteren verschijnen hier."),
    ),
    SectionSpec(
        "change", "all", _("Aan de slag"),
        _("Nulmeting, groeipad, registers en maatregelen bijhouden."),
    ),
    SectionSpec(
        "change", "privacy", _("Privacywerk"),
        _("Verwerkingsregister, DPIA's en datalekken namens het bestuur."),
        unless=("change", "all"),
    ),
    SectionSpec("advise", "privacy", _("Advies"), _("Uw adviezen over DPIA's en datalekken.")),
    SectionSpec(
        "report", "incidents", _("Incident of datalek melden"),
        _(
            "Meld een beveiligingsincident of (vermoedelijk) datalek meteen: voor een datalek "
            "loopt een termijn van 72 uur."
        ),
        url_name="incidents:report",
    ),
    SectionSpec(
        "view", "own", _("Mijn trainingen"), _("Uw bewustwordingstrainingen."),
        url_name="people:my_trainings",
    ),
    SectionSpec("view", "evidence", _("Bewijsstukken"), _("Bewijs bij metingen en maatregelen.")),
    SectionSpec(
        "view", "sector_aggregates", _("Sectoroverzicht"),
        _("Geanonimiseerde cijfers van de hele sector; nooit gegevens van één bestuur."),
    ),
    SectionSpec(
        "manage", "catalogues", _("Gedeelde catalogi"),
        _("Normenkaders, leveranciers, risicosjablonen en detectieregels voor de sector."),
    ),
    SectionSpec(
        "manage", "members", _("Leden beheren"), _("Wie welke rol heeft."),
        url_name="organisations:detail", per_organisation=True, fragment="leden",
    ),
    SectionSpec(
        "view", "audit", _("Audittrail"), _("Wie wat wanneer heeft gewijzigd."),
        url_name="audit:list",
    ),
)  # fmt: skip


def _sections(role: str, held_at: Organisation) -> list[Section]:
    return [spec.section(held_at) for spec in ROLE_SECTIONS if spec.applies_to(role)]


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


def start_dashboard(user: object, organisation: Organisation | None) -> Dashboard | None:
    """The figures of "Waar staan we?" for the start page, when the user reads them and a
    meting exists; else None (the section keeps its placeholder tiles)."""
    if organisation is None or organisation.kind == OrganisationKind.SECTOR:
        return None
    if organisation.pk not in organisation_ids(user, "view", Assessment.scope_area):
        return None
    result = dashboard(user, organisation, modules=False)
    return result if result.has_data else None


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """The start page; for an htmx request only the panels of the active organisation."""
    organisation = active_organisation_for(request)
    panels = role_panels(request.user.pk, organisation)
    wants_dashboard = any(s.dashboard for panel in panels for s in panel.sections)
    data = {
        "organisation": organisation,
        "panels": panels,
        "dashboard": start_dashboard(request.user, organisation) if wants_dashboard else None,
        "htmx_switch": True,
    }
    template = "home/_role_panels.html" if is_htmx(request) else "home/start.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response
