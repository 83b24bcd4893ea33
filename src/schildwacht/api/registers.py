"""``/api/v1/organisations/{org_id}/applications`` and ``…/processing-activities``: the
application register (with an XLSX/CSV import) and the processing register (AVG art. 30).

Thin: the same scoping, queries and services as the pages. Both are privacy items, so the FG
reads them. Outside the caller's reach is 404; inside it, a refused write (no grant, read-only
token) is 403; a bad value is 422 naming the field; a rejected import is 422 listing every bad
row and column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage
from schildwacht.audit.services import Actor
from schildwacht.lib.tabular import MAX_IMPORT_BYTES, ImportRejected
from schildwacht.organisations.models import Organisation
from schildwacht.registers import services
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.registers.queries import (
    ActivityFilter,
    ApplicationFilter,
    activities_for_user,
    filter_activities,
    filter_applications,
    missing_items,
    register_organisation,
)
from schildwacht.registers.queries import (
    applications_for_user as _applications_for_user,
)

router = Router(tags=["registers"])

# The largest id a key can hold: a bigger one in a filter is a 422, not a database error.
MAX_ID = 2**63 - 1

KindValue = Literal[
    "sis",
    "learning_platform",
    "learning_app",
    "assessment",
    "communication",
    "office_identity",
    "finance_hr",
    "infrastructure",
    "other",
]
KIND_VALUES: tuple[str, ...] = get_args(KindValue)
HostingValue = Literal["saas", "public_cloud", "on_premises", "hybrid", "unknown"]
LevelValue = Literal["", "low", "medium", "high"]
CriticalityValue = Literal["", "low", "medium", "high", "vital"]
LegalBasisValue = Literal[
    "",
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
]

LEGAL_BASIS_VALUES: tuple[str, ...] = get_args(LegalBasisValue)


class ApplicationOut(Schema):
    id: int
    organisation: int
    name: str
    kind: str
    description: str
    supplier: int | None
    schools: list[int]
    personal_data: bool
    data_categories: list[str]
    special_categories: list[str]
    processes_bsn: bool
    pupil_data: bool
    parent_data: bool
    staff_data: bool
    people_count: int | None
    owner_name: str
    supplier_contact: str
    hosting: str
    hosting_country: str
    availability: str
    integrity: str
    confidentiality: str
    sso_supported: bool | None
    mfa_supported: bool | None
    criticality: str
    incident_contacts: str
    incident_first_steps: str
    supplier_incident_contact: str
    supplier_incident_terms: str
    notes: str
    complete: bool
    missing: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class ApplicationPatch(Schema):
    """Every field optional; only the fields sent are changed."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: KindValue | None = None
    description: str | None = None
    supplier: int | None = None
    schools: list[int] | None = None
    personal_data: bool | None = None
    data_categories: list[str] | None = None
    special_categories: list[str] | None = None
    processes_bsn: bool | None = None
    pupil_data: bool | None = None
    parent_data: bool | None = None
    staff_data: bool | None = None
    people_count: int | None = Field(default=None, ge=0)
    owner_name: str | None = Field(default=None, max_length=200)
    supplier_contact: str | None = Field(default=None, max_length=300)
    hosting: HostingValue | None = None
    hosting_country: str | None = Field(default=None, max_length=2)
    availability: LevelValue | None = None
    integrity: LevelValue | None = None
    confidentiality: LevelValue | None = None
    sso_supported: bool | None = None
    mfa_supported: bool | None = None
    criticality: CriticalityValue | None = None
    incident_contacts: str | None = None
    incident_first_steps: str | None = None
    supplier_incident_contact: str | None = Field(default=None, max_length=300)
    supplier_incident_terms: str | None = None
    notes: str | None = None


class ApplicationIn(ApplicationPatch):
    name: str = Field(min_length=1, max_length=200)
    kind: KindValue


# Fields that may be set to null; the others keep their value when null is sent in a PATCH.
APPLICATION_NULLABLE = {"supplier", "people_count", "sso_supported", "mfa_supported"}


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class ImportProblemOut(Schema):
    loc: list[str]
    msg: str
    type: str
    row: int | None
    column: str
    value: str


class ImportRejectedOut(Schema):
    detail: list[ImportProblemOut]


