"""``/api/v1/suppliers`` (the sector catalogue and the caller's boards' own suppliers) and
``/api/v1/organisations/{org_id}/agreements`` (processing agreements).

Thin: the same scoping, queries and services as the pages. Outside the caller's reach is 404;
inside it, a refused write (no grant, read-only token) is 403; a bad value is 422 naming the
field. The agreement's document is uploaded and downloaded in the web interface only; the API
shows whether there is one (``document_name``, ``sha256``).
"""

from __future__ import annotations

import datetime as dt
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
from schildwacht.suppliers import services
from schildwacht.suppliers.models import (
    Agreement,
    AgreementStatus,
    ConvenantStatus,
    Supplier,
    catalogue_ids,
)
from schildwacht.suppliers.queries import (
    AgreementFilter,
    SupplierFilter,
    agreements_for_user,
    filter_agreements,
    is_expiring,
    is_valid,
    privacy_organisation,
    supplier_for_user,
    suppliers_for_user,
)

router = Router(tags=["suppliers"])

ConvenantValue = Literal["participant", "supporter", "none"]
ModelValue = Literal["model_4", "education", "supplier", "other"]
StatusValue = Literal["draft", "signed", "expired", "terminated"]


class SupplierOut(Schema):
    id: int
    organisation: int
    shared: bool
    name: str
    kvk_number: str
    convenant_status: str
    certifications: list[str]
    sub_processors: str
    data_locations: str
    website: str
    incident_contact: str
    notes: str
    updated_at: dt.datetime


class SupplierIn(Schema):
    organisation: int
    name: str = Field(min_length=1, max_length=200)
    kvk_number: str = Field(default="", max_length=8)
    convenant_status: ConvenantValue = "none"
    certifications: list[str] = []
    sub_processors: str = ""
    data_locations: str = Field(default="", max_length=300)
    website: str = Field(default="", max_length=200)
    incident_contact: str = Field(default="", max_length=300)
    notes: str = ""


class SupplierPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kvk_number: str | None = Field(default=None, max_length=8)
    convenant_status: ConvenantValue | None = None
    certifications: list[str] | None = None
    sub_processors: str | None = None
    data_locations: str | None = Field(default=None, max_length=300)
    website: str | None = Field(default=None, max_length=200)
    incident_contact: str | None = Field(default=None, max_length=300)
    notes: str | None = None


def _supplier_out(supplier: Supplier) -> SupplierOut:
    return SupplierOut(
        id=supplier.pk,
        organisation=supplier.organisation_id,
        shared=supplier.organisation.kind == "sector",
        name=supplier.name,
        kvk_number=supplier.kvk_number,
        convenant_status=supplier.convenant_status,
        certifications=list(supplier.certifications),
        sub_processors=supplier.sub_processors,
        data_locations=supplier.data_locations,
        website=supplier.website,
        incident_contact=supplier.incident_contact,
        notes=supplier.notes,
        updated_at=supplier.updated_at,
    )


@router.get(
    "/suppliers",
    response=list[SupplierOut],
    summary="Leveranciers: de catalogus van de sector en de eigen leveranciers van besturen",
)
@paginate(LimitOffsetPagination)
def list_suppliers(request: HttpRequest, search: str = "", convenant_status: str = "") -> Any:
    if not catalogue_ids(request.user):
        raise Http404
    require_known("convenant_status", convenant_status, ConvenantStatus.values)
    selection = SupplierFilter(search=search, convenant_status=convenant_status)
    return ConvertedPage(suppliers_for_user(request.user, selection), _supplier_out)


@router.post("/suppliers", response={201: SupplierOut}, summary="Nieuwe leverancier")
def create_supplier(request: HttpRequest, payload: SupplierIn) -> Status[SupplierOut]:
    if payload.organisation not in catalogue_ids(request.user):
        raise Http404
    organisation = Organisation.objects.get(pk=payload.organisation)
    values = payload.dict()
    values.pop("organisation")
    supplier = services.create_supplier(Actor.for_user(request.user), organisation, **values)
    return Status(201, _supplier_out(supplier_for_user(request.user, supplier.pk)))


@router.get("/suppliers/{supplier_id}", response=SupplierOut, summary="Eén leverancier")
def get_supplier(request: HttpRequest, supplier_id: int) -> SupplierOut:
    return _supplier_out(supplier_for_user(request.user, supplier_id))


