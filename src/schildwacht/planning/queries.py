"""Reads of the plan for pages, the API, the dashboard and the reminder job.

Progress and projection: the history of metingen is the overall average level (N/A and unscored
norms left out, as in the meting scores) of each meting of the organisation itself, dated by the
day the meting was made. The projection fits a line through the approved metingen, or through
all metingen while fewer than two are approved (a fresh draft is a copy of the previous meting
and would otherwise flatten the line). The plan is on track when the projected date for level 3
is on or before ``settings.TARGET_DATE`` and at most ``OVERDUE_TOLERANCE`` of the measures (not
counting cancelled ones) is overdue; otherwise it is at risk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Avg, Count, FloatField, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schildwacht.assessments.models import Assessment, AssessmentStatus, NormScore
from schildwacht.assessments.queries import assessment_scores
from schildwacht.frameworks.models import Basismaatregel
from schildwacht.lib.coverage import Coverage
from schildwacht.lib.projection import Projection, project
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.planning.indicators import indicator_figure, indicator_label
from schildwacht.planning.models import (
    ACTIVE_STATUSES,
    Measure,
    MeasureBasismaatregel,
    MeasureNorm,
    MeasureStatus,
)

# Norm ids of measures are checked against this framework (every edition and version).
PLAN_FRAMEWORK = "normenkader-ibp-fo"
# The level the sector aims for (Normenkader: 3, "Bepaald").
TARGET_LEVEL = 3.0
# The share of overdue measures a plan may have and still be on track.
OVERDUE_TOLERANCE = 0.2
# An owner hears about overdue measures at most once in this many days.
REMIND_EVERY_DAYS = 7
# The board view shows at most this many cards per column (the list shows all, paginated).
BOARD_COLUMN_LIMIT = 100


def today() -> dt.date:
    return timezone.localdate()


# Lists --------------------------------------------------------------------------------------


def measures_for_user(
    user: Any, organisation: Organisation, action: str = "view"
) -> QuerySet[Measure]:
    """Measures the user may ``action`` of ``organisation`` and (for a board) of its schools."""
    return (
        Measure.objects.for_user(user, action)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "owner")
        .prefetch_related(
            Prefetch("norm_links", queryset=MeasureNorm.objects.order_by("norm_id")),
            Prefetch(
                "basismaatregel_links", queryset=MeasureBasismaatregel.objects.order_by("number")
            ),
        )
        .order_by("due_date", "pk")
    )


def measure_for_user(user: Any, pk: int, action: str = "view") -> Measure:
    """One measure the user may ``action``, or Http404."""
    measure = (
        Measure.objects.for_user(user, action)
        .select_related("organisation", "owner", "created_by", "updated_by")
        .prefetch_related("norm_links", "basismaatregel_links")
        .filter(pk=pk)
        .first()
    )
    if measure is None:
        raise Http404
    return measure


@dataclass(frozen=True)
class MeasureFilter:
    """The filters of the list, the export and the API; None or False means "any"."""

    status: str | None = None
    owner: int | None = None
    norm_id: str | None = None
    basismaatregel: int | None = None
    phase: int | None = None
    overdue: bool = False


def overdue_q(day: dt.date) -> Q:
    return Q(status__in=ACTIVE_STATUSES, due_date__lt=day)


def filter_measures(
    measures: QuerySet[Measure], selection: MeasureFilter, day: dt.date | None = None
) -> QuerySet[Measure]:
    if selection.status:
        measures = measures.filter(status=selection.status)
    if selection.owner is not None:
        measures = measures.filter(owner_id=selection.owner)
    if selection.norm_id:
        measures = measures.filter(norm_links__norm_id=selection.norm_id)
    if selection.basismaatregel is not None:
        measures = measures.filter(basismaatregel_links__number=selection.basismaatregel)
    if selection.phase is not None:
        measures = measures.filter(groeipad_code__startswith=f"{selection.phase}.")
    if selection.overdue:
        measures = measures.filter(overdue_q(day or today()))
    return measures


def is_overdue(measure: Measure, day: dt.date | None = None) -> bool:
    return (
        measure.is_active and measure.due_date is not None and measure.due_date < (day or today())
    )


@dataclass
class Column:
    """One column of the board: a status, its cards (at most the limit) and how many there are."""

    status: str
    label: Any
    measures: list[Measure]
    count: int


def board_columns(user: Any, organisation: Organisation) -> list[Column]:
    """The board: one column per status, each ordered by deadline (a fixed number of queries)."""
    measures = measures_for_user(user, organisation)
    counts = dict(
        Measure.objects.filter(pk__in=measures.values("pk"))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    columns = []
    for status in MeasureStatus:
        cards = (
            list(measures.filter(status=status)[:BOARD_COLUMN_LIMIT]) if counts.get(status) else []
        )
        columns.append(Column(status.value, status.label, cards, counts.get(status, 0)))
    return columns


# Progress and projection ----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPoint:
    """The overall average level of one meting of the organisation, on the day it was made."""

    assessment_id: int
    title: str
    status: str
    day: dt.date
    average: float | None

    @property
    def approved(self) -> bool:
        return self.status == AssessmentStatus.APPROVED


def meting_history(organisation: Organisation) -> list[HistoryPoint]:
    """Every meting of ``organisation`` itself with its overall average level (one query)."""
    rows = (
        Assessment.objects.filter(organisation=organisation)
        .annotate(
            average=Avg(
                "scores__level", filter=Q(scores__not_applicable=False), output_field=FloatField()
            )
        )
        .order_by("created_at", "pk")
        .values("pk", "title", "status", "created_at", "average")
    )
    return [
        HistoryPoint(
            row["pk"],
            row["title"],
            row["status"],
            timezone.localdate(row["created_at"]),
            round(float(row["average"]), 2) if row["average"] is not None else None,
        )
        for row in rows
    ]


def projection_points(history: list[HistoryPoint]) -> list[tuple[dt.date, float]]:
    """The approved metingen when there are two or more, else every meting with an average."""
    scored = [p for p in history if p.average is not None]
    approved = [p for p in scored if p.approved]
    chosen = approved if len(approved) >= 2 else scored
    return [(p.day, p.average) for p in chosen if p.average is not None]


def latest_meting(organisation: Organisation) -> Assessment | None:
    """The latest approved meting of ``organisation``, else its latest meting."""
    metingen = Assessment.objects.filter(organisation=organisation).select_related("framework")
    return (
        metingen.filter(status=AssessmentStatus.APPROVED).order_by("-created_at", "-pk").first()
        or metingen.order_by("-created_at", "-pk").first()
    )


@dataclass(frozen=True)
class PlanCounts:
    open: int
    in_progress: int
    done: int
    cancelled: int
    overdue: int

    @property
    def planned(self) -> int:
        """Measures that count for the plan: all but the cancelled ones."""
        return self.open + self.in_progress + self.done

    @property
    def overdue_share(self) -> float:
        return self.overdue / self.planned if self.planned else 0.0

    @property
    def overdue_percent(self) -> int:
        return round(self.overdue_share * 100)


def plan_counts(measures: QuerySet[Measure], day: dt.date) -> PlanCounts:
    """Counts by status and overdue, in one aggregate query."""
    row = measures.order_by().aggregate(
        open=Count("pk", filter=Q(status=MeasureStatus.OPEN)),
        in_progress=Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=MeasureStatus.DONE)),
        cancelled=Count("pk", filter=Q(status=MeasureStatus.CANCELLED)),
        overdue=Count("pk", filter=overdue_q(day)),
    )
    return PlanCounts(**row)


class Signal:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"


@dataclass(frozen=True)
class PlanSummary:
    """What the dashboard shows of a plan: counts, projection and the signal with its reasons."""

    counts: PlanCounts
    projection: Projection
    target_date: dt.date
    signal: str
    reasons: list[Any] = field(default_factory=list)

    @property
    def on_track(self) -> bool:
        return self.signal == Signal.ON_TRACK


def _signal(
    counts: PlanCounts, projection: Projection, target_date: dt.date
) -> tuple[str, list[Any]]:
    reasons: list[Any] = []
    if not projection.predictable:
        reasons.append(_("Uit de metingen is niet te voorspellen wanneer niveau 3 bereikt wordt."))
    elif projection.reached_on is not None and projection.reached_on > target_date:
        reasons.append(_("In dit tempo wordt niveau 3 pas na de streefdatum bereikt."))
    if counts.overdue_share > OVERDUE_TOLERANCE:
        reasons.append(
            _("Meer dan %(percent)s%% van de maatregelen is over de deadline.")
            % {"percent": round(OVERDUE_TOLERANCE * 100)}
        )
    return (Signal.AT_RISK if reasons else Signal.ON_TRACK), reasons


def plan_summary(
    organisation: Organisation, user: Any = None, day: dt.date | None = None
) -> PlanSummary:
    """Counts (of the organisation and, for a board, its schools), projection and signal.

    With ``user`` the counts take only the measures that user may read (a school leader does not
    count a sibling school's measures); the caller has already checked the organisation itself.
    """
    day = day or today()
    measures = Measure.objects.filter(organisation__path__startswith=organisation.path)
    if user is not None:
        measures = measures.filter(pk__in=Measure.objects.for_user(user).values("pk"))
    counts = plan_counts(measures, day)
    projection = project(projection_points(meting_history(organisation)), TARGET_LEVEL)
    target_date: dt.date = settings.TARGET_DATE
    signal, reasons = _signal(counts, projection, target_date)
    return PlanSummary(counts, projection, target_date, signal, reasons)


@dataclass(frozen=True)
class Progress:
    """The voortgang page: where the organisation stands and where it is heading."""

    organisation: Organisation
    current: Assessment | None
    current_average: float | None
    history: list[HistoryPoint]
    summary: PlanSummary
    closed: list[Measure]
    closed_per_month: list[tuple[dt.date, int]]


def progress(user: Any, organisation: Organisation, day: dt.date | None = None) -> Progress:
    """Current level, history of metingen, closed measures, projection and signal."""
    current = latest_meting(organisation)
    average = assessment_scores(current).overall.average if current is not None else None
    summary = plan_summary(organisation, user, day)
    done = measures_for_user(user, organisation).filter(status=MeasureStatus.DONE)
    per_month: dict[dt.date, int] = defaultdict(int)
    for done_at in done.values_list("done_at", flat=True):
        if done_at is not None:
            local = timezone.localdate(done_at)
            per_month[local.replace(day=1)] += 1
    closed = list(done.order_by("-done_at", "-pk")[:10])
    return Progress(
        organisation,
        current,
        average,
        meting_history(organisation),
        summary,
        closed,
        sorted(per_month.items()),
    )


# Basismaatregelen ------------------------------------------------------------------------------

MODULE_LABELS: dict[str, Promise] = {
    "registers": _("Applicaties en verwerkingen"),
    "suppliers": _("Leveranciers en verwerkersovereenkomsten"),
    "risks": _("Risicomanagement"),
    "access": _("Toegang"),
    "evidence": _("Technisch bewijs"),
    "surface": _("Aanvalsoppervlak"),
    "detection": _("Logs en dreigingsdetectie"),
}


class BasisStatus:
    NOT_STARTED = "niet_gestart"
    BUSY = "bezig"
    IN_ORDER = "op_orde"

    LABELS: dict[str, Promise] = {
        NOT_STARTED: _("Niet gestart"),
        BUSY: _("Bezig"),
        IN_ORDER: _("Op orde"),
    }


@dataclass
class BasismaatregelRow:
    """One basismaatregel for one organisation: its measures, its norms' levels and a status."""

    basismaatregel: Basismaatregel
    counts: dict[str, int]
    average: float | None
    lowest: int | None
    scored: int
    applicable: int
    at_target: int
    status: str
    module: str
    module_label: Any
    module_built: bool
    coverage: Coverage | None = None
    coverage_label: Any = None

    @property
    def status_label(self) -> Any:
        return BasisStatus.LABELS[self.status]

    @property
    def measure_total(self) -> int:
        return sum(self.counts.values())


def basis_status(counts: dict[str, int], levels: list[tuple[int, int]], applicable: int) -> str:
    """The status of a basismaatregel from its linked measures and its norms' levels.

    ``levels``: (level, target) of each scored, applicable linked norm; ``applicable``: how many
    linked norms are not N/A in the meting. The rule:

    * op orde: at least one applicable norm, every applicable norm scored at or above its
      target, and no linked measure open or in progress;
    * niet gestart: no linked measure in progress or done, and no norm above level 1;
    * bezig: everything in between.
    """
    active = counts.get(MeasureStatus.OPEN, 0) + counts.get(MeasureStatus.IN_PROGRESS, 0)
    if (
        applicable
        and len(levels) == applicable
        and all(level >= target for level, target in levels)
        and not active
    ):
        return BasisStatus.IN_ORDER
    started = counts.get(MeasureStatus.IN_PROGRESS, 0) + counts.get(MeasureStatus.DONE, 0)
    if not started and all(level <= 1 for level, _target in levels):
        return BasisStatus.NOT_STARTED
    return BasisStatus.BUSY


def basismaatregelen_overview(
    user: Any, organisation: Organisation
) -> tuple[Assessment | None, list[BasismaatregelRow]]:
    """The eleven basismaatregelen for ``organisation`` (a fixed number of queries)."""
    basis = list(Basismaatregel.objects.for_user(user).order_by("number"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for number, status, n in (
        MeasureBasismaatregel.objects.filter(
            measure__in=Measure.objects.for_user(user).filter(
                organisation__path__startswith=organisation.path
            )
        )
        .values_list("number", "measure__status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[number][status] = n
    meting = latest_meting(organisation)
    scores: dict[str, tuple[int | None, bool, int]] = {}
    if meting is not None:
        norm_ids = {norm_id for b in basis for norm_id in b.norm_ids}
        scores = {
            norm_id: (level, not_applicable, target)
            for norm_id, level, not_applicable, target in NormScore.objects.filter(
                assessment=meting, norm_id__in=norm_ids
            ).values_list("norm_id", "level", "not_applicable", "target_level")
        }
    rows = []
    for item in basis:
        linked = [scores[n] for n in item.norm_ids if n in scores]
        applicable = [s for s in linked if not s[1]]
        levels = [(s[0], s[2]) for s in applicable if s[0] is not None]
        module = item.indicator.partition(".")[0]
        rows.append(
            BasismaatregelRow(
                basismaatregel=item,
                counts=counts.get(item.number, {}),
                average=round(sum(lv for lv, _t in levels) / len(levels), 2) if levels else None,
                lowest=min(lv for lv, _t in levels) if levels else None,
                scored=len(levels),
                applicable=len(applicable),
                at_target=sum(1 for lv, t in levels if lv >= t),
                status=basis_status(counts.get(item.number, {}), levels, len(applicable)),
                module=module,
                module_label=MODULE_LABELS.get(module, module),
                module_built=apps.is_installed(f"schildwacht.{module}"),
                coverage=indicator_figure(item.indicator, user, organisation),
                coverage_label=indicator_label(item.indicator),
            )
        )
    return meting, rows


# Reminders -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderDigest:
    """One e-mail: a user and their overdue measures."""

    user: Any
    measures: list[Measure]
    today: dt.date


def reminder_digests(now: dt.datetime) -> list[ReminderDigest]:
    """Who gets an overdue reminder now, and for which measures.

    Every active user who owns an open or in-progress measure past its deadline, of an
    organisation they may still read, gets one digest of all such measures, unless one of those
    measures was reminded of less than ``REMIND_EVERY_DAYS`` calendar days ago. Measures owned
    only by a free-text name get no e-mail.
    """
    day = timezone.localdate(now)
    last_allowed = day - dt.timedelta(days=REMIND_EVERY_DAYS)
    measures = (
        Measure.objects.filter(overdue_q(day), owner__isnull=False, owner__is_active=True)
        .select_related("owner", "organisation")
        .order_by("owner_id", "due_date", "pk")
    )
    by_owner: dict[int, list[Measure]] = defaultdict(list)
    owners: dict[int, Any] = {}
    for measure in measures:
        assert measure.owner_id is not None
        owner = owners.setdefault(measure.owner_id, measure.owner)
        # The same user object for all their measures, so their reach is worked out once.
        measure.owner = owner
        if measure.organisation_id in organisation_ids(owner, "view", Measure.scope_area):
            by_owner[measure.owner_id].append(measure)
    digests = []
    for owner_id, owned in by_owner.items():
        recently = any(
            m.last_reminded_at is not None and timezone.localdate(m.last_reminded_at) > last_allowed
            for m in owned
        )
        if not recently:
            digests.append(ReminderDigest(owners[owner_id], owned, day))
    return digests
