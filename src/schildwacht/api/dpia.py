"""``/api/v1/organisations/{org_id}/dpias`` and ``…/dpia-prescans``: DPIAs and their pre-scans.

Thin: the same scoping, queries and services as the pages. Under a board the list includes its
schools' DPIAs; under the sector node the sector curator reads and writes the sector DPIAs, and
a reader of a board's privacy items reads the published ones. Outside reach is 404; inside it a
refused write is 403 (the FG, for instance, changes no part of a DPIA: its advice has its own
sub-path ``PUT …/dpias/{id}/advice``, the only write it may make); a bad value is 422 naming the
field. A decided DPIA is locked: writes answer 403, ``POST …/new-version`` makes a concept copy.

Sub-paths: ``…/dpias/{id}/risks`` (POST), ``…/dpias/{id}/risks/{risk_id}`` (PATCH, DELETE),
``…/dpias/{id}/measures`` (POST), ``…/dpias/{id}/measures/{measure_id}`` (PATCH, DELETE),
``…/dpias/{id}/submit`` (POST: to the FG for advice), ``…/dpias/{id}/advice`` (PUT, FG only),
``…/dpias/{id}/decision`` (POST), ``…/dpias/{id}/new-version`` (POST), ``…/dpias/{id}/publish``
(POST, a sector DPIA by its curator) and ``…/dpias/adopt`` (POST under a board or school, with
the id of a published sector DPIA).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage
from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.models import Advice, Dpia, DpiaMeasure, DpiaRisk, PreScan
from schildwacht.dpia.queries import (
    dpia_rows,
    dpias_under,
    prescans_for_user,
    sector_dpias_for_user,
    sector_nodes_for_user,
)
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.registers.models import Application, ProcessingActivity

router = Router(tags=["dpia"])

LegalBasisValue = Literal[
    "",
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
]
DecisionValue = Literal["proceed", "proceed_with_measures", "do_not_proceed"]


class RiskOut(Schema):
    id: int
    title: str
    description: str
    likelihood: int
    impact: int
    inherent_score: int
    residual_likelihood: int | None
    residual_impact: int | None
    residual_score: int | None
    residual_high: bool


class MeasureOut(Schema):
    id: int
    description: str
    risks: list[int]
    plan_measure: int | None


class AdviceOut(Schema):
    text: str
    advised_on: dt.date
    advised_by: int | None
    advised_by_name: str


class DpiaOut(Schema):
    id: int
    organisation: int
    title: str
    status: str
    version: int
    previous: int | None
    sector_dpia: int | None
    prescan: int | None
    supplier: int | None
    subject_name: str
    published_at: dt.datetime | None
    nature: str
    scope: str
    context: str
    purposes: str
    applications: list[int]
    processing_activities: list[int]
    legal_basis: str
    legal_basis_note: str
    necessity: str
    subsidiarity: str
    retention: str
    data_subject_rights: str
    risks: list[RiskOut]
    measures: list[MeasureOut]
    advice: AdviceOut | None
    prior_consultation: bool
    decision: str
    decision_reasoning: str
    decided_by_name: str
    decided_on: dt.date | None
    no_advice_note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class DpiaIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    subject_name: str = Field(default="", max_length=200)
    supplier: int | None = None
    prescan: int | None = None
    nature: str = ""
    scope: str = ""
    context: str = ""
    purposes: str = ""
    applications: list[int] = []
    processing_activities: list[int] = []
    legal_basis: LegalBasisValue = ""
    legal_basis_note: str = ""
    necessity: str = ""
    subsidiarity: str = ""
    retention: str = ""
    data_subject_rights: str = ""


class DpiaPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    subject_name: str | None = Field(default=None, max_length=200)
    supplier: int | None = None
    nature: str | None = None
    scope: str | None = None
    context: str | None = None
    purposes: str | None = None
    applications: list[int] | None = None
    processing_activities: list[int] | None = None
    legal_basis: LegalBasisValue | None = None
    legal_basis_note: str | None = None
    necessity: str | None = None
    subsidiarity: str | None = None
    retention: str | None = None
    data_subject_rights: str | None = None


class RiskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    likelihood: int
    impact: int
    residual_likelihood: int | None = None
    residual_impact: int | None = None


class RiskPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None


class MeasureIn(Schema):
    description: str = Field(min_length=1)
    risks: list[int] = []
    plan_measure: int | None = None


class MeasurePatch(Schema):
    description: str | None = Field(default=None, min_length=1)
    risks: list[int] | None = None
    plan_measure: int | None = None


class AdoptIn(Schema):
    sector_dpia: int


class AdviceIn(Schema):
    text: str = Field(min_length=1)
    advised_on: dt.date | None = None


class DecisionIn(Schema):
    decision: DecisionValue
    reasoning: str
    decided_by_name: str
    decided_on: dt.date
    no_advice_note: str = ""


class PreScanOut(Schema):
    id: int
    organisation: int
    application: int | None
    processing_activity: int | None
    ap_items: list[str]
    criteria: list[str]
    reasons: dict[str, str]
    reasoning: str
    required: bool
    created_by: int | None
    created_at: dt.datetime


class PreScanIn(Schema):
    application: int | None = None
    processing_activity: int | None = None
    ap_items: list[str] = []
    criteria: list[str] = []
    reasons: dict[str, str] = {}
    reasoning: str = ""


def _advice(dpia: Dpia) -> AdviceOut | None:
    try:
        advice: Advice = dpia.advice
    except Advice.DoesNotExist:
        return None
    return AdviceOut(
        text=advice.text,
        advised_on=advice.advised_on,
        advised_by=advice.advised_by_id,
        advised_by_name=advice.advised_by_name,
    )


def _risk(risk: DpiaRisk) -> RiskOut:
    return RiskOut(
        id=risk.pk,
        title=risk.title,
        description=risk.description,
        likelihood=risk.likelihood,
        impact=risk.impact,
        inherent_score=risk.inherent_score,
        residual_likelihood=risk.residual_likelihood,
        residual_impact=risk.residual_impact,
        residual_score=risk.residual_score,
        residual_high=risk.residual_high,
    )


def _measure(measure: DpiaMeasure) -> MeasureOut:
    return MeasureOut(
        id=measure.pk,
        description=measure.description,
        risks=[r.pk for r in measure.risks.all()],
        plan_measure=measure.plan_measure_id,
    )


PLAIN_FIELDS = (
    "title",
    "status",
    "version",
    "subject_name",
    "published_at",
    "nature",
    "scope",
    "context",
    "purposes",
    "legal_basis",
    "legal_basis_note",
    "necessity",
    "subsidiarity",
    "retention",
    "data_subject_rights",
    "prior_consultation",
    "decision",
    "decision_reasoning",
    "decided_by_name",
    "decided_on",
    "no_advice_note",
    "created_at",
    "updated_at",
)


def _out(dpia: Dpia) -> DpiaOut:
    return DpiaOut(
        id=dpia.pk,
        organisation=dpia.organisation_id,
        previous=dpia.previous_id,
        sector_dpia=dpia.sector_dpia_id,
        prescan=dpia.prescan_id,
        supplier=dpia.supplier_id,
        applications=sorted(a.pk for a in dpia.applications.all()),
        processing_activities=sorted(p.pk for p in dpia.processing_activities.all()),
        risks=[_risk(r) for r in dpia.risks.all()],
        measures=[_measure(m) for m in dpia.measures.all()],
        advice=_advice(dpia),
        **{name: getattr(dpia, name) for name in PLAIN_FIELDS},
    )


def _organisation(request: HttpRequest, org_id: int) -> Organisation:
    """A board or school whose privacy items the caller reads, or a sector node whose DPIAs the
    caller reads (the curator's own; for a board's reader, the sector above the board)."""
    user = request.user
    if org_id in organisation_ids(user, "view", Dpia.scope_area) or org_id in (
        sector_nodes_for_user(user)
    ):
        return Organisation.objects.get(pk=org_id)
    raise Http404


def _dpia(request: HttpRequest, org_id: int, pk: int) -> Dpia:
    dpia = (
        dpia_rows(dpias_under(request.user, _organisation(request, org_id))).filter(pk=pk).first()
    )
    if dpia is None:
        raise Http404
    return dpia


@router.get(
    "/organisations/{org_id}/dpias",
    response=list[DpiaOut],
    summary="DPIA's (onder een bestuur ook die van de scholen; onder de sector de sector-DPIA's)",
)
@paginate(LimitOffsetPagination)
def list_dpias(request: HttpRequest, org_id: int) -> Any:
    organisation = _organisation(request, org_id)
    return ConvertedPage(dpia_rows(dpias_under(request.user, organisation)), _out)


@router.post("/organisations/{org_id}/dpias", response={201: DpiaOut}, summary="Nieuwe DPIA")
def create_dpia(request: HttpRequest, org_id: int, payload: DpiaIn) -> Status[DpiaOut]:
    organisation = _organisation(request, org_id)
    dpia = services.create_dpia(Actor.for_user(request.user), organisation, **payload.dict())
    return Status(201, _out(_dpia(request, org_id, dpia.pk)))


# Registered before the ``{dpia_id}`` paths, which would otherwise take the word "adopt".
@router.post(
    "/organisations/{org_id}/dpias/adopt",
    response={201: DpiaOut},
    summary="Een gepubliceerde sector-DPIA overnemen voor dit bestuur of deze school",
)
def adopt_dpia(request: HttpRequest, org_id: int, payload: AdoptIn) -> Status[DpiaOut]:
    organisation = _organisation(request, org_id)
    sector_dpia = sector_dpias_for_user(request.user).filter(pk=payload.sector_dpia).first()
    if sector_dpia is None:
        raise ValidationError({"sector_dpia": [_("Kies een gepubliceerde sector-DPIA.")]})
    dpia = services.adopt_sector_dpia(Actor.for_user(request.user), sector_dpia, organisation)
    return Status(201, _out(_dpia(request, org_id, dpia.pk)))


@router.get("/organisations/{org_id}/dpias/{dpia_id}", response=DpiaOut, summary="Eén DPIA")
def get_dpia(request: HttpRequest, org_id: int, dpia_id: int) -> DpiaOut:
    return _out(_dpia(request, org_id, dpia_id))


@router.patch(
    "/organisations/{org_id}/dpias/{dpia_id}",
    response=DpiaOut,
    summary="Delen 1 en 2 van een DPIA wijzigen (niet door de FG)",
)
def update_dpia(request: HttpRequest, org_id: int, dpia_id: int, payload: DpiaPatch) -> DpiaOut:
    dpia = _dpia(request, org_id, dpia_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k == "supplier"}
    services.update_dpia(Actor.for_user(request.user), dpia, **values)
    return _out(_dpia(request, org_id, dpia_id))


@router.delete(
    "/organisations/{org_id}/dpias/{dpia_id}",
    response={204: None},
    summary="Een DPIA in concept verwijderen",
)
def delete_dpia(request: HttpRequest, org_id: int, dpia_id: int) -> Status[None]:
    services.delete_dpia(Actor.for_user(request.user), _dpia(request, org_id, dpia_id))
    return Status(204, None)


@router.put(
    "/organisations/{org_id}/dpias/{dpia_id}/advice",
    response=DpiaOut,
    summary="Het advies van de FG (alleen de FG)",
)
def put_advice(request: HttpRequest, org_id: int, dpia_id: int, payload: AdviceIn) -> DpiaOut:
    dpia = _dpia(request, org_id, dpia_id)
    services.record_advice(Actor.for_user(request.user), dpia, **payload.dict())
    return _out(_dpia(request, org_id, dpia_id))


@router.post(
    "/organisations/{org_id}/dpias/{dpia_id}/decision",
    response=DpiaOut,
    summary="Het besluit van het bestuur vastleggen (vergrendelt de DPIA)",
)
def post_decision(request: HttpRequest, org_id: int, dpia_id: int, payload: DecisionIn) -> DpiaOut:
    dpia = _dpia(request, org_id, dpia_id)
    services.record_decision(Actor.for_user(request.user), dpia, **payload.dict())
    return _out(_dpia(request, org_id, dpia_id))


@router.post(
    "/organisations/{org_id}/dpias/{dpia_id}/risks",
    response={201: DpiaOut},
    summary="Een risico toevoegen",
)
def add_risk(request: HttpRequest, org_id: int, dpia_id: int, payload: RiskIn) -> Status[DpiaOut]:
    dpia = _dpia(request, org_id, dpia_id)
    services.add_risk(Actor.for_user(request.user), dpia, **payload.dict())
    return Status(201, _out(_dpia(request, org_id, dpia_id)))


def _row(dpia: Dpia, model: type[Any], pk: int) -> Any:
    row = model.objects.filter(dpia=dpia, pk=pk).select_related("dpia__organisation").first()
    if row is None:
        raise Http404
    return row


@router.patch(
    "/organisations/{org_id}/dpias/{dpia_id}/risks/{risk_id}",
    response=DpiaOut,
    summary="Een risico wijzigen",
)
def update_risk(
    request: HttpRequest, org_id: int, dpia_id: int, risk_id: int, payload: RiskPatch
) -> DpiaOut:
    risk = _row(_dpia(request, org_id, dpia_id), DpiaRisk, risk_id)
    values = payload.dict(exclude_unset=True)
    services.update_risk(Actor.for_user(request.user), risk, **values)
    return _out(_dpia(request, org_id, dpia_id))


@router.delete(
    "/organisations/{org_id}/dpias/{dpia_id}/risks/{risk_id}",
    response={204: None},
    summary="Een risico verwijderen",
)
def delete_risk(request: HttpRequest, org_id: int, dpia_id: int, risk_id: int) -> Status[None]:
    risk = _row(_dpia(request, org_id, dpia_id), DpiaRisk, risk_id)
    services.delete_risk(Actor.for_user(request.user), risk)
    return Status(204, None)


@router.post(
    "/organisations/{org_id}/dpias/{dpia_id}/measures",
    response={201: DpiaOut},
    summary="Een maatregel toevoegen (eventueel gekoppeld aan een maatregel uit het plan)",
)
def add_measure(
    request: HttpRequest, org_id: int, dpia_id: int, payload: MeasureIn
) -> Status[DpiaOut]:
    dpia = _dpia(request, org_id, dpia_id)
    services.add_measure(Actor.for_user(request.user), dpia, **payload.dict())
    return Status(201, _out(_dpia(request, org_id, dpia_id)))


@router.delete(
    "/organisations/{org_id}/dpias/{dpia_id}/measures/{measure_id}",
    response={204: None},
    summary="Een maatregel verwijderen",
)
def delete_measure(
    request: HttpRequest, org_id: int, dpia_id: int, measure_id: int
) -> Status[None]:
    measure = _row(_dpia(request, org_id, dpia_id), DpiaMeasure, measure_id)
    services.delete_measure(Actor.for_user(request.user), measure)
    return Status(204, None)


@router.patch(
    "/organisations/{org_id}/dpias/{dpia_id}/measures/{measure_id}",
    response=DpiaOut,
    summary="Een maatregel wijzigen",
)
def update_measure(
    request: HttpRequest, org_id: int, dpia_id: int, measure_id: int, payload: MeasurePatch
) -> DpiaOut:
    measure = _row(_dpia(request, org_id, dpia_id), DpiaMeasure, measure_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k == "plan_measure"}
    services.update_measure(Actor.for_user(request.user), measure, **values)
    return _out(_dpia(request, org_id, dpia_id))


@router.post(
    "/organisations/{org_id}/dpias/{dpia_id}/submit",
    response=DpiaOut,
    summary="Een DPIA in concept ter advies aan de FG voorleggen",
)
def submit_dpia(request: HttpRequest, org_id: int, dpia_id: int) -> DpiaOut:
    services.submit_for_advice(Actor.for_user(request.user), _dpia(request, org_id, dpia_id))
    return _out(_dpia(request, org_id, dpia_id))


@router.post(
    "/organisations/{org_id}/dpias/{dpia_id}/new-version",
    response={201: DpiaOut},
    summary="Een nieuwe versie (concept) van een vastgelegde DPIA",
)
def new_dpia_version(request: HttpRequest, org_id: int, dpia_id: int) -> Status[DpiaOut]:
    dpia = _dpia(request, org_id, dpia_id)
    copy = services.new_version(Actor.for_user(request.user), dpia)
    return Status(201, _out(_dpia(request, org_id, copy.pk)))


@router.post(
    "/organisations/{org_id}/dpias/{dpia_id}/publish",
    response=DpiaOut,
    summary="Een sector-DPIA publiceren (de sectorbeheerder)",
)
def publish_dpia(request: HttpRequest, org_id: int, dpia_id: int) -> DpiaOut:
    services.publish_sector_dpia(Actor.for_user(request.user), _dpia(request, org_id, dpia_id))
    return _out(_dpia(request, org_id, dpia_id))


# Pre-scans ---------------------------------------------------------------------------------------


def _prescan_out(prescan: PreScan) -> PreScanOut:
    return PreScanOut(
        id=prescan.pk,
        organisation=prescan.organisation_id,
        application=prescan.application_id,
        processing_activity=prescan.processing_activity_id,
        ap_items=prescan.ap_items,
        criteria=prescan.criteria,
        reasons=prescan.reasons,
        reasoning=prescan.reasoning,
        required=prescan.required,
        created_by=prescan.created_by_id,
        created_at=prescan.created_at,
    )


def _board_organisation(request: HttpRequest, org_id: int) -> Organisation:
    if org_id not in organisation_ids(request.user, "view", PreScan.scope_area):
        raise Http404
    return Organisation.objects.get(pk=org_id)


@router.get(
    "/organisations/{org_id}/dpia-prescans",
    response=list[PreScanOut],
    summary="Pre-scans (is een DPIA verplicht?), nieuwste eerst",
)
@paginate(LimitOffsetPagination)
def list_prescans(request: HttpRequest, org_id: int) -> Any:
    organisation = _board_organisation(request, org_id)
    return ConvertedPage(prescans_for_user(request.user, organisation), _prescan_out)


@router.get(
    "/organisations/{org_id}/dpia-prescans/{prescan_id}",
    response=PreScanOut,
    summary="Eén pre-scan",
)
def get_prescan(request: HttpRequest, org_id: int, prescan_id: int) -> PreScanOut:
    organisation = _board_organisation(request, org_id)
    prescan = prescans_for_user(request.user, organisation).filter(pk=prescan_id).first()
    if prescan is None:
        raise Http404
    return _prescan_out(prescan)


@router.post(
    "/organisations/{org_id}/dpia-prescans",
    response={201: PreScanOut},
    summary="Een pre-scan vastleggen (de uitkomst wordt berekend)",
)
def create_prescan(request: HttpRequest, org_id: int, payload: PreScanIn) -> Status[PreScanOut]:
    organisation = _board_organisation(request, org_id)
    values = payload.dict()
    subject: dict[str, Any] = {}
    if values.pop("application") is not None:
        subject["application"] = _subject(request, Application, payload.application, organisation)
    if values.pop("processing_activity") is not None:
        subject["processing_activity"] = _subject(
            request, ProcessingActivity, payload.processing_activity, organisation
        )
    prescan = services.create_prescan(Actor.for_user(request.user), **subject, **values)
    return Status(201, _prescan_out(prescan))


def _subject(request: HttpRequest, model: type[Any], pk: Any, organisation: Organisation) -> Any:
    found = (
        model.objects.for_user(request.user)
        .filter(pk=pk, organisation__path__startswith=organisation.path)
        .select_related("organisation")
        .first()
    )
    if found is None:
        name = "application" if model is Application else "processing_activity"
        raise ValidationError({name: [_("Niet gevonden bij deze organisatie.")]})
    return found
