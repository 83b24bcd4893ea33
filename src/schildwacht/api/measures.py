"""``/api/v1/organisations/{org_id}/measures``: the measures (maatregelen) of the plan.

Thin: the same scoping, queries and services as the pages. Outside the caller's reach is 404;
inside it, a refused write (no grant, read-only token) is 403; a bad value is 422 naming the
field. Amounts are decimal strings (``"1500.00"``), so no cent is lost to floating point.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage
from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_for_user
from schildwacht.planning import services
from schildwacht.planning.models import Measure
from schildwacht.planning.queries import (
    MeasureFilter,
    filter_measures,
    is_overdue,
    measures_for_user,
)

router = Router(tags=["measures"])

StatusValue = Literal["open", "in_progress", "done", "cancelled"]
EffortValue = Literal["", "S", "M", "L", "XL"]


class MeasureOut(Schema):
    id: int
    organisation: int
    title: str
    description: str
    owner: int | None
    owner_name: str
    due_date: dt.date | None
    status: str
    done_at: dt.datetime | None
    overdue: bool
    effort: str
    cost: Decimal | None
    norm_ids: list[str]
    basismaatregelen: list[int]
    groeipad_code: str
    created_by: int | None
    updated_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MeasureIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    owner: int | None = None
    owner_name: str = Field(default="", max_length=200)
    due_date: dt.date | None = None
    status: StatusValue = "open"
    effort: EffortValue = ""
    cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    norm_ids: list[str] = []
    basismaatregelen: list[int] = []
    groeipad_code: str = Field(default="", max_length=10)


class MeasurePatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    owner: int | None = None
    owner_name: str | None = Field(default=None, max_length=200)
    due_date: dt.date | None = None
    status: StatusValue | None = None
    effort: EffortValue | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    norm_ids: list[str] | None = None
    basismaatregelen: list[int] | None = None
    groeipad_code: str | None = Field(default=None, max_length=10)


# Fields that may be set to null in a PATCH; the others keep their value when null is sent.
NULLABLE = {"owner", "due_date", "cost"}


def _out(measure: Measure, today: dt.date | None = None) -> MeasureOut:
    return MeasureOut(
        id=measure.pk,
        organisation=measure.organisation_id,
        title=measure.title,
        description=measure.description,
        owner=measure.owner_id,
        owner_name=measure.owner_name,
        due_date=measure.due_date,
        status=measure.status,
        done_at=measure.done_at,
        overdue=is_overdue(measure, today),
        effort=measure.effort,
        cost=measure.cost,
        norm_ids=measure.norm_ids,
        basismaatregelen=measure.basismaatregelen,
        groeipad_code=measure.groeipad_code,
        created_by=measure.created_by_id,
        updated_by=measure.updated_by_id,
        created_at=measure.created_at,
        updated_at=measure.updated_at,
    )


def _organisation(request: HttpRequest, org_id: int) -> Organisation:
    return organisation_for_user(request.user, org_id)


def _measure(request: HttpRequest, org_id: int, pk: int) -> Measure:
    from django.http import Http404

    measure = measures_for_user(request.user, _organisation(request, org_id)).filter(pk=pk).first()
    if measure is None:
        raise Http404
    return measure


@router.get(
    "/organisations/{org_id}/measures",
    response=list[MeasureOut],
    summary="Maatregelen (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_measures(
    request: HttpRequest,
    org_id: int,
    status: str | None = None,
    owner: int | None = None,
    norm: str | None = None,
    basismaatregel: int | None = None,
    phase: int | None = None,
    overdue: bool = False,
) -> Any:
    organisation = _organisation(request, org_id)
    selection = MeasureFilter(
        status=status,
        owner=owner,
        norm_id=norm,
        basismaatregel=basismaatregel,
        phase=phase,
        overdue=overdue,
    )
    today = timezone.localdate()
    measures = filter_measures(measures_for_user(request.user, organisation), selection, today)
    # Paginate the queryset in the database; each page's rows are turned into output here.
    return ConvertedPage(measures, lambda measure: _out(measure, today))


@router.post(
    "/organisations/{org_id}/measures",
    response={201: MeasureOut},
    summary="Nieuwe maatregel",
)
def create_measure(request: HttpRequest, org_id: int, payload: MeasureIn) -> Status[MeasureOut]:
    organisation = _organisation(request, org_id)
    measure = services.create_measure(Actor.for_user(request.user), organisation, **payload.dict())
    return Status(201, _out(measures_for_user(request.user, organisation).get(pk=measure.pk)))


@router.get(
    "/organisations/{org_id}/measures/{measure_id}",
    response=MeasureOut,
    summary="Eén maatregel",
)
def get_measure(request: HttpRequest, org_id: int, measure_id: int) -> MeasureOut:
    return _out(_measure(request, org_id, measure_id))


@router.patch(
    "/organisations/{org_id}/measures/{measure_id}",
    response=MeasureOut,
    summary="Een maatregel deels wijzigen",
)
def update_measure(
    request: HttpRequest, org_id: int, measure_id: int, payload: MeasurePatch
) -> MeasureOut:
    measure = _measure(request, org_id, measure_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k in NULLABLE}
    services.update_measure(Actor.for_user(request.user), measure, **values)
    return _out(_measure(request, org_id, measure_id))


@router.delete(
    "/organisations/{org_id}/measures/{measure_id}",
    response={204: None},
    summary="Een maatregel verwijderen",
)
def delete_measure(request: HttpRequest, org_id: int, measure_id: int) -> Status[None]:
    measure = _measure(request, org_id, measure_id)
    services.delete_measure(Actor.for_user(request.user), measure)
    return Status(204, None)
