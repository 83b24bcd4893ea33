"""Reads behind "Waar staan we?", the board report and the meting export.

Every figure is aggregated in the database, and the number of queries is fixed: it does not
grow with the number of metingen, schools or domains. The meting shown for an organisation is
its latest approved one, else its latest one; the change is measured against the meting it was
copied from (``previous``), else the latest earlier approved one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schildwacht.assessments.models import Assessment, AssessmentStatus, NormScore
from schildwacht.assessments.queries import Score, domain_label, domain_scores, overall_scores
from schildwacht.frameworks.models import Basismaatregel, Domain, Norm
from schildwacht.incidents.queries import IncidentSummary, incident_summary
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.people.queries import AwarenessSummary, awareness_summary
from schildwacht.planning.queries import PlanSummary, plan_summary
from schildwacht.risks.queries import RiskSummary, risk_summary

TREND_LENGTH = 8

DomainKey = tuple[str, int]


def target_date() -> date:
    """The deadline boards work towards (a setting; PRODUCT.md: never a constant)."""
    deadline: date = settings.TARGET_DATE
    return deadline


@dataclass(frozen=True)
class DomainRow:
    """One domain of a dashboard: the score now and in the meting before."""

    key: DomainKey
    label: str
    score: Score
    previous: Score | None

    @property
    def change(self) -> float | None:
        if self.previous is None or self.previous.average is None or self.score.average is None:
            return None
        return round(self.score.average - self.previous.average, 2)


@dataclass
class OrganisationStatus:
    """Where one organisation stands: its meting, the one before, and the scores of both."""

    organisation: Organisation
    assessment: Assessment | None = None
    previous: Assessment | None = None
    newer: Assessment | None = None
    overall: Score | None = None
    previous_overall: Score | None = None
    domains: list[DomainRow] = field(default_factory=list)
    status_label: str = ""

    @property
    def change(self) -> float | None:
        if self.overall is None or self.previous_overall is None:
            return None
        if self.overall.average is None or self.previous_overall.average is None:
            return None
        return round(self.overall.average - self.previous_overall.average, 2)

    @property
    def measured_domains(self) -> list[DomainRow]:
        """Domains with norms in the catalogue (the chart leaves empty domains out)."""
        return [row for row in self.domains if row.score.total]

    @property
    def chart_items(self) -> list[tuple[str, float | None]]:
        return [(row.label, row.score.average) for row in self.measured_domains]

    @property
    def domains_below_target(self) -> int:
        target = self.assessment.framework.target_level if self.assessment else 3
        return sum(
            1
            for row in self.measured_domains
            if row.score.average is not None and row.score.average < target
        )


class MeasureState:
    """The derived status of a basismaatregel: from the levels of its linked norms."""

    UNKNOWN = "unknown"
    BELOW = "below"
    AT_TARGET = "at_target"


STATE_LABELS = {
    MeasureState.UNKNOWN: _("Nog niet (volledig) gemeten"),
    MeasureState.BELOW: _("Onder streefniveau"),
    MeasureState.AT_TARGET: _("Op streefniveau"),
}


@dataclass(frozen=True)
class LinkedNorm:
    norm_id: str
    title: str
    level: int | None
    target_level: int
    not_applicable: bool

    @property
    def at_target(self) -> bool:
        return self.level is not None and self.level >= self.target_level


@dataclass(frozen=True)
class MeasureStatus:
    measure: Basismaatregel
    norms: list[LinkedNorm]

    @property
    def state(self) -> str:
        applicable = [n for n in self.norms if not n.not_applicable]
        if any(n.level is not None and not n.at_target for n in applicable):
            return MeasureState.BELOW
        if applicable and all(n.at_target for n in applicable):
            return MeasureState.AT_TARGET
        return MeasureState.UNKNOWN

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def lowest(self) -> int | None:
        levels = [n.level for n in self.norms if n.level is not None]
        return min(levels) if levels else None


@dataclass(frozen=True)
class TrendPoint:
    assessment: Assessment
    average: float | None

    @property
    def label(self) -> str:
        return self.assessment.created_at.astimezone(timezone.get_current_timezone()).strftime(
            "%m-%Y"
        )


@dataclass
class Dashboard:
    """Everything "Waar staan we?" shows for one organisation (and, for a board, its schools)."""

    organisation: Organisation
    status: OrganisationStatus
    schools: list[OrganisationStatus]
    basismaatregelen: list[MeasureStatus]
    trend: list[TrendPoint]
    target_date: date
    today: date
    plan: PlanSummary
    risks: RiskSummary | None = None
    incidents: IncidentSummary | None = None
    awareness: AwarenessSummary | None = None

    @property
    def has_data(self) -> bool:
        return self.status.assessment is not None

    @property
    def target_level(self) -> int:
        return self.status.assessment.framework.target_level if self.status.assessment else 3

    @property
    def days_left(self) -> int:
        return (self.target_date - self.today).days

    @property
    def trend_items(self) -> list[tuple[str, float | None]]:
        return [(point.label, point.average) for point in self.trend]

    def measures_in(self, state: str) -> int:
        return sum(1 for m in self.basismaatregelen if m.state == state)

    @property
    def measures_at_target(self) -> int:
        return self.measures_in(MeasureState.AT_TARGET)

    @property
    def measures_below(self) -> int:
        return self.measures_in(MeasureState.BELOW)


# Building blocks -----------------------------------------------------------------------------


def dashboard_organisation(user: Any, org_id: int) -> Organisation:
    """A board or school whose metingen ``user`` reads, or Http404 (sector nodes too)."""
    if org_id not in organisation_ids(user, "view", Assessment.scope_area):
        raise Http404
    organisation = Organisation.objects.filter(pk=org_id).first()
    if organisation is None or organisation.kind == OrganisationKind.SECTOR:
        raise Http404
    return organisation


def _with_chosen(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    # ``organisations`` holds only organisations whose metingen ``user`` reads, and
    # ``_statuses`` loads the chosen ones through ``for_user`` again; scoping inside this
    # per-organisation subquery repeated the list of readable ids for every school.
    base = Assessment.objects.filter(organisation=OuterRef("pk"))
    newest_first = ("-created_at", "-pk")
    return organisations.annotate(
        approved_id=Subquery(
            base.filter(status=AssessmentStatus.APPROVED).order_by(*newest_first).values("pk")[:1]
        ),
        newest_id=Subquery(base.order_by(*newest_first).values("pk")[:1]),
    )


# What the dashboard and the report show of a meting; a board with 188 schools loads several
# hundred metingen, so the columns nobody shows stay in the database (bench/README.md).
SHOWN_FIELDS = ("organisation", "framework", "title", "status", "created_at", "approved_at")
SHOWN_FRAMEWORK_FIELDS = ("name", "target_level", "version", "edition")


def _statuses(
    user: Any, organisations: list[Organisation], detailed: int
) -> list[OrganisationStatus]:
    """Statuses of organisations annotated by ``_with_chosen``, in six queries in all.

    Only organisation ``detailed`` gets its per-domain rows: the school rows of a dashboard
    show overall figures, and per-domain work for every school made a board with 188 schools
    miss its target (bench/README.md).
    """
    statuses = [OrganisationStatus(o) for o in organisations]
    current_ids = {
        o.pk: (o.approved_id or o.newest_id)  # type: ignore[attr-defined]
        for o in organisations
    }
    newest_ids = {o.pk: o.newest_id for o in organisations}  # type: ignore[attr-defined]
    wanted = {pk for pk in [*current_ids.values(), *newest_ids.values()] if pk}
    if not wanted:
        return statuses
    earlier_approved = Assessment.objects.filter(
        organisation=OuterRef("organisation"),
        status=AssessmentStatus.APPROVED,
        created_at__lt=OuterRef("created_at"),
    ).order_by("-created_at", "-pk")
    chosen = {
        a.pk: a
        for a in Assessment.objects.for_user(user)
        .filter(pk__in=wanted)
        .select_related("framework")
        .only(*SHOWN_FIELDS, *(f"framework__{name}" for name in SHOWN_FRAMEWORK_FIELDS))
        .annotate(prior_id=Coalesce(F("previous_id"), Subquery(earlier_approved.values("pk")[:1])))
    }
    prior_ids = {a.prior_id for a in chosen.values() if a.prior_id}
    priors = {
        a.pk: a
        for a in Assessment.objects.for_user(user).filter(pk__in=prior_ids).only(*SHOWN_FIELDS)
    }
    # Translated once: a label per school row made the lazy choices the page's largest cost.
    status_labels = {value: str(label) for value, label in AssessmentStatus.choices}
    overall = overall_scores({pk for pk in current_ids.values() if pk} | set(priors))
    for status in statuses:
        current = chosen.get(current_ids[status.organisation.pk] or 0)
        if current is None:
            continue
        status.assessment = current
        status.status_label = status_labels[current.status]
        newest = chosen.get(newest_ids[status.organisation.pk] or 0)
        status.newer = newest if newest is not None and newest.pk != current.pk else None
        status.previous = priors.get(current.prior_id)
        status.overall = overall.get(current.pk, Score(None, 0, 0, 0, 0))
        status.previous_overall = overall.get(status.previous.pk) if status.previous else None
        if status.organisation.pk == detailed:
            status.domains = _domain_rows(current, status.previous)
    return statuses


def _domain_rows(current: Assessment, previous: Assessment | None) -> list[DomainRow]:
    """Per domain of ``current``'s edition its score and the one in ``previous`` (two queries)."""
    cells = domain_scores([current.pk] + ([previous.pk] if previous else []))
    empty = Score(None, 0, 0, 0, 0)
    return [
        DomainRow(
            (domain.part, domain.number),
            domain_label(domain),
            cells.get((current.pk, domain.part, domain.number), empty),
            cells.get((previous.pk, domain.part, domain.number)) if previous else None,
        )
        for domain in Domain.objects.filter(framework_id=current.framework_id).order_by(
            "part", "number"
        )
    ]


