"""Reads of the application register and the processing register.

Every queryset comes from ``Model.objects.for_user(user, action)``; both models are privacy
items, so the FG reads them. Lists under a board include its schools' items (those the user
reads); under a school only that school's.

Completeness (basismaatregel 1): an application is complete when it has an internal owner, a
supplier contact, an incident plan (who to call and the first steps) and classified data (all
three BIV letters, and at least one category of personal data when it holds personal data).
The same requirements are a database condition (``complete_q``, for the figure and the
"onvolledig" filter) and a per-application list of what is missing (``missing_items``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.suppliers.models import Agreement

AREA = Application.scope_area


def register_organisation(user: Any, org_id: int, action: str = "view") -> Organisation:
    """The organisation ``org_id`` if ``user`` may ``action`` its registers, else Http404."""
    if org_id not in organisation_ids(user, action, AREA):
        raise Http404
    return Organisation.objects.select_related("parent").get(pk=org_id)


def changeable_organisations(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Organisations in ``organisation``'s subtree whose registers ``user`` may change."""
    return Organisation.objects.filter(
        pk__in=organisation_ids(user, "change", AREA), path__startswith=organisation.path
    ).order_by("path")


def readable_schools(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Schools in ``organisation``'s subtree whose registers ``user`` reads (for filters)."""
    return Organisation.objects.filter(
        pk__in=organisation_ids(user, "view", AREA),
        path__startswith=organisation.path,
        kind=OrganisationKind.SCHOOL,
    ).order_by("name")


# Completeness ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One thing a complete register entry has, as a database condition and a Python check."""

    code: str
    label: Promise
    met_q: Q
    met: Callable[[Application], bool]


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "owner",
        _("eigenaar binnen de organisatie"),
        ~Q(owner_name=""),
        lambda a: bool(a.owner_name.strip()),
    ),
    Requirement(
        "supplier_contact",
        _("contactpersoon bij de leverancier"),
        ~Q(supplier_contact=""),
        lambda a: bool(a.supplier_contact.strip()),
    ),
    Requirement(
        "incident_plan",
        _("plan voor als het misgaat (wie bellen en eerste stappen)"),
        ~Q(incident_contacts="") & ~Q(incident_first_steps=""),
        lambda a: bool(a.incident_contacts.strip() and a.incident_first_steps.strip()),
    ),
    Requirement(
        "classification",
        _("BIV-classificatie (beschikbaarheid, integriteit en vertrouwelijkheid)"),
        ~Q(availability="") & ~Q(integrity="") & ~Q(confidentiality=""),
        lambda a: bool(a.availability and a.integrity and a.confidentiality),
    ),
    Requirement(
        "data_categories",
        _("soorten persoonsgegevens"),
        Q(personal_data=False) | ~Q(data_categories=[]),
        lambda a: not a.personal_data or bool(a.data_categories),
    ),
)


def complete_q() -> Q:
    """The database condition of a complete register entry."""
    condition = Q()
    for requirement in REQUIREMENTS:
        condition &= requirement.met_q
    return condition


def missing_items(application: Application) -> list[Promise]:
    """What ``application`` still lacks to count as complete (empty when complete)."""
    return [r.label for r in REQUIREMENTS if not r.met(application)]


def application_completeness(user: Any, organisation: Organisation) -> Coverage:
    """Basismaatregel 1: complete applications of ``organisation`` (for a board with its
    schools') among those ``user`` reads, in one aggregate query."""
    row = (
        Application.objects.for_user(user)
        .filter(organisation__path__startswith=organisation.path)
        .order_by()
        .aggregate(total=Count("pk"), covered=Count("pk", filter=complete_q()))
    )
    return Coverage(covered=row["covered"], total=row["total"])


# Applications ---------------------------------------------------------------------------------


def applications_for_user(
    user: Any, organisation: Organisation, action: str = "view"
) -> QuerySet[Application]:
    """Applications ``user`` may ``action`` of ``organisation`` and (for a board) its schools."""
    return (
        Application.objects.for_user(user, action)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "supplier")
        .order_by("name", "pk")
    )


def _one(entries: QuerySet[Any], pk: int) -> Any:
    """The entry ``pk`` of ``entries`` (already scoped to the user), or Http404."""
    entry = entries.select_related("organisation", "created_by", "updated_by").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def application_for_user(user: Any, pk: int, action: str = "view") -> Application:
    """One application the user may ``action``, or Http404."""
    application: Application = _one(
        Application.objects.for_user(user, action).select_related("supplier"), pk
    )
    return application


