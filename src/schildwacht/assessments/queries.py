"""Reads of metingen for pages and the API; every score is aggregated in the database.

Scores: per domain and overall the average level (N/A and unscored norms left out), the number
of norms scored, and the share of applicable norms (all but N/A) at or above their target.
A score finds its domain through the norm with the same id in the meting's framework edition.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from schildwacht.assessments.models import Assessment, Evidence, NormScore
from schildwacht.frameworks.models import Domain, Framework, Norm
from schildwacht.organisations.models import Organisation, OrganisationKind


@dataclass(frozen=True)
class Score:
    """Aggregated figures of a set of norm scores."""

    average: float | None
    scored: int
    applicable: int
    at_target: int
    total: int

    @property
    def share_at_target(self) -> float | None:
        """Share (0–1) of applicable norms at or above target; None when all are N/A."""
        return self.at_target / self.applicable if self.applicable else None

    @property
    def percent_at_target(self) -> int | None:
        share = self.share_at_target
        return None if share is None else round(share * 100)


@dataclass(frozen=True)
class DomainScore:
    """The score of one domain, identified across editions by (part, number)."""

    part: str
    number: int
    label: str
    score: Score


@dataclass(frozen=True)
class AssessmentScores:
    overall: Score
    domains: list[DomainScore]


SCORE_AGGREGATES: dict[str, Any] = {
    "average": Avg("level", filter=Q(not_applicable=False), output_field=FloatField()),
    "scored": Count("pk", filter=Q(level__isnull=False)),
    "applicable": Count("pk", filter=Q(not_applicable=False)),
    "at_target": Count("pk", filter=Q(level__isnull=False, level__gte=F("target_level"))),
    "total": Count("pk"),
}


def score_from_row(row: Mapping[str, Any]) -> Score:
    """A ``Score`` from a row aggregated with ``SCORE_AGGREGATES``."""
    average = row["average"]
    return Score(
        average=round(float(average), 2) if average is not None else None,
        scored=row["scored"],
        applicable=row["applicable"],
        at_target=row["at_target"],
        total=row["total"],
    )


def overall_scores(assessment_ids: Collection[int]) -> dict[int, Score]:
    """The overall score of each of many metingen, in one grouped query."""
    if not assessment_ids:
        return {}
    return {
        row["assessment_id"]: score_from_row(row)
        for row in NormScore.objects.filter(assessment_id__in=assessment_ids)
        .values("assessment_id")
        .annotate(**SCORE_AGGREGATES)
        .order_by()
    }


DomainCell = tuple[int, str, int]


def domain_scores(assessment_ids: Collection[int]) -> dict[DomainCell, Score]:
    """Scores per (meting id, domain part, domain number) of many metingen, in one query.

    A score has no foreign key to its norm: it finds it by norm id in the meting's framework
    edition. The ORM can only express that as a correlated subquery per score row, which the
    benchmark measured at 1.8 s for a large board on PostgreSQL; this is the same aggregate as
    ``SCORE_AGGREGATES`` written as a plain join (bench/README.md).
    """
    ids = sorted(set(assessment_ids))
    if not ids:
        return {}
    tables = {
        "score": NormScore._meta.db_table,
        "assessment": Assessment._meta.db_table,
        "norm": Norm._meta.db_table,
        "domain": Domain._meta.db_table,
    }
    placeholders = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT s.assessment_id, d.part, d.number,
               AVG(CASE WHEN s.not_applicable = %s THEN s.level END),
               COUNT(s.level),
               COUNT(CASE WHEN s.not_applicable = %s THEN 1 END),
               COUNT(CASE WHEN s.level >= s.target_level THEN 1 END),
               COUNT(*)
          FROM {tables["score"]} s
          JOIN {tables["assessment"]} a ON a.id = s.assessment_id
          JOIN {tables["norm"]} n ON n.framework_id = a.framework_id AND n.norm_id = s.norm_id
          JOIN {tables["domain"]} d ON d.id = n.domain_id
         WHERE s.assessment_id IN ({placeholders})
         GROUP BY s.assessment_id, d.part, d.number
    """  # noqa: S608 - table names come from the models, every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, False, *ids])
        rows = cursor.fetchall()
    names = ("average", "scored", "applicable", "at_target", "total")
    return {
        (assessment_id, part, number): score_from_row(dict(zip(names, figures, strict=True)))
        for assessment_id, part, number, *figures in rows
    }


def domain_label(domain: Domain) -> str:
    return f"{domain.prefix} {domain.name}".strip() or str(domain)