def _basismaatregelen(assessment: Assessment | None) -> list[MeasureStatus]:
    """The eleven measures with the levels of their norms in ``assessment`` (three queries)."""
    measures = list(Basismaatregel.objects.order_by("number"))
    if assessment is None:
        return [MeasureStatus(m, []) for m in measures]
    wanted = {norm_id for m in measures for norm_id in m.norm_ids}
    scores = {
        s.norm_id: s
        for s in NormScore.objects.filter(assessment=assessment, norm_id__in=wanted).only(
            "norm_id", "level", "target_level", "not_applicable"
        )
    }
    titles = dict(
        Norm.objects.filter(framework_id=assessment.framework_id, norm_id__in=wanted).values_list(
            "norm_id", "title"
        )
    )
    target = assessment.framework.target_level
    result = []
    for measure in measures:
        linked = []
        for norm_id in measure.norm_ids:
            score = scores.get(norm_id)
            linked.append(
                LinkedNorm(
                    norm_id,
                    titles.get(norm_id, ""),
                    score.level if score else None,
                    score.target_level if score else target,
                    score.not_applicable if score else False,
                )
            )
        result.append(MeasureStatus(measure, linked))
    return result


def _trend(user: Any, organisation: Organisation) -> list[TrendPoint]:
    """The overall average of the organisation's latest metingen, oldest first (two queries)."""
    latest = list(
        Assessment.objects.for_user(user)
        .filter(organisation=organisation)
        .order_by("-created_at", "-pk")[:TREND_LENGTH]
    )
    latest.reverse()
    overall = overall_scores([a.pk for a in latest])
    return [TrendPoint(a, overall[a.pk].average if a.pk in overall else None) for a in latest]