@dataclass(frozen=True)
class ApplicationFilter:
    """The filters of the list, the export and the API; None or False means "any"."""

    kind: str | None = None
    school: int | None = None
    incomplete: bool = False
    search: str | None = None


def filter_applications(
    applications: QuerySet[Application], selection: ApplicationFilter
) -> QuerySet[Application]:
    if selection.kind:
        applications = applications.filter(kind=selection.kind)
    if selection.school is not None:
        # What a school uses: its own applications and the board's that list it.
        used = Application.schools.through.objects.filter(organisation_id=selection.school)
        applications = applications.filter(
            Q(organisation_id=selection.school) | Q(pk__in=used.values("application_id"))
        )
    if selection.incomplete:
        applications = applications.exclude(complete_q())
    if selection.search:
        applications = applications.filter(name__icontains=selection.search.strip())
    return applications


def school_ids(application: Application) -> list[int]:
    return sorted(application.schools.values_list("pk", flat=True))


def agreements_for(user: Any, application: Application) -> QuerySet[Agreement]:
    """The processing agreements ``user`` reads that cover ``application``."""
    return (
        Agreement.objects.for_user(user)
        .filter(applications=application)
        .select_related("supplier", "organisation")
        .order_by("supplier__name", "title", "pk")
    )


def activities_using(user: Any, application: Application) -> QuerySet[ProcessingActivity]:
    """The processing activities ``user`` reads that use ``application``."""
    return (
        ProcessingActivity.objects.for_user(user)
        .filter(applications=application)
        .select_related("organisation")
        .order_by("name", "pk")
    )


# Processing activities ------------------------------------------------------------------------


def linkable_applications_q(organisation: Organisation) -> Q:
    """Applications a processing activity of ``organisation`` may use: for a board those of the
    board and its schools; for a school its own and its board's."""
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent_id:
        return Q(organisation_id=organisation.pk) | Q(organisation_id=organisation.parent_id)
    return Q(organisation__path__startswith=organisation.path)


def activities_for_user(
    user: Any, organisation: Organisation, action: str = "view"
) -> QuerySet[ProcessingActivity]:
    """Processing activities of ``organisation`` and (for a board) its schools."""
    return (
        ProcessingActivity.objects.for_user(user, action)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation")
        .annotate(application_count=Count("applications"))
        .order_by("name", "pk")
    )


def activity_for_user(user: Any, pk: int, action: str = "view") -> ProcessingActivity:
    """One processing activity the user may ``action``, or Http404."""
    activity: ProcessingActivity = _one(ProcessingActivity.objects.for_user(user, action), pk)
    return activity


def activity_applications(user: Any, activity: ProcessingActivity) -> QuerySet[Application]:
    """The applications an activity uses, of those ``user`` reads."""
    return (
        Application.objects.for_user(user)
        .filter(processing_activities=activity)
        .select_related("organisation", "supplier")
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class ActivityFilter:
    search: str | None = None
    legal_basis: str | None = None


def filter_activities(
    activities: QuerySet[ProcessingActivity], selection: ActivityFilter
) -> QuerySet[ProcessingActivity]:
    if selection.legal_basis:
        activities = activities.filter(legal_basis=selection.legal_basis)
    if selection.search:
        activities = activities.filter(name__icontains=selection.search.strip())
    return activities


def activity_missing(activity: ProcessingActivity) -> list[Promise]:
    """Article 30 fields the activity leaves empty."""
    checks: list[tuple[bool, Promise]] = [
        (bool(activity.controller.strip()), _("verwerkingsverantwoordelijke")),
        (bool(activity.purposes.strip()), _("doeleinden")),
        (bool(activity.legal_basis), _("grondslag")),
        (bool(activity.data_subject_categories), _("categorieën betrokkenen")),
        (
            bool(activity.data_categories or activity.special_categories),
            _("soorten persoonsgegevens"),
        ),
        (bool(activity.recipients.strip()), _("ontvangers")),
        (bool(activity.retention.strip()), _("bewaartermijnen")),
        (bool(activity.security_measures.strip()), _("beveiligingsmaatregelen")),
        (
            not activity.transfers_outside_eea or bool(activity.transfer_safeguards.strip()),
            _("waarborgen bij doorgifte buiten de EER"),
        ),
        (
            not activity.special_categories or bool(activity.legal_basis_note.strip()),
            _("uitzondering voor bijzondere persoonsgegevens (toelichting grondslag)"),
        ),
    ]
    return [label for ok, label in checks if not ok]