def assessment_scores(assessment: Assessment) -> AssessmentScores:
    """Overall and per-domain scores of one meting (two aggregate queries plus the domains)."""
    overall = score_from_row(
        NormScore.objects.filter(assessment=assessment).aggregate(**SCORE_AGGREGATES)
    )
    by_domain = domain_scores([assessment.pk])
    empty = Score(None, 0, 0, 0, 0)
    domains = [
        DomainScore(
            d.part,
            d.number,
            domain_label(d),
            by_domain.get((assessment.pk, d.part, d.number), empty),
        )
        for d in Domain.objects.filter(framework_id=assessment.framework_id).order_by(
            "part", "number"
        )
    ]
    return AssessmentScores(overall, domains)


def assessments_for_user(user: Any, organisation: Organisation) -> QuerySet[Assessment]:
    """Metingen the user may read of ``organisation`` and (for a board) of its schools."""
    return (
        Assessment.objects.for_user(user)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "framework")
        .order_by("-created_at", "-pk")
    )


def assessment_for_user(user: Any, pk: int, action: str = "view") -> Assessment:
    """One meting the user may ``action``, or Http404."""
    assessment = (
        Assessment.objects.for_user(user, action)
        .select_related("organisation", "framework", "approved_by", "created_by", "previous")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def score_for_user(user: Any, assessment: Assessment, norm_id: str) -> NormScore:
    """One norm score of a meting the user already reached (``assessment``), or Http404."""
    score = (
        NormScore.objects.for_user(user)
        .filter(assessment=assessment, norm_id=norm_id)
        .prefetch_related("evidence")
        .first()
    )
    if score is None:
        raise Http404
    score.assessment = assessment
    return score


def evidence_for_user(user: Any, pk: int) -> Evidence:
    evidence = (
        Evidence.objects.for_user(user)
        .select_related("score__assessment__organisation")
        .filter(pk=pk)
        .first()
    )
    if evidence is None:
        raise Http404
    return evidence


@dataclass
class NormRow:
    """A norm of the meting's framework with its score, for the detail page."""

    norm: Norm
    score: NormScore | None


@dataclass
class DomainSection:
    domain: Domain
    rows: list[NormRow]
    score: Score | None = None


def assessment_sections(assessment: Assessment) -> list[DomainSection]:
    """The meting's norms grouped by domain, each with its score and evidence (3 queries)."""
    scores = {
        s.norm_id: s
        for s in NormScore.objects.filter(assessment=assessment).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk"))
        )
    }
    for score in scores.values():
        score.assessment = assessment
    domains = Domain.objects.filter(framework_id=assessment.framework_id).prefetch_related(
        Prefetch("norms", queryset=Norm.objects.order_by("norm_id"))
    )
    return [
        DomainSection(d, [NormRow(n, scores.get(n.norm_id)) for n in d.norms.all()])
        for d in domains.order_by("part", "number")
    ]


def newest_framework(user: Any) -> Framework | None:
    """The newest edition of the newest version of the Normenkader (the default for a meting)."""
    return (
        Framework.objects.for_user(user)
        .order_by("-version", "-edition", "-pk")
        .filter(slug="normenkader-ibp-fo")
        .first()
        or Framework.objects.for_user(user).order_by("-created_at", "-pk").first()
    )


# Schools' metingen ---------------------------------------------------------------------------


