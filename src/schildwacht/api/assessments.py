"""``/api/v1/organisations/{org_id}/assessments``: metingen, their scores and workflow.

Thin: the same scoping, queries and services as the pages. Outside the caller's reach is 404;
inside it, a refused write is 403 and a step the meting's state does not allow is 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.assessments import services
from schildwacht.assessments.models import Assessment
from schildwacht.assessments.queries import (
    Score,
    assessment_scores,
    assessments_for_user,
    newest_framework,
)
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_for_user

router = Router(tags=["assessments"])


class AssessmentOut(Schema):
    id: int
    organisation: int
    framework: int
    title: str
    kind: str
    status: str
    locked: bool
    previous: int | None
    approved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AssessmentIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    framework: int | None = None


class AssessmentPatch(Schema):
    title: str = Field(min_length=1, max_length=200)


class ScoreOut(Schema):
    average: float | None
    scored: int
    applicable: int
    at_target: int
    share_at_target: float | None


class DomainScoreOut(ScoreOut):
    part: str
    number: int
    label: str


class NormScoreOut(Schema):
    norm_id: str
    level: int | None
    not_applicable: bool
    not_applicable_reason: str
    target_level: int
    owner: str
    notes: str
    updated_at: dt.datetime


class ScoresOut(Schema):
    overall: ScoreOut
    domains: list[DomainScoreOut]
    norms: list[NormScoreOut]


class NormScoreIn(Schema):
    level: int | None = Field(default=None, ge=1, le=5)
    not_applicable: bool = False
    not_applicable_reason: str = ""
    target_level: int = Field(default=3, ge=1, le=5)
    owner: str = Field(default="", max_length=200)
    notes: str = ""


class NormScorePatch(Schema):
    level: int | None = Field(default=None, ge=1, le=5)
    not_applicable: bool | None = None
    not_applicable_reason: str | None = None
    target_level: int | None = Field(default=None, ge=1, le=5)
    owner: str | None = Field(default=None, max_length=200)
    notes: str | None = None


def _out(a: Assessment) -> AssessmentOut:
    return AssessmentOut(
        id=a.pk,
        organisation=a.organisation_id,
        framework=a.framework_id,
        title=a.title,
        kind=a.kind,
        status=a.status,
        locked=a.is_locked,
        previous=a.previous_id,
        approved_at=a.approved_at,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def _score(score: Score) -> dict[str, Any]:
    return {
        "average": score.average,
        "scored": score.scored,
        "applicable": score.applicable,
        "at_target": score.at_target,
        "share_at_target": score.share_at_target,
    }


def _organisation(request: HttpRequest, org_id: int) -> Organisation:
    return organisation_for_user(request.user, org_id)


def _assessment(request: HttpRequest, org_id: int, pk: int) -> Assessment:
    organisation = _organisation(request, org_id)
    assessment = assessments_for_user(request.user, organisation).filter(pk=pk).first()
    if assessment is None:
        raise HttpError(404, "Niet gevonden.")
    return assessment


def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service; a locked meting answers 409, another refusal 403 (with the reason)."""
    try:
        return function(*args, **kwargs)
    except services.AssessmentLocked as error:
        raise HttpError(409, error.message) from error
    except services.AssessmentRefused as error:
        raise HttpError(403, error.message) from error


