"""Reads of the risk register for pages, the API, exports, the dashboard and basismaatregel 3.

Rules written once here:

* **Herbeoordeling nodig** (needs review) on a day: a risk that is not "vervallen" whose
  acceptance expired before that day, or whose review date lies before that day.
* **Valid acceptance**: accepted, and the acceptance expiry date is that day or later.
* **Current score**: the residual score once assessed, else the inherent score; the list's
  band filter uses it.
* **Exposure total**: the sum of the minimum and the sum of the maximum yearly exposure of the
  risks that are not "vervallen"; risks without an estimate add nothing (their number is given).
  A risk with only one end of its range counts that amount at both ends, so the total's
  minimum never exceeds its maximum.
* **Basismaatregel 3** (``risk_register_figure``): of the risks that are not "vervallen", those
  with an owner and a chosen treatment that are not waiting for review because of an expired
  acceptance, and, when the treatment is "accepteren", that a board member accepted and whose
  acceptance is still valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.planning.models import Measure
from schildwacht.registers.models import Application
from schildwacht.risks.models import SCOPE_AREA, Risk, RiskStatus, RiskTemplate, Treatment
from schildwacht.risks.reference import SCALE, default_matrix

# The longest an acceptance may run; a board looks at an accepted risk again within this time.
MAX_ACCEPTANCE_DAYS = 3 * 366


def today() -> dt.date:
    return timezone.localdate()


# Rules ---------------------------------------------------------------------------------------


def needs_review_q(day: dt.date) -> Q:
    """Risks that ask for review on ``day`` (see the module docstring)."""
    return ~Q(status=RiskStatus.CLOSED) & (
        Q(acceptance_expires_on__lt=day) | Q(review_date__lt=day)
    )


def valid_acceptance_q(day: dt.date) -> Q:
    return Q(accepted_at__isnull=False, acceptance_expires_on__gte=day)


def needs_review(risk: Risk, day: dt.date | None = None) -> bool:
    day = day or today()
    if risk.status == RiskStatus.CLOSED:
        return False
    expired = risk.acceptance_expires_on is not None and risk.acceptance_expires_on < day
    return expired or (risk.review_date is not None and risk.review_date < day)


def acceptance_valid(risk: Risk, day: dt.date | None = None) -> bool:
    day = day or today()
    return risk.accepted_at is not None and (
        risk.acceptance_expires_on is not None and risk.acceptance_expires_on >= day
    )


def _score(likelihood: str, impact: str) -> Any:
    return F(likelihood) * F(impact)


def with_scores(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """Annotate ``inherent`` / ``residual`` / ``current`` scores computed in the database."""
    return risks.annotate(
        inherent=_score("inherent_likelihood", "inherent_impact"),
        residual=_score("residual_likelihood", "residual_impact"),
        current=Coalesce(
            _score("residual_likelihood", "residual_impact"),
            _score("inherent_likelihood", "inherent_impact"),
            output_field=IntegerField(),
        ),
    )


# Lists and single risks ----------------------------------------------------------------------


def risks_for_user(user: Any, organisation: Organisation, action: str = "view") -> QuerySet[Risk]:
    """Risks the user may ``action`` of ``organisation`` and, for a board, its schools."""
    return with_scores(
        Risk.objects.for_user(user, action)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "owner")
        .order_by("title", "pk")
    )


def with_links(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """The linked applications and plan measures, two queries for a whole page."""
    applications = Prefetch("applications", queryset=Application.objects.order_by("name", "pk"))
    measures = Prefetch("measures", queryset=Measure.objects.order_by("title", "pk"))
    return risks.prefetch_related(applications).prefetch_related(measures)


@dataclass(frozen=True)
class RiskFilter:
    """Filters of the register, its export and the API; empty means "any".

    ``status`` also takes ``herbeoordeling`` (needs review); ``band`` is the band of the
    current score; ``organisation`` narrows a board's list to one school (or the board itself).
    """

    treatment: str = ""
    band: str = ""
    status: str = ""
    organisation: int | None = None


REVIEW_STATUS = "herbeoordeling"
NO_TREATMENT = "geen"


def status_values() -> list[str]:
    return [*RiskStatus.values, REVIEW_STATUS]


def treatment_values() -> list[str]:
    return [*Treatment.values, NO_TREATMENT]


def filter_risks(
    risks: QuerySet[Risk], selection: RiskFilter, day: dt.date | None = None
) -> QuerySet[Risk]:
    day = day or today()
    if selection.treatment == NO_TREATMENT:
        risks = risks.filter(treatment="")
    elif selection.treatment:
        risks = risks.filter(treatment=selection.treatment)
    if selection.band:
        low, high = default_matrix().band_range(selection.band)
        # ``current`` is an annotation of ``with_scores`` (hence the keyword dict).
        risks = risks.filter(**{"current__gte": low, "current__lte": high})
    if selection.status == REVIEW_STATUS:
        risks = risks.filter(needs_review_q(day))
    elif selection.status:
        risks = risks.filter(status=selection.status)
    if selection.organisation is not None:
        risks = risks.filter(organisation_id=selection.organisation)
    return risks


def risk_for_user(user: Any, pk: int, action: str = "view") -> Risk:
    """One risk the user may ``action``, with its links, or Http404."""
    risk = (
        with_links(with_scores(Risk.objects.for_user(user, action)))
        .select_related("organisation__parent", "owner", "template", "accepted_by", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if risk is None:
        raise Http404
    return risk


def viewable_organisation(user: Any, organisation: Organisation | None) -> Organisation:
    """``organisation`` if the user reads its risks, else Http404."""
    if organisation is None or organisation.pk not in organisation_ids(user, "view", SCOPE_AREA):
        raise Http404
    return organisation


def changeable_organisations(user: Any, organisation: Organisation) -> list[Organisation]:
    """Organisations in ``organisation``'s subtree where the user may add risks."""
    return list(
        Organisation.objects.filter(
            pk__in=organisation_ids(user, "change", SCOPE_AREA),
            path__startswith=organisation.path,
        )
        .exclude(kind=OrganisationKind.SECTOR)
        .order_by("path")
    )


