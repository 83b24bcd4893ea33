"""``/api/v1/organisations/{org_id}/risks``: the risk register (see CONTRACT.md).

Thin: the same scoping, queries and services as the pages. Outside the caller's reach is 404;
inside it, a refused write (no grant, read-only token) is 403; a bad value is 422 naming the
field. Amounts are decimal strings (``"1500.00"``). ``POST …/risks/{id}/accept`` is the formal
acceptance by a board member, ``DELETE …/risks/{id}/accept`` withdraws it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage, require_known
from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_for_user
from schildwacht.risks import services
from schildwacht.risks.matrix import band_for
from schildwacht.risks.models import Risk
from schildwacht.risks.queries import (
    RiskFilter,
    acceptance_valid,
    filter_risks,
    needs_review,
    risks_for_user,
    status_values,
    treatment_values,
    with_links,
)
from schildwacht.risks.reference import default_matrix

router = Router(tags=["risks"])

Level = Field(ge=1, le=5)
TreatmentValue = Literal["", "avoid", "reduce", "transfer", "accept"]
StatusValue = Literal["open", "in_treatment", "monitored", "closed"]


class RiskOut(Schema):
    id: int
    organisation: int
    template: int | None
    title: str
    threat: str
    description: str
    applications: list[int]
    processes: str
    inherent_likelihood: int
    inherent_impact: int
    inherent_score: int
    inherent_band: str
    residual_likelihood: int | None
    residual_impact: int | None
    residual_score: int | None
    residual_band: str | None
    owner: int | None
    owner_name: str
    treatment: str
    treatment_notes: str
    measures: list[int]
    exposure_min: Decimal | None
    exposure_max: Decimal | None
    status: str
    review_date: dt.date | None
    needs_review: bool
    accepted_by: int | None
    accepted_by_name: str
    accepted_at: dt.datetime | None
    acceptance_expires_on: dt.date | None
    acceptance_valid: bool
    acceptance_note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RiskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    threat: str = Field(min_length=1)
    description: str = ""
    applications: list[int] = []
    processes: str = ""
    inherent_likelihood: int = Level
    inherent_impact: int = Level
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)
    owner: int | None = None
    owner_name: str = Field(default="", max_length=200)
    treatment: TreatmentValue = ""
    treatment_notes: str = ""
    measures: list[int] = []
    exposure_min: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    exposure_max: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    status: StatusValue = "open"
    review_date: dt.date | None = None


class RiskPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    threat: str | None = Field(default=None, min_length=1)
    description: str | None = None
    applications: list[int] | None = None
    processes: str | None = None
    inherent_likelihood: int | None = Field(default=None, ge=1, le=5)
    inherent_impact: int | None = Field(default=None, ge=1, le=5)
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)
    owner: int | None = None
    owner_name: str | None = Field(default=None, max_length=200)
    treatment: TreatmentValue | None = None
    treatment_notes: str | None = None
    measures: list[int] | None = None
    exposure_min: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    exposure_max: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    status: StatusValue | None = None
    review_date: dt.date | None = None


class AcceptIn(Schema):
    expires_on: dt.date
    note: str = ""


# Fields that may be set to null in a PATCH; the others keep their value when null is sent.
NULLABLE = {
    "residual_likelihood",
    "residual_impact",
    "owner",
    "exposure_min",
    "exposure_max",
    "review_date",
}


def _out(risk: Risk, day: dt.date | None = None) -> RiskOut:
    day = day or timezone.localdate()
    residual = risk.residual_score
    return RiskOut(
        id=risk.pk,
        organisation=risk.organisation_id,
        template=risk.template_id,
        title=risk.title,
        threat=risk.threat,
        description=risk.description,
        applications=[a.pk for a in risk.applications.all()],
        processes=risk.processes,
        inherent_likelihood=risk.inherent_likelihood,
        inherent_impact=risk.inherent_impact,
        inherent_score=risk.inherent_score,
        inherent_band=band_for(risk.inherent_score).code,
        residual_likelihood=risk.residual_likelihood,
        residual_impact=risk.residual_impact,
        residual_score=residual,
        residual_band=band_for(residual).code if residual else None,
        owner=risk.owner_id,
        owner_name=risk.owner_name,
        treatment=risk.treatment,
        treatment_notes=risk.treatment_notes,
        measures=[m.pk for m in risk.measures.all()],
        exposure_min=risk.exposure_min,
        exposure_max=risk.exposure_max,
        status=risk.status,
        review_date=risk.review_date,
        needs_review=needs_review(risk, day),
        accepted_by=risk.accepted_by_id,
        accepted_by_name=risk.accepted_by_name,
        accepted_at=risk.accepted_at,
        acceptance_expires_on=risk.acceptance_expires_on,
        acceptance_valid=acceptance_valid(risk, day),
        acceptance_note=risk.acceptance_note,
        created_at=risk.created_at,
        updated_at=risk.updated_at,
    )


def _organisation(request: HttpRequest, org_id: int) -> Organisation:
    return organisation_for_user(request.user, org_id)


def _risk(request: HttpRequest, org_id: int, pk: int) -> Risk:
    risks = with_links(risks_for_user(request.user, _organisation(request, org_id)))
    risk = risks.filter(pk=pk).first()
    if risk is None:
        raise Http404
    return risk


@router.get(
    "/organisations/{org_id}/risks",
    response=list[RiskOut],
    summary="Risico's (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_risks(
    request: HttpRequest,
    org_id: int,
    treatment: str = "",
    band: str = "",
    status: str = "",
    organisation: int | None = None,
) -> Any:
    """Filters: ``treatment`` (or ``geen``), ``band`` of the current score, ``status`` (or
    ``herbeoordeling``: needs review) and ``organisation`` (one school of a board)."""
    scope = _organisation(request, org_id)
    require_known("treatment", treatment, treatment_values())
    require_known("band", band, default_matrix().band_codes())
    require_known("status", status, status_values())
    day = timezone.localdate()
    selection = RiskFilter(treatment=treatment, band=band, status=status, organisation=organisation)
    risks = with_links(filter_risks(risks_for_user(request.user, scope), selection, day))
    return ConvertedPage(risks, lambda risk: _out(risk, day))


@router.post("/organisations/{org_id}/risks", response={201: RiskOut}, summary="Nieuw risico")
def create_risk(request: HttpRequest, org_id: int, payload: RiskIn) -> Status[RiskOut]:
    organisation = _organisation(request, org_id)
    risk = services.create_risk(Actor.for_user(request.user), organisation, **payload.dict())
    return Status(201, _out(_risk(request, org_id, risk.pk)))


@router.get("/organisations/{org_id}/risks/{risk_id}", response=RiskOut, summary="Eén risico")
def get_risk(request: HttpRequest, org_id: int, risk_id: int) -> RiskOut:
    return _out(_risk(request, org_id, risk_id))


@router.patch(
    "/organisations/{org_id}/risks/{risk_id}",
    response=RiskOut,
    summary="Een risico deels wijzigen",
)
def update_risk(request: HttpRequest, org_id: int, risk_id: int, payload: RiskPatch) -> RiskOut:
    risk = _risk(request, org_id, risk_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k in NULLABLE}
    services.update_risk(Actor.for_user(request.user), risk, **values)
    return _out(_risk(request, org_id, risk_id))


@router.delete(
    "/organisations/{org_id}/risks/{risk_id}",
    response={204: None},
    summary="Een risico verwijderen",
)
def delete_risk(request: HttpRequest, org_id: int, risk_id: int) -> Status[None]:
    risk = _risk(request, org_id, risk_id)
    services.delete_risk(Actor.for_user(request.user), risk)
    return Status(204, None)


@router.post(
    "/organisations/{org_id}/risks/{risk_id}/accept",
    response=RiskOut,
    summary="Een risico formeel accepteren (bestuurder)",
)
def accept_risk(request: HttpRequest, org_id: int, risk_id: int, payload: AcceptIn) -> RiskOut:
    risk = _risk(request, org_id, risk_id)
    services.accept_risk(
        Actor.for_user(request.user), risk, expires_on=payload.expires_on, note=payload.note
    )
    return _out(_risk(request, org_id, risk_id))


@router.delete(
    "/organisations/{org_id}/risks/{risk_id}/accept",
    response=RiskOut,
    summary="De acceptatie van een risico intrekken (bestuurder)",
)
def withdraw_acceptance(request: HttpRequest, org_id: int, risk_id: int) -> RiskOut:
    risk = _risk(request, org_id, risk_id)
    services.withdraw_acceptance(Actor.for_user(request.user), risk)
    return _out(_risk(request, org_id, risk_id))
