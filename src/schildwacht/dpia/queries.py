"""Reads of pre-scans and DPIAs for pages, the API, the PDF and other apps.

Every queryset starts at ``Model.objects.for_user``: a board's DPIAs and pre-scans by the house
scoping (privacy area, so the FG reads them), sector DPIAs for their curator and, once
published, for the boards of that sector. Lists are a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from schildwacht.dpia.models import (
    Dpia,
    DpiaMeasure,
    DpiaRisk,
    DpiaStatus,
    PreScan,
    sectors_above,
)
from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids, sector_ids
from schildwacht.planning.models import Measure
from schildwacht.registers.models import Application, ProcessingActivity

# Pre-scans ---------------------------------------------------------------------------------------


def prescans_for_user(user: Any, organisation: Organisation) -> QuerySet[PreScan]:
    """Pre-scans of ``organisation`` and (for a board) its schools, newest first."""
    return (
        PreScan.objects.for_user(user)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "application", "processing_activity", "created_by")
        .order_by("-created_at", "-pk")
    )


def prescan_for_user(user: Any, pk: int) -> PreScan:
    prescan = (
        PreScan.objects.for_user(user)
        .select_related("organisation", "application", "processing_activity", "created_by")
        .filter(pk=pk)
        .first()
    )
    if prescan is None:
        raise Http404
    return prescan


def prescan_history(user: Any, prescan: PreScan) -> list[PreScan]:
    """Every pre-scan of the same application or processing activity, newest first."""
    subject = (
        {"application_id": prescan.application_id}
        if prescan.application_id
        else {"processing_activity_id": prescan.processing_activity_id}
    )
    return list(
        PreScan.objects.for_user(user)
        .filter(**subject)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def latest_prescan_for_application(user: Any, application: Application) -> PreScan | None:
    """The newest pre-scan of ``application`` that ``user`` may read (for other apps' pages)."""
    return (
        PreScan.objects.for_user(user)
        .filter(application=application)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def dpias_covering(user: Any, application: Application) -> QuerySet[Dpia]:
    """The DPIAs ``user`` may read that include ``application`` (for the register's page)."""
    return Dpia.objects.for_user(user).filter(applications=application).order_by("-created_at")


def latest_prescan_for_processing(user: Any, activity: ProcessingActivity) -> PreScan | None:
    return (
        PreScan.objects.for_user(user)
        .filter(processing_activity=activity)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def prescan_subject_for_user(
    user: Any, application_id: int | None, processing_id: int | None
) -> Application | ProcessingActivity:
    """The application or processing activity a pre-scan is made for, or Http404."""
    subject: Application | ProcessingActivity | None = None
    if application_id is not None and processing_id is None:
        subject = (
            Application.objects.for_user(user)
            .select_related("organisation")
            .filter(pk=application_id)
            .first()
        )
    elif processing_id is not None and application_id is None:
        subject = (
            ProcessingActivity.objects.for_user(user)
            .select_related("organisation")
            .filter(pk=processing_id)
            .first()
        )
    if subject is None:
        raise Http404
    return subject


# DPIAs -------------------------------------------------------------------------------------------


def dpias_for_user(user: Any, organisation: Organisation, action: str = "view") -> QuerySet[Dpia]:
    """DPIAs of ``organisation`` and (for a board) its schools that ``user`` may ``action``."""
    return (
        Dpia.objects.for_user(user, action)
        .filter(organisation__path__startswith=organisation.path)
        .exclude(organisation__kind=OrganisationKind.SECTOR)
        .select_related("organisation", "sector_dpia", "advice")
        .order_by("-updated_at", "-pk")
    )


def dpias_under(user: Any, organisation: Organisation) -> QuerySet[Dpia]:
    """The DPIAs the API lists under ``organisation``: a board's or school's own, or for the
    sector node the sector DPIAs the user reads."""
    if organisation.kind == OrganisationKind.SECTOR:
        return sector_dpias_for_user(user).filter(organisation=organisation)
    return dpias_for_user(user, organisation)


def sector_nodes_for_user(user: Any) -> set[int]:
    """Sector nodes whose DPIAs ``user`` reads: the curator's own, and for a reader of a board's
    privacy items the sector above that board (its published sector DPIAs only)."""
    readable = sectors_above(organisation_ids(user, "view", Dpia.scope_area))
    return readable | set(sector_ids(user, "manage", "catalogues"))


def dpia_rows(dpias: QuerySet[Dpia]) -> QuerySet[Dpia]:
    """``dpias`` with everything the API shows of each, in a fixed number of queries."""
    return dpias.select_related("advice").prefetch_related(
        "applications",
        "processing_activities",
        Prefetch("risks", queryset=DpiaRisk.objects.order_by("pk")),
        Prefetch(
            "measures",
            queryset=DpiaMeasure.objects.prefetch_related("risks").order_by("pk"),
        ),
    )


def sector_dpias_for_user(user: Any) -> QuerySet[Dpia]:
    """Sector DPIAs: all of the curator's sector, the published ones for board users."""
    return (
        Dpia.objects.for_user(user)
        .filter(organisation__kind=OrganisationKind.SECTOR)
        .select_related("organisation", "supplier")
        .order_by("title", "-version", "pk")
    )


def dpia_for_user(user: Any, pk: int, action: str = "view") -> Dpia:
    """One DPIA with its parts, risks, measures, links and advice, or Http404."""
    dpia = (
        Dpia.objects.for_user(user, action)
        .select_related(
            "organisation",
            "supplier",
            "prescan",
            "previous",
            "sector_dpia__organisation",
            "advice__advised_by",
            "decision_recorded_by",
            "created_by",
            "updated_by",
        )
        .prefetch_related(
            "applications",
            "processing_activities",
            Prefetch("risks", queryset=DpiaRisk.objects.order_by("pk")),
            Prefetch(
                "measures",
                queryset=DpiaMeasure.objects.select_related("plan_measure")
                .prefetch_related(Prefetch("risks", queryset=DpiaRisk.objects.order_by("pk")))
                .order_by("pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if dpia is None:
        raise Http404
    return dpia


def sector_basis(dpia: Dpia) -> Dpia | None:
    """The sector DPIA an adopted DPIA builds on, with its parts (read as the board's basis).

    The board reached it through adoption, so it reads it even when it is no longer the
    newest published version.
    """
    if dpia.sector_dpia_id is None:
        return None
    return (
        Dpia.objects.select_related("organisation", "supplier")
        .prefetch_related(
            Prefetch("risks", queryset=DpiaRisk.objects.order_by("pk")),
            Prefetch("measures", queryset=DpiaMeasure.objects.order_by("pk")),
        )
        .get(pk=dpia.sector_dpia_id)
    )


def plan_measure_choices(user: Any, dpia: Dpia) -> QuerySet[Measure]:
    """Plan measures of the DPIA's own organisation that ``user`` may read (to link one)."""
    return Measure.objects.for_user(user).filter(organisation=dpia.organisation).order_by("title")


def linkable_applications(user: Any, dpia: Dpia) -> QuerySet[Application]:
    return near_organisation(Application.objects.for_user(user), dpia.organisation)


def linkable_processing(user: Any, dpia: Dpia) -> QuerySet[ProcessingActivity]:
    return near_organisation(ProcessingActivity.objects.for_user(user), dpia.organisation)


def near_organisation(queryset: QuerySet[Any], organisation: Organisation) -> QuerySet[Any]:
    """Rows of ``organisation`` and below, and for a school also its board's own rows."""
    if organisation.kind == OrganisationKind.SECTOR:
        return queryset.none()
    near = queryset.filter(organisation__path__startswith=organisation.path)
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent_id:
        near = near | queryset.filter(organisation_id=organisation.parent_id)
    return near.order_by("name", "pk")


def adoption_targets(user: Any, sector_dpia: Dpia) -> QuerySet[Organisation]:
    """Boards and schools under the sector DPIA's sector where ``user`` may write DPIAs."""
    return Organisation.objects.filter(
        pk__in=organisation_ids(user, "change", Dpia.scope_area),
        path__startswith=sector_dpia.organisation.path,
    ).exclude(kind=OrganisationKind.SECTOR)


# Per application: is a DPIA required, done, missing? -----------------------------------------


class DpiaState:
    NO_PRESCAN = "no_prescan"
    NOT_REQUIRED = "not_required"
    MISSING = "missing"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    LABELS: dict[str, Any] = {
        NO_PRESCAN: _("Nog geen pre-scan"),
        NOT_REQUIRED: _("DPIA niet verplicht"),
        MISSING: _("DPIA verplicht, ontbreekt"),
        IN_PROGRESS: _("DPIA verplicht, in behandeling"),
        DONE: _("DPIA afgerond"),
    }


def application_overview(user: Any, organisation: Organisation) -> QuerySet[Any]:
    """Applications with ``latest_prescan`` (id), ``dpia_state`` and ``dpia_state_label``.

    One query for any number of applications: the newest pre-scan and the DPIAs that include
    the application are subqueries.
    """
    latest = PreScan.objects.filter(application=OuterRef("pk")).order_by("-created_at", "-pk")
    linked = Dpia.objects.filter(applications=OuterRef("pk"))
    return (
        Application.objects.for_user(user)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation")
        .annotate(
            latest_prescan=Subquery(latest.values("pk")[:1]),
            latest_required=Subquery(latest.values("required")[:1], output_field=BooleanField()),
            dpia_done=Exists(linked.filter(status=DpiaStatus.DECIDED)),
            dpia_open=Exists(linked.filter(status__in=[DpiaStatus.CONCEPT, DpiaStatus.ADVICE])),
        )
        .annotate(
            dpia_state=Case(
                When(latest_prescan__isnull=True, then=Value(DpiaState.NO_PRESCAN)),
                When(latest_required=False, then=Value(DpiaState.NOT_REQUIRED)),
                When(dpia_done=True, then=Value(DpiaState.DONE)),
                When(dpia_open=True, then=Value(DpiaState.IN_PROGRESS)),
                default=Value(DpiaState.MISSING),
                output_field=CharField(),
            )
        )
        .order_by("name", "pk")
    )


def dpia_coverage(user: Any, organisation: Organisation) -> Coverage:
    """Of the applications with personal data whose newest pre-scan requires a DPIA: how many
    are in a decided DPIA (for the basismaatregelen overview and the dashboard)."""
    rows = application_overview(user, organisation).filter(
        personal_data=True,
        dpia_state__in=[DpiaState.MISSING, DpiaState.IN_PROGRESS, DpiaState.DONE],
    )
    states = list(rows.values_list("dpia_state", flat=True))
    return Coverage(states.count(DpiaState.DONE), len(states))


def prescan_coverage(user: Any, organisation: Organisation) -> Coverage:
    """Of the applications with personal data: how many have had a pre-scan."""
    rows = application_overview(user, organisation).filter(personal_data=True)
    states = list(rows.values_list("dpia_state", flat=True))
    return Coverage(sum(1 for s in states if s != DpiaState.NO_PRESCAN), len(states))