def subtree_choices(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations of the list's "school" filter: the subtree the user reads."""
    return Organisation.objects.filter(
        pk__in=organisation_ids(user, "view", SCOPE_AREA), path__startswith=organisation.path
    ).order_by("path")


def near(queryset: QuerySet[Any], organisation: Organisation) -> QuerySet[Any]:
    """Rows of ``organisation`` and below and, for a school, its board's own rows."""
    rows = Q(organisation__path__startswith=organisation.path)
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent_id:
        rows |= Q(organisation_id=organisation.parent_id)
    return queryset.filter(rows)


def linkable_applications(user: Any, organisation: Organisation) -> QuerySet[Application]:
    """Applications a risk of ``organisation`` may name, as far as ``user`` reads them."""
    return (
        near(Application.objects.for_user(user), organisation)
        .select_related("organisation")
        .order_by("name", "pk")
    )


def linkable_measures(user: Any, organisation: Organisation) -> QuerySet[Measure]:
    """Plan measures a risk of ``organisation`` may link, as far as ``user`` reads them."""
    return (
        near(Measure.objects.for_user(user), organisation)
        .select_related("organisation")
        .order_by("title", "pk")
    )


# Figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExposureTotal:
    """The summed yearly exposure range of the risks in view, and how many have no estimate."""

    minimum: Decimal
    maximum: Decimal
    risks: int
    without_estimate: int


def exposure_sums() -> dict[str, Sum]:
    """The two aggregates of the exposure total, named ``exposure_low`` and ``exposure_high``."""
    return {
        "exposure_low": Sum(Coalesce("exposure_min", "exposure_max")),
        "exposure_high": Sum(Coalesce("exposure_max", "exposure_min")),
    }


def exposure_total(risks: QuerySet[Risk]) -> ExposureTotal:
    """One aggregate over ``risks`` (those "vervallen" left out)."""
    row = risks.exclude(status=RiskStatus.CLOSED).aggregate(
        **exposure_sums(),
        risks=Count("pk"),
        without=Count("pk", filter=Q(exposure_min__isnull=True, exposure_max__isnull=True)),
    )
    return ExposureTotal(
        minimum=row["exposure_low"] or Decimal("0"),
        maximum=row["exposure_high"] or Decimal("0"),
        risks=row["risks"],
        without_estimate=row["without"],
    )


@dataclass(frozen=True)
class HeatMapCounts:
    """Risks per cell ``(likelihood, impact)`` before and after measures (not "vervallen")."""

    inherent: dict[tuple[int, int], int]
    residual: dict[tuple[int, int], int]
    unassessed: int

    @property
    def inherent_total(self) -> int:
        return sum(self.inherent.values())

    @property
    def residual_total(self) -> int:
        return sum(self.residual.values())


def _cells(rows: Any, likelihood: str, impact: str) -> dict[tuple[int, int], int]:
    cells = {(lk, im): 0 for lk in SCALE for im in SCALE}
    for row in rows:
        cells[(row[likelihood], row[impact])] = row["count"]
    return cells


def heat_map_counts(risks: QuerySet[Risk]) -> HeatMapCounts:
    """Two grouped counts in the database (every cell present, zero when empty)."""
    live = risks.exclude(status=RiskStatus.CLOSED).order_by()
    inherent = live.values("inherent_likelihood", "inherent_impact").annotate(count=Count("pk"))
    residual = (
        live.filter(residual_likelihood__isnull=False)
        .values("residual_likelihood", "residual_impact")
        .annotate(count=Count("pk"))
    )
    inherent_cells = _cells(inherent, "inherent_likelihood", "inherent_impact")
    residual_cells = _cells(residual, "residual_likelihood", "residual_impact")
    return HeatMapCounts(
        inherent=inherent_cells,
        residual=residual_cells,
        unassessed=sum(inherent_cells.values()) - sum(residual_cells.values()),
    )


def _covered_q(day: dt.date) -> Q:
    has_owner = Q(owner__isnull=False) | ~Q(owner_name="")
    acceptance_ok = Q(accepted_at__isnull=True) | valid_acceptance_q(day)
    accept_needs_acceptance = ~Q(treatment=Treatment.ACCEPT) | valid_acceptance_q(day)
    return has_owner & ~Q(treatment="") & acceptance_ok & accept_needs_acceptance


def risk_register_figure(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> Coverage:
    """Basismaatregel 3: of the live risks of ``organisation`` (and, for a board, its schools)
    the user reads, how many are under control (rule in the module docstring). One query."""
    day = day or today()
    row = (
        Risk.objects.for_user(user)
        .filter(organisation__path__startswith=organisation.path)
        .exclude(status=RiskStatus.CLOSED)
        .aggregate(total=Count("pk"), covered=Count("pk", filter=_covered_q(day)))
    )
    return Coverage(covered=row["covered"], total=row["total"])


@dataclass(frozen=True)
class RiskSummary:
    """What the dashboard shows of the register (risks "vervallen" left out).

    ``inherent`` and ``residual`` count risks per band code (every band present);
    ``unassessed`` is how many have no residual score yet.
    """

    total: int
    inherent: dict[str, int]
    residual: dict[str, int]
    unassessed: int
    accepted: int
    needs_review: int
    exposure_min: Decimal
    exposure_max: Decimal
    bands: list[Any] = field(default_factory=list)

    @property
    def residual_by_band(self) -> list[tuple[Any, int]]:
        """(band, number of risks in it after measures), lowest band first."""
        return [(band, self.residual.get(band.code, 0)) for band in self.bands]


def _band_counts(prefix: str) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for band in default_matrix().bands:
        low, high = default_matrix().band_range(band.code)
        counts[f"{prefix}_{band.code}"] = Count(
            "pk", filter=Q(**{f"{prefix}__gte": low, f"{prefix}__lte": high})
        )
    return counts


def risk_summary(user: Any, organisation: Organisation, day: dt.date | None = None) -> RiskSummary:
    """Counts per band before and after measures, accepted (valid), needing review and the total
    exposure of ``organisation``'s live risks the user reads, in one aggregate query."""
    day = day or today()
    risks = with_scores(
        Risk.objects.for_user(user).filter(organisation__path__startswith=organisation.path)
    ).exclude(status=RiskStatus.CLOSED)
    row = risks.aggregate(
        total=Count("pk"),
        unassessed=Count("pk", filter=Q(residual_likelihood__isnull=True)),
        accepted=Count("pk", filter=valid_acceptance_q(day)),
        needs_review=Count("pk", filter=needs_review_q(day)),
        **exposure_sums(),
        **_band_counts("inherent"),
        **_band_counts("residual"),
    )
    codes = default_matrix().band_codes()
    return RiskSummary(
        total=row["total"],
        inherent={code: row[f"inherent_{code}"] for code in codes},
        residual={code: row[f"residual_{code}"] for code in codes},
        unassessed=row["unassessed"],
        accepted=row["accepted"],
        needs_review=row["needs_review"],
        exposure_min=row["exposure_low"] or Decimal("0"),
        exposure_max=row["exposure_high"] or Decimal("0"),
        bands=list(default_matrix().bands),
    )


def top_risks(user: Any, organisation: Organisation, limit: int = 5) -> list[Risk]:
    """The live risks with the highest current score (then inherent score, then title), for
    the dashboard's "top risks"."""
    return list(
        risks_for_user(user, organisation)
        .exclude(status=RiskStatus.CLOSED)
        .order_by(F("current").desc(), F("inherent").desc(), "title", "pk")[:limit]
    )


# Templates -----------------------------------------------------------------------------------


def templates_for_user(user: Any, action: str = "view") -> QuerySet[RiskTemplate]:
    return RiskTemplate.objects.for_user(user, action).select_related("organisation")


def template_for_user(user: Any, pk: int, action: str = "view") -> RiskTemplate:
    template = templates_for_user(user, action).select_related("updated_by").filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def adopted_template_ids(organisation: Organisation) -> set[int]:
    """Templates ``organisation`` already adopted (the caller checked it reads its risks)."""
    return set(
        Risk.objects.filter(organisation=organisation, template__isnull=False).values_list(
            "template_id", flat=True
        )
    )


def adoptable_templates(organisation: Organisation) -> QuerySet[RiskTemplate]:
    """The active templates of the sector above ``organisation``'s board."""
    board = organisation.parent if organisation.kind == OrganisationKind.SCHOOL else organisation
    sector_id = board.parent_id if board is not None else None
    return RiskTemplate.objects.filter(organisation_id=sector_id or 0, active=True).order_by(
        "title", "pk"
    )