class ActivityOut(Schema):
    id: int
    organisation: int
    name: str
    controller: str
    fg_contact: str
    purposes: str
    legal_basis: str
    legal_basis_note: str
    data_subject_categories: list[str]
    data_categories: list[str]
    special_categories: list[str]
    recipients: str
    transfers_outside_eea: bool
    transfer_countries: str
    transfer_safeguards: str
    retention: str
    security_measures: str
    applications: list[int]
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ActivityPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    controller: str | None = Field(default=None, max_length=300)
    fg_contact: str | None = Field(default=None, max_length=300)
    purposes: str | None = Field(default=None, min_length=1)
    legal_basis: LegalBasisValue | None = None
    legal_basis_note: str | None = None
    data_subject_categories: list[str] | None = None
    data_categories: list[str] | None = None
    special_categories: list[str] | None = None
    recipients: str | None = None
    transfers_outside_eea: bool | None = None
    transfer_countries: str | None = Field(default=None, max_length=300)
    transfer_safeguards: str | None = None
    retention: str | None = None
    security_measures: str | None = None
    applications: list[int] | None = None
    notes: str | None = None


class ActivityIn(ActivityPatch):
    name: str = Field(min_length=1, max_length=200)
    purposes: str = Field(min_length=1)


def _application_out(application: Application) -> ApplicationOut:
    missing = missing_items(application)
    derived = {"organisation", "supplier", "schools", "complete", "missing"}
    values = {
        name: getattr(application, name)
        for name in ApplicationOut.model_fields
        if name not in derived
    }
    values.update(
        organisation=application.organisation_id,
        supplier=application.supplier_id,
        schools=sorted(school.pk for school in application.schools.all()),
        complete=not missing,
        missing=[str(item) for item in missing],
    )
    return ApplicationOut(**values)


def _activity_out(activity: ProcessingActivity) -> ActivityOut:
    values = {
        name: getattr(activity, name)
        for name in ActivityOut.model_fields
        if name not in ("organisation", "applications")
    }
    return ActivityOut(
        **values,
        organisation=activity.organisation_id,
        applications=sorted(app.pk for app in activity.applications.all()),
    )


def _applications(request: HttpRequest, organisation: Organisation) -> Any:
    return _applications_for_user(request.user, organisation).prefetch_related("schools")


def _application(request: HttpRequest, org_id: int, pk: int) -> Application:
    organisation = register_organisation(request.user, org_id)
    application = _applications(request, organisation).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def _activities(request: HttpRequest, organisation: Organisation) -> Any:
    return activities_for_user(request.user, organisation).prefetch_related("applications")


def _activity(request: HttpRequest, org_id: int, pk: int) -> ProcessingActivity:
    organisation = register_organisation(request.user, org_id)
    activity = _activities(request, organisation).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def _check_filters(
    *, school: int | None = None, **choices: tuple[str | None, tuple[str, ...]]
) -> None:
    """Refuse an unknown choice or an impossible id in a list's filters (422 naming it).

    Checked here rather than typed as ``Literal`` parameters: ``@paginate`` cannot resolve
    such types in a module with postponed annotations.
    """
    errors: dict[str, list[str]] = {}
    for name, (value, allowed) in choices.items():
        if value and value not in allowed:
            errors[name] = [
                _("Onbekende waarde; kies uit: %(values)s.")
                % {"values": ", ".join(v for v in allowed if v)}
            ]
    if school is not None and not 0 < school <= MAX_ID:
        errors["school"] = [_("Onbekende school.")]
    if errors:
        raise ValidationError(errors)


def _patch_values(payload: Schema, nullable: set[str]) -> dict[str, Any]:
    values = payload.dict(exclude_unset=True)
    return {k: v for k, v in values.items() if v is not None or k in nullable}


# Applications ---------------------------------------------------------------------------------


@router.get(
    "/organisations/{org_id}/applications",
    response=list[ApplicationOut],
    summary="Applicaties (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_applications(
    request: HttpRequest,
    org_id: int,
    kind: str | None = None,
    school: int | None = None,
    incomplete: bool = False,
    search: str | None = None,
) -> Any:
    organisation = register_organisation(request.user, org_id)
    _check_filters(kind=(kind, KIND_VALUES), school=school)
    selection = ApplicationFilter(kind=kind, school=school, incomplete=incomplete, search=search)
    return ConvertedPage(
        filter_applications(_applications(request, organisation), selection), _application_out
    )


@router.post(
    "/organisations/{org_id}/applications/import",
    response={200: ImportOut, 422: ImportRejectedOut},
    summary="Applicaties importeren uit XLSX of CSV (alles of niets)",
)
def import_applications(request: HttpRequest, org_id: int, file: File[UploadedFile]) -> Any:
    organisation = register_organisation(request.user, org_id)
    content = file.read(MAX_IMPORT_BYTES + 1)
    try:
        result = services.import_applications(
            Actor.for_user(request.user), organisation, file.name or "", content
        )
    except ImportRejected as error:
        return Status(
            422,
            ImportRejectedOut(
                detail=[
                    ImportProblemOut(
                        loc=["body", "file"],
                        msg=problem.reason,
                        type="import_error",
                        row=problem.line,
                        column=problem.column,
                        value=problem.value,
                    )
                    for problem in error.problems
                ]
            ),
        )
    return ImportOut(created=result.created, updated=result.updated, unchanged=result.unchanged)