def dashboard(user: Any, organisation: Organisation, *, modules: bool = True) -> Dashboard:
    """ "Waar staan we?" for ``organisation``; for a board also one row per school the user reads.

    A school leader sees the board and their own school, never the sibling schools. With
    ``modules`` the summaries of the other modules (risks, incidents, awareness) come along;
    the board report and the start page leave them out.
    """
    readable = organisation_ids(user, "view", Assessment.scope_area)
    if organisation.pk not in readable:
        raise Http404
    rows = _with_chosen(
        Organisation.objects.filter(
            Q(pk=organisation.pk)
            | Q(parent=organisation, kind=OrganisationKind.SCHOOL, pk__in=readable)
        ).order_by("path")
    )
    statuses = _statuses(user, list(rows), detailed=organisation.pk)
    main = next(s for s in statuses if s.organisation.pk == organisation.pk)
    schools = sorted(
        (s for s in statuses if s.organisation.pk != organisation.pk),
        key=lambda s: s.organisation.name,
    )
    return Dashboard(
        organisation=main.organisation,
        status=main,
        schools=schools,
        basismaatregelen=_basismaatregelen(main.assessment),
        trend=_trend(user, organisation),
        target_date=target_date(),
        today=timezone.localdate(),
        plan=plan_summary(organisation, user),
        # Each module's part of the page answers for what the reader may see of it.
        risks=risk_summary(user, organisation) if modules and _reads(user, organisation) else None,
        incidents=(
            incident_summary(user, organisation) if modules and _reads(user, organisation) else None
        ),
        awareness=(
            awareness_summary(user, organisation)
            if modules and _reads(user, organisation)
            else None
        ),
    )


def _reads(user: Any, organisation: Organisation) -> bool:
    """Whether ``user`` reads the board-wide items (risks, exercises) of ``organisation``."""
    return organisation.pk in organisation_ids(user, "view")


# Export of one meting ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    norm_id: str
    title: str
    domain: str
    score: NormScore


def export_rows(assessment: Assessment) -> list[ExportRow]:
    """Every norm score of the meting with its title and domain (two queries)."""
    norms = {
        n.norm_id: n
        for n in Norm.objects.filter(framework_id=assessment.framework_id).select_related("domain")
    }
    rows = []
    for score in NormScore.objects.filter(assessment=assessment).order_by("norm_id"):
        norm = norms.get(score.norm_id)
        rows.append(
            ExportRow(
                score.norm_id,
                norm.title if norm else "",
                domain_label(norm.domain) if norm else "",
                score,
            )
        )
    return rows