@router.get(
    "/organisations/{org_id}/assessments",
    response=list[AssessmentOut],
    summary="Metingen (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_assessments(request: HttpRequest, org_id: int) -> list[AssessmentOut]:
    organisation = _organisation(request, org_id)
    return [_out(a) for a in assessments_for_user(request.user, organisation)]


@router.post(
    "/organisations/{org_id}/assessments",
    response={201: AssessmentOut},
    summary="Nieuwe meting (kopie van de vorige)",
)
def create_assessment(
    request: HttpRequest, org_id: int, payload: AssessmentIn
) -> Status[AssessmentOut]:
    organisation = _organisation(request, org_id)
    if payload.framework is None:
        framework = newest_framework(request.user)
    else:
        framework = Framework.objects.for_user(request.user).filter(pk=payload.framework).first()
    if framework is None:
        raise HttpError(422, "Onbekend normenkader (framework).")
    assessment = _call(
        services.create_assessment,
        Actor.for_user(request.user),
        organisation,
        framework,
        payload.title,
    )
    return Status(201, _out(assessment))


@router.get(
    "/organisations/{org_id}/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="Eén meting",
)
def get_assessment(request: HttpRequest, org_id: int, assessment_id: int) -> AssessmentOut:
    return _out(_assessment(request, org_id, assessment_id))


@router.patch(
    "/organisations/{org_id}/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="Titel van een meting wijzigen",
)
def update_assessment(
    request: HttpRequest, org_id: int, assessment_id: int, payload: AssessmentPatch
) -> AssessmentOut:
    assessment = _assessment(request, org_id, assessment_id)
    _call(services.update_assessment, Actor.for_user(request.user), assessment, title=payload.title)
    return _out(assessment)


@router.delete(
    "/organisations/{org_id}/assessments/{assessment_id}",
    response={204: None},
    summary="Een meting in concept verwijderen",
)
def delete_assessment(request: HttpRequest, org_id: int, assessment_id: int) -> Status[None]:
    assessment = _assessment(request, org_id, assessment_id)
    _call(services.delete_assessment, Actor.for_user(request.user), assessment)
    return Status(204, None)


def _step(
    request: HttpRequest, org_id: int, assessment_id: int, step: Callable[..., Assessment]
) -> AssessmentOut:
    assessment = _assessment(request, org_id, assessment_id)
    _call(step, Actor.for_user(request.user), assessment)
    return _out(assessment)


@router.post(
    "/organisations/{org_id}/assessments/{assessment_id}/submit",
    response=AssessmentOut,
    summary="Ter beoordeling aanbieden",
)
def submit_assessment(request: HttpRequest, org_id: int, assessment_id: int) -> AssessmentOut:
    return _step(request, org_id, assessment_id, services.submit_for_review)


@router.post(
    "/organisations/{org_id}/assessments/{assessment_id}/approve",
    response=AssessmentOut,
    summary="Goedkeuren en vastzetten (bestuurder)",
)
def approve_assessment(request: HttpRequest, org_id: int, assessment_id: int) -> AssessmentOut:
    return _step(request, org_id, assessment_id, services.approve_assessment)


@router.post(
    "/organisations/{org_id}/assessments/{assessment_id}/reopen",
    response=AssessmentOut,
    summary="Terug naar concept",
)
def reopen_assessment(request: HttpRequest, org_id: int, assessment_id: int) -> AssessmentOut:
    return _step(request, org_id, assessment_id, services.reopen_assessment)


def _norm_scores(assessment: Assessment) -> list[NormScoreOut]:
    return [
        NormScoreOut(
            norm_id=s.norm_id,
            level=s.level,
            not_applicable=s.not_applicable,
            not_applicable_reason=s.not_applicable_reason,
            target_level=s.target_level,
            owner=s.owner,
            notes=s.notes,
            updated_at=s.updated_at,
        )
        for s in assessment.scores.order_by("norm_id")
    ]


@router.get(
    "/organisations/{org_id}/assessments/{assessment_id}/scores",
    response=ScoresOut,
    summary="Scores per domein en in totaal, en per norm",
)
def get_scores(request: HttpRequest, org_id: int, assessment_id: int) -> ScoresOut:
    assessment = _assessment(request, org_id, assessment_id)
    scores = assessment_scores(assessment)
    return ScoresOut(
        overall=ScoreOut(**_score(scores.overall)),
        domains=[
            DomainScoreOut(part=d.part, number=d.number, label=d.label, **_score(d.score))
            for d in scores.domains
        ],
        norms=_norm_scores(assessment),
    )


def _one_score(request: HttpRequest, org_id: int, assessment_id: int, norm_id: str) -> Any:
    assessment = _assessment(request, org_id, assessment_id)
    score = assessment.scores.filter(norm_id=norm_id).first()
    if score is None:
        raise HttpError(404, "Niet gevonden.")
    score.assessment = assessment
    return score


def _score_out(score: Any) -> NormScoreOut:
    return NormScoreOut(
        norm_id=score.norm_id,
        level=score.level,
        not_applicable=score.not_applicable,
        not_applicable_reason=score.not_applicable_reason,
        target_level=score.target_level,
        owner=score.owner,
        notes=score.notes,
        updated_at=score.updated_at,
    )


@router.put(
    "/organisations/{org_id}/assessments/{assessment_id}/scores/{norm_id}",
    response=NormScoreOut,
    summary="De score van één norm vervangen",
)
def put_score(
    request: HttpRequest, org_id: int, assessment_id: int, norm_id: str, payload: NormScoreIn
) -> NormScoreOut:
    score = _one_score(request, org_id, assessment_id, norm_id)
    _call(services.update_score, Actor.for_user(request.user), score, **payload.dict())
    return _score_out(score)


@router.patch(
    "/organisations/{org_id}/assessments/{assessment_id}/scores/{norm_id}",
    response=NormScoreOut,
    summary="De score van één norm deels wijzigen",
)
def patch_score(
    request: HttpRequest, org_id: int, assessment_id: int, norm_id: str, payload: NormScorePatch
) -> NormScoreOut:
    score = _one_score(request, org_id, assessment_id, norm_id)
    values = payload.dict(exclude_unset=True)
    # Only "level" may be set to null explicitly (not scored); other fields keep their value.
    values = {k: v for k, v in values.items() if v is not None or k == "level"}
    _call(services.update_score, Actor.for_user(request.user), score, **values)
    return _score_out(score)