@router.post(
    "/organisations/{org_id}/applications",
    response={201: ApplicationOut},
    summary="Nieuwe applicatie",
)
def create_application(
    request: HttpRequest, org_id: int, payload: ApplicationIn
) -> Status[ApplicationOut]:
    organisation = register_organisation(request.user, org_id)
    values = payload.dict()
    for name in ("hosting", "personal_data"):
        if values[name] is None:
            values.pop(name)
    values = {k: v for k, v in values.items() if v is not None or k in APPLICATION_NULLABLE}
    application = services.create_application(Actor.for_user(request.user), organisation, **values)
    return Status(201, _application_out(_application(request, org_id, application.pk)))


@router.get(
    "/organisations/{org_id}/applications/{application_id}",
    response=ApplicationOut,
    summary="Eén applicatie",
)
def get_application(request: HttpRequest, org_id: int, application_id: int) -> ApplicationOut:
    return _application_out(_application(request, org_id, application_id))


@router.patch(
    "/organisations/{org_id}/applications/{application_id}",
    response=ApplicationOut,
    summary="Een applicatie deels wijzigen",
)
def update_application(
    request: HttpRequest, org_id: int, application_id: int, payload: ApplicationPatch
) -> ApplicationOut:
    application = _application(request, org_id, application_id)
    services.update_application(
        Actor.for_user(request.user),
        application,
        **_patch_values(payload, APPLICATION_NULLABLE),
    )
    return _application_out(_application(request, org_id, application_id))


@router.delete(
    "/organisations/{org_id}/applications/{application_id}",
    response={204: None},
    summary="Een applicatie verwijderen",
)
def delete_application(request: HttpRequest, org_id: int, application_id: int) -> Status[None]:
    application = _application(request, org_id, application_id)
    services.delete_application(Actor.for_user(request.user), application)
    return Status(204, None)


# Processing activities ------------------------------------------------------------------------


@router.get(
    "/organisations/{org_id}/processing-activities",
    response=list[ActivityOut],
    summary="Verwerkingen (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_activities(
    request: HttpRequest,
    org_id: int,
    search: str | None = None,
    legal_basis: str | None = None,
) -> Any:
    organisation = register_organisation(request.user, org_id)
    _check_filters(legal_basis=(legal_basis, LEGAL_BASIS_VALUES))
    selection = ActivityFilter(search=search, legal_basis=legal_basis)
    return ConvertedPage(
        filter_activities(_activities(request, organisation), selection), _activity_out
    )


@router.post(
    "/organisations/{org_id}/processing-activities",
    response={201: ActivityOut},
    summary="Nieuwe verwerking",
)
def create_activity(request: HttpRequest, org_id: int, payload: ActivityIn) -> Status[ActivityOut]:
    organisation = register_organisation(request.user, org_id)
    values = {k: v for k, v in payload.dict().items() if v is not None}
    activity = services.create_processing_activity(
        Actor.for_user(request.user), organisation, **values
    )
    return Status(201, _activity_out(_activity(request, org_id, activity.pk)))


@router.get(
    "/organisations/{org_id}/processing-activities/{activity_id}",
    response=ActivityOut,
    summary="Eén verwerking",
)
def get_activity(request: HttpRequest, org_id: int, activity_id: int) -> ActivityOut:
    return _activity_out(_activity(request, org_id, activity_id))


@router.patch(
    "/organisations/{org_id}/processing-activities/{activity_id}",
    response=ActivityOut,
    summary="Een verwerking deels wijzigen",
)
def update_activity(
    request: HttpRequest, org_id: int, activity_id: int, payload: ActivityPatch
) -> ActivityOut:
    activity = _activity(request, org_id, activity_id)
    services.update_processing_activity(
        Actor.for_user(request.user), activity, **_patch_values(payload, set())
    )
    return _activity_out(_activity(request, org_id, activity_id))


@router.delete(
    "/organisations/{org_id}/processing-activities/{activity_id}",
    response={204: None},
    summary="Een verwerking verwijderen",
)
def delete_activity(request: HttpRequest, org_id: int, activity_id: int) -> Status[None]:
    activity = _activity(request, org_id, activity_id)
    services.delete_processing_activity(Actor.for_user(request.user), activity)
    return Status(204, None)