@router.patch(
    "/suppliers/{supplier_id}", response=SupplierOut, summary="Een leverancier deels wijzigen"
)
def update_supplier(request: HttpRequest, supplier_id: int, payload: SupplierPatch) -> SupplierOut:
    supplier = supplier_for_user(request.user, supplier_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_supplier(Actor.for_user(request.user), supplier, **values)
    return _supplier_out(supplier_for_user(request.user, supplier_id))


@router.delete(
    "/suppliers/{supplier_id}", response={204: None}, summary="Een leverancier verwijderen"
)
def delete_supplier(request: HttpRequest, supplier_id: int) -> Status[None]:
    supplier = supplier_for_user(request.user, supplier_id)
    services.delete_supplier(Actor.for_user(request.user), supplier)
    return Status(204, None)


# Agreements ----------------------------------------------------------------------------------


class AgreementOut(Schema):
    id: int
    organisation: int
    supplier: int
    supplier_name: str
    applications: list[int]
    title: str
    model: str
    status: str
    valid: bool
    expiring: bool
    signed_on: dt.date | None
    expires_on: dt.date | None
    privacy_annex: bool
    security_annex: bool
    sub_processors: str
    breach_notification_hours: int | None
    document_name: str
    sha256: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class AgreementIn(Schema):
    supplier: int
    applications: list[int] = []
    title: str = Field(min_length=1, max_length=200)
    model: ModelValue
    status: StatusValue = "draft"
    signed_on: dt.date | None = None
    expires_on: dt.date | None = None
    privacy_annex: bool = False
    security_annex: bool = False
    sub_processors: str = ""
    breach_notification_hours: int | None = Field(default=None, ge=1)
    notes: str = ""


class AgreementPatch(Schema):
    supplier: int | None = None
    applications: list[int] | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    model: ModelValue | None = None
    status: StatusValue | None = None
    signed_on: dt.date | None = None
    expires_on: dt.date | None = None
    privacy_annex: bool | None = None
    security_annex: bool | None = None
    sub_processors: str | None = None
    breach_notification_hours: int | None = Field(default=None, ge=1)
    notes: str | None = None


# Fields that may be set to null in a PATCH; the others keep their value when null is sent.
NULLABLE = {"signed_on", "expires_on", "breach_notification_hours"}


def _agreement_out(agreement: Agreement, day: dt.date | None = None) -> AgreementOut:
    day = day or timezone.localdate()
    return AgreementOut(
        id=agreement.pk,
        organisation=agreement.organisation_id,
        supplier=agreement.supplier_id,
        supplier_name=agreement.supplier.name,
        applications=[a.pk for a in agreement.applications.all()],
        title=agreement.title,
        model=agreement.model,
        status=agreement.status,
        valid=is_valid(agreement, day),
        expiring=is_expiring(agreement, day),
        signed_on=agreement.signed_on,
        expires_on=agreement.expires_on,
        privacy_annex=agreement.privacy_annex,
        security_annex=agreement.security_annex,
        sub_processors=agreement.sub_processors,
        breach_notification_hours=agreement.breach_notification_hours,
        document_name=agreement.document_name,
        sha256=agreement.sha256,
        notes=agreement.notes,
        created_at=agreement.created_at,
        updated_at=agreement.updated_at,
    )


def _agreement(request: HttpRequest, org_id: int, pk: int) -> Agreement:
    organisation = privacy_organisation(request.user, org_id)
    agreement = agreements_for_user(request.user, organisation).filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


@router.get(
    "/organisations/{org_id}/agreements",
    response=list[AgreementOut],
    summary="Verwerkersovereenkomsten (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_agreements(
    request: HttpRequest,
    org_id: int,
    status: str = "",
    supplier: int | None = None,
    expiring: bool = False,
) -> Any:
    organisation = privacy_organisation(request.user, org_id)
    require_known("status", status, AgreementStatus.values)
    day = timezone.localdate()
    agreements = filter_agreements(
        agreements_for_user(request.user, organisation),
        AgreementFilter(status=status, supplier=supplier, expiring=expiring),
        day,
    )
    return ConvertedPage(agreements, lambda agreement: _agreement_out(agreement, day))


@router.post(
    "/organisations/{org_id}/agreements",
    response={201: AgreementOut},
    summary="Nieuwe verwerkersovereenkomst",
)
def create_agreement(
    request: HttpRequest, org_id: int, payload: AgreementIn
) -> Status[AgreementOut]:
    organisation = privacy_organisation(request.user, org_id)
    agreement = services.create_agreement(
        Actor.for_user(request.user), organisation, **payload.dict()
    )
    return Status(201, _agreement_out(_agreement(request, org_id, agreement.pk)))


@router.get(
    "/organisations/{org_id}/agreements/{agreement_id}",
    response=AgreementOut,
    summary="Eén verwerkersovereenkomst",
)
def get_agreement(request: HttpRequest, org_id: int, agreement_id: int) -> AgreementOut:
    return _agreement_out(_agreement(request, org_id, agreement_id))


@router.patch(
    "/organisations/{org_id}/agreements/{agreement_id}",
    response=AgreementOut,
    summary="Een verwerkersovereenkomst deels wijzigen",
)
def update_agreement(
    request: HttpRequest, org_id: int, agreement_id: int, payload: AgreementPatch
) -> AgreementOut:
    agreement = _agreement(request, org_id, agreement_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k in NULLABLE}
    services.update_agreement(Actor.for_user(request.user), agreement, **values)
    return _agreement_out(_agreement(request, org_id, agreement_id))


@router.delete(
    "/organisations/{org_id}/agreements/{agreement_id}",
    response={204: None},
    summary="Een verwerkersovereenkomst verwijderen",
)
def delete_agreement(request: HttpRequest, org_id: int, agreement_id: int) -> Status[None]:
    agreement = _agreement(request, org_id, agreement_id)
    services.delete_agreement(Actor.for_user(request.user), agreement)
    return Status(204, None)