def latest_school_assessment_ids(board: Organisation) -> list[int]:
    """The latest meting of each school of ``board`` (one query)."""
    latest = Subquery(
        Assessment.objects.filter(organisation=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    return [
        pk
        for pk in Organisation.objects.filter(parent=board, kind=OrganisationKind.SCHOOL)
        .annotate(latest=latest)
        .values_list("latest", flat=True)
        if pk is not None
    ]


@dataclass(frozen=True)
class SchoolNormLevel:
    """Per norm over the schools' latest metingen: lowest and average level, how many scored."""

    norm_id: str
    lowest: int
    average: float
    schools: int


def school_norm_levels(board: Organisation) -> list[SchoolNormLevel]:
    """Lowest and average level per norm across the board's schools' latest metingen."""
    ids = latest_school_assessment_ids(board)
    rows = (
        NormScore.objects.filter(assessment_id__in=ids, level__isnull=False)
        .values("norm_id")
        .annotate(
            lowest=Min("level"),
            average=Avg("level", output_field=FloatField()),
            schools=Count("assessment_id", distinct=True),
        )
        .order_by("norm_id")
    )
    return [
        SchoolNormLevel(r["norm_id"], r["lowest"], round(float(r["average"]), 2), r["schools"])
        for r in rows
    ]


@dataclass(frozen=True)
class SchoolsOverview:
    """A board's schools with their latest meting, and the per-norm table across them."""

    schools: list[tuple[Organisation, Assessment | None]]
    norms: list[tuple[Norm, SchoolNormLevel | None]]


def schools_overview(user: Any, board: Organisation, framework: Framework) -> SchoolsOverview:
    ids = latest_school_assessment_ids(board)
    latest = {
        a.organisation_id: a
        for a in Assessment.objects.for_user(user).filter(pk__in=ids).select_related("framework")
    }
    schools = Organisation.objects.filter(parent=board, kind=OrganisationKind.SCHOOL).order_by(
        "name"
    )
    levels = {row.norm_id: row for row in school_norm_levels(board)}
    return SchoolsOverview(
        schools=[(s, latest.get(s.pk)) for s in schools],
        norms=[(n, levels.get(n.norm_id)) for n in framework.norms.order_by("norm_id")],
    )


# Compare and trend -------------------------------------------------------------------------


def comparable(first: Assessment, second: Assessment) -> bool:
    """Two metingen of the same organisation, or of a board and one of its schools."""
    a, b = first.organisation, second.organisation
    return a.pk == b.pk or a.parent_id == b.pk or b.parent_id == a.pk


@dataclass(frozen=True)
class NormComparison:
    norm_id: str
    title: str
    first: NormScore | None
    second: NormScore | None

    @property
    def difference(self) -> int | None:
        if self.first is None or self.second is None:
            return None
        if self.first.level is None or self.second.level is None:
            return None
        return self.second.level - self.first.level


@dataclass(frozen=True)
class DomainComparison:
    label: str
    first: Score | None
    second: Score | None

    @property
    def difference(self) -> float | None:
        if self.first is None or self.second is None:
            return None
        if self.first.average is None or self.second.average is None:
            return None
        return round(self.second.average - self.first.average, 2)


@dataclass(frozen=True)
class Comparison:
    first: Assessment
    second: Assessment
    first_scores: AssessmentScores
    second_scores: AssessmentScores
    domains: list[DomainComparison]
    norms: list[NormComparison]

    @property
    def overall_difference(self) -> float | None:
        a, b = self.first_scores.overall.average, self.second_scores.overall.average
        return None if a is None or b is None else round(b - a, 2)


def compare_assessments(first: Assessment, second: Assessment) -> Comparison:
    """Per norm (by norm id) and per domain (by part and number) the change from first to second."""
    first_scores, second_scores = assessment_scores(first), assessment_scores(second)
    first_by_domain = {(d.part, d.number): d for d in first_scores.domains}
    domains = [
        DomainComparison(
            d.label,
            first_by_domain[(d.part, d.number)].score
            if (d.part, d.number) in first_by_domain
            else None,
            d.score,
        )
        for d in second_scores.domains
    ]
    scores = NormScore.objects.filter(assessment__in=[first, second])
    by_assessment: dict[int, dict[str, NormScore]] = {first.pk: {}, second.pk: {}}
    for score in scores:
        by_assessment[score.assessment_id][score.norm_id] = score
    titles = dict(
        Norm.objects.filter(framework_id__in={first.framework_id, second.framework_id})
        .order_by("framework__edition")
        .values_list("norm_id", "title")
    )
    norm_ids = sorted(set(by_assessment[first.pk]) | set(by_assessment[second.pk]))
    norms = [
        NormComparison(
            norm_id,
            titles.get(norm_id, ""),
            by_assessment[first.pk].get(norm_id),
            by_assessment[second.pk].get(norm_id),
        )
        for norm_id in norm_ids
    ]
    return Comparison(first, second, first_scores, second_scores, domains, norms)


@dataclass
class TrendRow:
    label: str
    averages: list[float | None] = field(default_factory=list)


@dataclass(frozen=True)
class Trend:
    assessments: list[Assessment]
    overall: list[float | None]
    domains: list[TrendRow]


def trend(user: Any, organisation: Organisation) -> Trend:
    """Per domain the average level of every meting of ``organisation``, oldest first.

    Domains are matched across editions by (part, number); one aggregate query for all metingen.
    """
    assessments = list(
        Assessment.objects.for_user(user)
        .filter(organisation=organisation)
        .select_related("framework")
        .order_by("created_at", "pk")
    )
    ids = [a.pk for a in assessments]
    overall = overall_scores(ids)
    cells = {cell: score.average for cell, score in domain_scores(ids).items()}
    framework_ids = {a.framework_id for a in assessments}
    labels: dict[tuple[str, int], str] = {}
    for domain in Domain.objects.filter(framework_id__in=framework_ids).order_by(
        "part", "number", "-framework__edition"
    ):
        labels.setdefault((domain.part, domain.number), domain_label(domain))
    domains = [
        TrendRow(label, [cells.get((a.pk, part, number)) for a in assessments])
        for (part, number), label in labels.items()
    ]
    return Trend(
        assessments,
        [overall[a.pk].average if a.pk in overall else None for a in assessments],
        domains,
    )
