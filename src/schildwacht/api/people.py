"""``/api/v1/organisations/{org_id}/exercises`` (cyber-crisis exercises with their findings) and
``/api/v1/organisations/{org_id}/trainings`` (courses and sessions with their participants).

Thin: the same scoping, queries and services as the pages. Outside the caller's reach is 404;
inside it, a refused write (no grant, read-only token) is 403; a bad value is 422 naming the
field. Findings, participant lists and phishing results are read here and written in the web
interface (the participant and phishing imports take a file upload there).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage, require_known
from schildwacht.audit.services import Actor
from schildwacht.people import queries, services
from schildwacht.people.models import Exercise, ExerciseKind, Training, TrainingKind
from schildwacht.planning.models import ACTIVE_STATUSES

router = Router(tags=["people"])

ExerciseKindValue = Literal["tabletop", "live"]
TrainingKindValue = Literal["elearning", "classroom", "board", "ibp_staff"]


class PersonIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(default="", max_length=100)


class FindingOut(Schema):
    id: int
    title: str
    description: str
    plan_measure: int | None
    open: bool


class ExerciseOut(Schema):
    id: int
    organisation: int
    title: str
    kind: str
    held_on: dt.date
    scenario: str
    participants: list[PersonIn]
    observations: str
    findings: list[FindingOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class ExerciseIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    kind: ExerciseKindValue
    held_on: dt.date
    scenario: str = Field(min_length=1)
    participants: list[PersonIn] = []
    observations: str = ""


class ExercisePatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    kind: ExerciseKindValue | None = None
    held_on: dt.date | None = None
    scenario: str | None = Field(default=None, min_length=1)
    participants: list[PersonIn] | None = None
    observations: str | None = None


def _exercise_out(exercise: Exercise) -> ExerciseOut:
    return ExerciseOut(
        id=exercise.pk,
        organisation=exercise.organisation_id,
        title=exercise.title,
        kind=exercise.kind,
        held_on=exercise.held_on,
        scenario=exercise.scenario,
        participants=[PersonIn(**person) for person in exercise.participants],
        observations=exercise.observations,
        findings=[
            FindingOut(
                id=finding.pk,
                title=finding.title,
                description=finding.description,
                plan_measure=finding.plan_measure_id,
                open=finding.plan_measure is None or finding.plan_measure.status in ACTIVE_STATUSES,
            )
            for finding in exercise.findings.all()
        ],
        created_at=exercise.created_at,
        updated_at=exercise.updated_at,
    )


def _exercises(request: HttpRequest, org_id: int) -> Any:
    organisation = queries.people_organisation(request.user, org_id)
    return queries.exercises_for_user(request.user, organisation).prefetch_related(
        "findings__plan_measure"
    )


def _exercise(request: HttpRequest, org_id: int, pk: int) -> Exercise:
    exercise = _exercises(request, org_id).filter(pk=pk).first()
    if exercise is None:
        raise Http404
    return exercise


def _person_values(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("participants") is not None:
        values["participants"] = [dict(p) for p in values["participants"]]
    return values


@router.get(
    "/organisations/{org_id}/exercises",
    response=list[ExerciseOut],
    summary="Crisisoefeningen (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_exercises(request: HttpRequest, org_id: int, kind: str = "") -> Any:
    require_known("kind", kind, ExerciseKind.values)
    exercises = _exercises(request, org_id)
    if kind:
        exercises = exercises.filter(kind=kind)
    return ConvertedPage(exercises, _exercise_out)


@router.post(
    "/organisations/{org_id}/exercises", response={201: ExerciseOut}, summary="Nieuwe oefening"
)
def create_exercise(request: HttpRequest, org_id: int, payload: ExerciseIn) -> Status[ExerciseOut]:
    organisation = queries.people_organisation(request.user, org_id)
    exercise = services.create_exercise(
        Actor.for_user(request.user), organisation, **_person_values(payload.dict())
    )
    return Status(201, _exercise_out(_exercise(request, org_id, exercise.pk)))


@router.get(
    "/organisations/{org_id}/exercises/{exercise_id}",
    response=ExerciseOut,
    summary="Eén oefening met haar bevindingen",
)
def get_exercise(request: HttpRequest, org_id: int, exercise_id: int) -> ExerciseOut:
    return _exercise_out(_exercise(request, org_id, exercise_id))


@router.patch(
    "/organisations/{org_id}/exercises/{exercise_id}",
    response=ExerciseOut,
    summary="Een oefening deels wijzigen",
)
def update_exercise(
    request: HttpRequest, org_id: int, exercise_id: int, payload: ExercisePatch
) -> ExerciseOut:
    exercise = _exercise(request, org_id, exercise_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_exercise(Actor.for_user(request.user), exercise, **_person_values(values))
    return _exercise_out(_exercise(request, org_id, exercise_id))


@router.delete(
    "/organisations/{org_id}/exercises/{exercise_id}",
    response={204: None},
    summary="Een oefening verwijderen",
)
def delete_exercise(request: HttpRequest, org_id: int, exercise_id: int) -> Status[None]:
    exercise = _exercise(request, org_id, exercise_id)
    services.delete_exercise(Actor.for_user(request.user), exercise)
    return Status(204, None)


# Trainings -----------------------------------------------------------------------------------


class TrainingOut(Schema):
    id: int
    organisation: int
    title: str
    kind: str
    held_on: dt.date
    target_group: str
    provider: str
    description: str
    participant_count: int
    completed_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ParticipantOut(Schema):
    id: int
    email: str
    name: str
    role: str
    school: int | None
    completed: bool
    completed_on: dt.date | None


class TrainingDetailOut(TrainingOut):
    participants: list[ParticipantOut]


class TrainingIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    kind: TrainingKindValue
    held_on: dt.date
    target_group: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=200)
    description: str = ""


class TrainingPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    kind: TrainingKindValue | None = None
    held_on: dt.date | None = None
    target_group: str | None = Field(default=None, max_length=200)
    provider: str | None = Field(default=None, max_length=200)
    description: str | None = None


def _training_fields(training: Training) -> dict[str, Any]:
    return {
        "id": training.pk,
        "organisation": training.organisation_id,
        "title": training.title,
        "kind": training.kind,
        "held_on": training.held_on,
        "target_group": training.target_group,
        "provider": training.provider,
        "description": training.description,
        "participant_count": getattr(training, "participant_count", 0),
        "completed_count": getattr(training, "completed_count", 0),
        "created_at": training.created_at,
        "updated_at": training.updated_at,
    }


def _training(request: HttpRequest, org_id: int, pk: int) -> Training:
    organisation = queries.people_organisation(request.user, org_id)
    training = queries.trainings_for_user(request.user, organisation).filter(pk=pk).first()
    if training is None:
        raise Http404
    return training


def _training_detail(request: HttpRequest, org_id: int, pk: int) -> TrainingDetailOut:
    training = _training(request, org_id, pk)
    participants = [
        ParticipantOut(
            id=p.pk,
            email=p.email,
            name=p.name,
            role=p.role,
            school=p.school_id,
            completed=p.completed,
            completed_on=p.completed_on,
        )
        for p in queries.participants_for_user(request.user, training)
    ]
    return TrainingDetailOut(**_training_fields(training), participants=participants)


@router.get(
    "/organisations/{org_id}/trainings",
    response=list[TrainingOut],
    summary="Trainingen (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_trainings(request: HttpRequest, org_id: int, kind: str = "") -> Any:
    organisation = queries.people_organisation(request.user, org_id)
    require_known("kind", kind, TrainingKind.values)
    selection = queries.TrainingFilter(kind=kind)
    trainings = queries.trainings_for_user(request.user, organisation, selection)
    return ConvertedPage(trainings, lambda t: TrainingOut(**_training_fields(t)))


@router.post(
    "/organisations/{org_id}/trainings",
    response={201: TrainingDetailOut},
    summary="Nieuwe training",
)
def create_training(
    request: HttpRequest, org_id: int, payload: TrainingIn
) -> Status[TrainingDetailOut]:
    organisation = queries.people_organisation(request.user, org_id)
    training = services.create_training(
        Actor.for_user(request.user), organisation, **payload.dict()
    )
    return Status(201, _training_detail(request, org_id, training.pk))


@router.get(
    "/organisations/{org_id}/trainings/{training_id}",
    response=TrainingDetailOut,
    summary="Eén training met haar deelnemers",
)
def get_training(request: HttpRequest, org_id: int, training_id: int) -> TrainingDetailOut:
    return _training_detail(request, org_id, training_id)


@router.patch(
    "/organisations/{org_id}/trainings/{training_id}",
    response=TrainingDetailOut,
    summary="Een training deels wijzigen",
)
def update_training(
    request: HttpRequest, org_id: int, training_id: int, payload: TrainingPatch
) -> TrainingDetailOut:
    training = _training(request, org_id, training_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_training(Actor.for_user(request.user), training, **values)
    return _training_detail(request, org_id, training_id)


@router.delete(
    "/organisations/{org_id}/trainings/{training_id}",
    response={204: None},
    summary="Een training verwijderen",
)
def delete_training(request: HttpRequest, org_id: int, training_id: int) -> Status[None]:
    training = _training(request, org_id, training_id)
    services.delete_training(Actor.for_user(request.user), training)
    return Status(204, None)
