"""Writing suppliers, a board's own supplier data, agreements and their documents, the expiry
job and the expiry reminders. Reviews are written in ``review_services``.

Every function checks the actor's grant (a system actor may do everything): the sector curator
changes the shared catalogue of its sector node; a board's privacy officer or IBP coordinator
changes the board's own suppliers and supplier data; whoever changes a board's or school's
privacy items changes its agreements. Refusals raise ``SupplierRefused`` (a
``PermissionDenied``) with a Dutch message; bad values raise ``ValidationError`` naming each
field. Changes are written in one transaction with their audit entries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.assessments.uploads import CheckedFile, check_upload
from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import Dpia
from schildwacht.operations.notifications import notify
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids, sector_ids
from schildwacht.registers.models import Application
from schildwacht.suppliers.models import (
    SCOPE_AREA,
    Agreement,
    AgreementStatus,
    ConvenantStatus,
    Review,
    Supplier,
    SupplierDetail,
)
from schildwacht.suppliers.queries import (
    ExpiryDigest,
    available_suppliers,
    expiry_digests,
    selectable_applications,
)

SUPPLIER_FIELDS = (
    "name",
    "kvk_number",
    "convenant_status",
    "certifications",
    "sub_processors",
    "data_locations",
    "website",
    "incident_contact",
    "notes",
)
DETAIL_FIELDS = ("contact_name", "contact_email", "contact_phone", "customer_number", "notes")
AGREEMENT_FIELDS = (
    "supplier",
    "applications",
    "title",
    "model",
    "status",
    "signed_on",
    "expires_on",
    "privacy_annex",
    "security_annex",
    "sub_processors",
    "breach_notification_hours",
    "notes",
)
KVK_PATTERN = re.compile(r"^\d{8}$")
# A term longer than a year is a typing error, not an agreement.
MAX_BREACH_HOURS = 24 * 365


class SupplierRefused(PermissionDenied):
    """The actor reaches the object but may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def user_of(actor: Actor) -> Any:
    """The user to record as ``created_by``/``updated_by`` (None for a system actor)."""
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def _unknown_fields(values: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})


def _full_clean(instance: Any, errors: dict[str, list[str]], exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


# Permissions ---------------------------------------------------------------------------------


def may_change_catalogue(actor: Actor, organisation: Organisation) -> bool:
    """Whether ``actor`` changes the suppliers of ``organisation`` (a sector or a board)."""
    if actor.user is None:
        return True
    if organisation.kind == OrganisationKind.SECTOR:
        return organisation.pk in sector_ids(actor.user, "manage", "catalogues")
    return organisation.pk in organisation_ids(actor.user, "change", SCOPE_AREA)


def may_change(actor: Actor, organisation: Organisation) -> bool:
    """Whether ``actor`` changes the agreements (and board data) of ``organisation``."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, "change", SCOPE_AREA)


def _require_catalogue(actor: Actor, organisation: Organisation) -> None:
    if not may_change_catalogue(actor, organisation):
        raise SupplierRefused(
            _("U mag de leveranciers van %(name)s niet wijzigen.") % {"name": organisation}
        )


def _require_change(actor: Actor, organisation: Organisation) -> None:
    if not may_change(actor, organisation):
        raise SupplierRefused(
            _("U mag de verwerkersovereenkomsten van %(name)s niet wijzigen.")
            % {"name": organisation}
        )


# Suppliers -----------------------------------------------------------------------------------


def _clean_certifications(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[,\n]", value)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors["certifications"] = [_("Geef de certificeringen als een lijst van namen.")]
        return []
    names: list[str] = []
    for name in (v.strip() for v in value):
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name[:100])
    return names


def _validate_supplier(supplier: Supplier, values: dict[str, Any]) -> None:
    _unknown_fields(values, SUPPLIER_FIELDS)
    errors: dict[str, list[str]] = {}
    for name in ("name", "kvk_number", "data_locations", "website", "incident_contact"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    if "certifications" in values:
        values["certifications"] = _clean_certifications(values["certifications"], errors)
    kvk = values.get("kvk_number")
    if kvk and not KVK_PATTERN.match(str(kvk)):
        errors["kvk_number"] = [_("Een KvK-nummer bestaat uit precies 8 cijfers.")]
    website = values.get("website")
    if website:
        try:
            URLValidator(schemes=["https", "http"])(website)
        except ValidationError:
            errors["website"] = [_("Geef een geldig webadres, beginnend met https://.")]
    for name, value in values.items():
        setattr(supplier, name, value)
    if supplier.organisation.kind not in (OrganisationKind.SECTOR, OrganisationKind.BOARD):
        errors["organisation"] = [_("Een leverancier hoort bij de sector of bij een bestuur.")]
    _full_clean(supplier, errors, ["organisation", "created_by", "updated_by", "certifications"])
    duplicate = (
        Supplier.objects.filter(organisation=supplier.organisation, name__iexact=supplier.name)
        .exclude(pk=supplier.pk)
        .exists()
    )
    if supplier.name and duplicate:
        errors.setdefault("name", []).append(
            _("Er is al een leverancier met de naam %(name)s.") % {"name": supplier.name}
        )
    if errors:
        raise ValidationError(errors)


def create_supplier(actor: Actor, organisation: Organisation, **values: Any) -> Supplier:
    """Add a supplier to the sector catalogue (curator) or to a board's own list."""
    _require_catalogue(actor, organisation)
    supplier = Supplier(
        organisation=organisation, created_by=user_of(actor), updated_by=user_of(actor)
    )
    values.setdefault("convenant_status", ConvenantStatus.NONE)
    _validate_supplier(supplier, dict(values))
    with transaction.atomic():
        supplier.save()
        record_change(
            actor, change_for(AuditAction.CREATE, supplier, None, model_snapshot(supplier))
        )
    return supplier


def update_supplier(actor: Actor, supplier: Supplier, **values: Any) -> Supplier:
    """Change the given fields of ``supplier``; it stays with its organisation."""
    _require_catalogue(actor, supplier.organisation)
    before = model_snapshot(supplier)
    _validate_supplier(supplier, dict(values))
    supplier.updated_by = user_of(actor)
    change = change_for(AuditAction.UPDATE, supplier, before, model_snapshot(supplier))
    if change.changes:
        with transaction.atomic():
            supplier.save()
            record_change(actor, change)
    return supplier


def review_snapshot(review: Review) -> dict[str, Any]:
    """The review's fields with every item's verdict and note, as its audit entries name them
    (``<code>.verdict``, ``<code>.note``): deleting a review keeps what it said in the trail."""
    values = model_snapshot(review)
    for item in review.items.all():
        values[f"{item.item}.verdict"] = item.verdict
        values[f"{item.item}.note"] = item.note
    return values


def _deleted_reviews(reviews: Iterable[Review]) -> list[Change]:
    return [change_for(AuditAction.DELETE, r, review_snapshot(r), None) for r in reviews]


def delete_supplier(actor: Actor, supplier: Supplier) -> None:
    """Remove a supplier that no board uses: no agreement, application, board data or board
    review built on its central review points at it.

    Its own board's data at the supplier and its central reviews go with it, each audited. A
    board's data is never removed by another organisation (the curator deleting a shared
    supplier), and which boards use the supplier is not told: the curator sees no board data.
    """
    _require_catalogue(actor, supplier.organisation)
    in_use = (
        Agreement.objects.filter(supplier=supplier).exists()
        or Application.objects.filter(supplier=supplier).exists()
        or Dpia.objects.filter(supplier=supplier).exists()
        or SupplierDetail.objects.filter(supplier=supplier)
        .exclude(organisation=supplier.organisation)
        .exists()
        or Review.objects.filter(base__supplier=supplier).exists()
    )
    if in_use:
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "Deze leverancier is nog in gebruik bij besturen (verwerkersovereenkomsten, "
                        "applicaties, eigen gegevens of beoordelingen) en kan niet worden "
                        "verwijderd."
                    )
                ]
            }
        )
    details = SupplierDetail.objects.filter(supplier=supplier).select_related("organisation")
    reviews = (
        Review.objects.filter(supplier=supplier)
        .select_related("organisation")
        .prefetch_related("items")
    )
    changes = [change_for(AuditAction.DELETE, d, model_snapshot(d), None) for d in details]
    changes += _deleted_reviews(reviews)
    changes.append(change_for(AuditAction.DELETE, supplier, model_snapshot(supplier), None))
    with transaction.atomic():
        supplier.delete()
        record_changes(actor, changes)


def save_supplier_detail(
    actor: Actor, supplier: Supplier, board: Organisation, **values: Any
) -> SupplierDetail:
    """Create or change the board's own data (contacts, customer number, notes) at ``supplier``."""
    _require_change(actor, board)
    _unknown_fields(values, DETAIL_FIELDS)
    if (
        board.kind != OrganisationKind.BOARD
        or not available_suppliers(board).filter(pk=supplier.pk).exists()
    ):
        raise ValidationError({"supplier": [_("Deze leverancier hoort niet bij dit bestuur.")]})
    detail = SupplierDetail.objects.filter(supplier=supplier, organisation=board).first()
    created = detail is None
    if detail is None:
        detail = SupplierDetail(supplier=supplier, organisation=board, created_by=user_of(actor))
    before = None if created else model_snapshot(detail)
    for name, value in values.items():
        setattr(detail, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    _full_clean(detail, errors, ["supplier", "organisation", "created_by", "updated_by"])
    if errors:
        raise ValidationError(errors)
    detail.updated_by = user_of(actor)
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    change = change_for(action, detail, before, model_snapshot(detail))
    if created or change.changes:
        with transaction.atomic():
            detail.save()
            record_change(actor, change)
    return detail


# Agreements ----------------------------------------------------------------------------------


def _snapshot(agreement: Agreement, application_ids: Iterable[int]) -> dict[str, Any]:
    return {**model_snapshot(agreement), "applications": sorted(application_ids)}


def _application_ids(agreement: Agreement) -> list[int]:
    if agreement.pk is None:
        return []
    return sorted(agreement.applications.values_list("pk", flat=True))


def _clean_supplier(agreement: Agreement, value: Any, errors: dict[str, list[str]]) -> None:
    supplier_id = value.pk if isinstance(value, Supplier) else value
    supplier = available_suppliers(agreement.organisation).filter(pk=supplier_id).first()
    if supplier is None:
        errors["supplier"] = [
            _("Kies een leverancier uit de catalogus van de sector of van het eigen bestuur.")
        ]
    elif (
        agreement.pk is not None
        and supplier.pk != agreement.supplier_id
        and Review.objects.filter(agreement=agreement, base__isnull=False).exists()
    ):
        # The review's inherited verdicts are the old supplier's standard agreement's.
        errors["supplier"] = [
            _(
                "De beoordeling van deze overeenkomst bouwt voort op de centrale beoordeling "
                "van de huidige leverancier. Leg voor een andere leverancier een nieuwe "
                "overeenkomst vast."
            )
        ]
    else:
        agreement.supplier = supplier


def _clean_applications(
    agreement: Agreement, values: Iterable[Any], errors: dict[str, list[str]]
) -> list[int]:
    wanted = {value.pk if isinstance(value, Application) else value for value in values}
    try:
        ids = {int(value) for value in wanted}
    except (TypeError, ValueError):
        errors["applications"] = [_("Onbekende applicatie.")]
        return []
    found = set(
        selectable_applications(agreement.organisation)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    missing = sorted(ids - found)
    if missing:
        errors["applications"] = [
            _("Deze applicaties horen niet bij %(name)s: %(ids)s.")
            % {"name": agreement.organisation, "ids": ", ".join(str(i) for i in missing)}
        ]
    return sorted(found)


def _check_dates_and_term(agreement: Agreement, errors: dict[str, list[str]]) -> None:
    if agreement.status == AgreementStatus.SIGNED and agreement.signed_on is None:
        errors.setdefault("signed_on", []).append(
            _("Een getekende overeenkomst heeft een datum van ondertekening.")
        )
    if (
        agreement.signed_on is not None
        and agreement.expires_on is not None
        and agreement.expires_on <= agreement.signed_on
    ):
        errors.setdefault("expires_on", []).append(
            _("De einddatum moet na de datum van ondertekening liggen.")
        )
    hours = agreement.breach_notification_hours
    if hours is not None and not 1 <= hours <= MAX_BREACH_HOURS:
        errors.setdefault("breach_notification_hours", []).append(
            _("Geef de meldtermijn in hele uren, van 1 tot en met %(max)s.")
            % {"max": MAX_BREACH_HOURS}
        )


def _check_document(
    upload: UploadedFile | None, errors: dict[str, list[str]]
) -> CheckedFile | None:
    if upload is None:
        return None
    try:
        return check_upload(upload)
    except ValidationError as error:
        errors["document"] = error.message_dict.get("file", error.messages)
        return None


def _validate_agreement(
    agreement: Agreement, values: dict[str, Any], document: UploadedFile | None = None
) -> tuple[list[int] | None, CheckedFile | None]:
    """Apply and check ``values`` and the upload together, so every bad field is named at
    once; the cleaned application ids (None: not given) and the checked upload."""
    _unknown_fields(values, AGREEMENT_FIELDS)
    errors: dict[str, list[str]] = {}
    checked = _check_document(document, errors)
    if "supplier" in values:
        _clean_supplier(agreement, values.pop("supplier"), errors)
    elif agreement.supplier_id is None:
        errors["supplier"] = [_("Kies een leverancier.")]
    application_ids = (
        _clean_applications(agreement, values.pop("applications") or [], errors)
        if "applications" in values
        else None
    )
    for name, value in values.items():
        setattr(agreement, name, value.strip() if isinstance(value, str) else value)
    _full_clean(
        agreement,
        errors,
        ["organisation", "supplier", "created_by", "updated_by", "document", "last_reminded_at"],
    )
    _check_dates_and_term(agreement, errors)
    if errors:
        raise ValidationError(errors)
    return application_ids, checked


def _store_document(agreement: Agreement, upload: UploadedFile, checked: CheckedFile) -> None:
    """Point the agreement at the checked upload, stored once per organisation and digest."""
    unchanged = bool(agreement.document) and agreement.sha256 == checked.sha256
    agreement.document_name = (upload.name or "")[:255]
    agreement.content_type = checked.content_type
    agreement.size = checked.size
    agreement.sha256 = checked.sha256
    if unchanged:
        return
    same = (
        Agreement.objects.filter(organisation=agreement.organisation, sha256=checked.sha256)
        .exclude(document="")
        .exclude(pk=agreement.pk)
        .values_list("document", flat=True)
        .first()
    )
    if same and agreement.document.storage.exists(same):
        agreement.document.name = same
    else:
        agreement.document.save(upload.name or "document", upload, save=False)


def _clear_document(agreement: Agreement) -> None:
    agreement.document.name = ""
    agreement.document_name = ""
    agreement.content_type = ""
    agreement.size = None
    agreement.sha256 = ""


def _delete_unused_file(name: str, storage: Any) -> None:
    """After commit, delete the stored file ``name`` unless an agreement still points at it."""
    if name and not Agreement.objects.filter(document=name).exists():
        transaction.on_commit(partial(storage.delete, name))


def create_agreement(
    actor: Actor,
    organisation: Organisation,
    *,
    document: UploadedFile | None = None,
    **values: Any,
) -> Agreement:
    """Record an agreement of a board or school, optionally with its document."""
    _require_change(actor, organisation)
    agreement = Agreement(
        organisation=organisation, created_by=user_of(actor), updated_by=user_of(actor)
    )
    values.setdefault("applications", [])
    ids, checked = _validate_agreement(agreement, dict(values), document)
    application_ids = ids or []
    with transaction.atomic():
        if document is not None and checked is not None:
            _store_document(agreement, document, checked)
        agreement.save()
        agreement.applications.set(application_ids)
        record_change(
            actor,
            change_for(AuditAction.CREATE, agreement, None, _snapshot(agreement, application_ids)),
        )
    return agreement


def update_agreement(
    actor: Actor,
    agreement: Agreement,
    *,
    document: UploadedFile | None = None,
    remove_document: bool = False,
    **values: Any,
) -> Agreement:
    """Change the given fields; a new document replaces the old, whose file is deleted once no
    agreement points at it. A new expiry date or status starts the reminders afresh."""
    _require_change(actor, agreement.organisation)
    old_ids = _application_ids(agreement)
    before = _snapshot(agreement, old_ids)
    old_file, storage = agreement.document.name or "", agreement.document.storage
    old_term = (agreement.expires_on, agreement.status)
    application_ids, checked = _validate_agreement(agreement, dict(values), document)
    if (agreement.expires_on, agreement.status) != old_term:
        agreement.last_reminded_at = None
    agreement.updated_by = user_of(actor)
    with transaction.atomic():
        if document is not None and checked is not None:
            _store_document(agreement, document, checked)
        elif remove_document:
            _clear_document(agreement)
        new_ids = old_ids if application_ids is None else application_ids
        change = change_for(AuditAction.UPDATE, agreement, before, _snapshot(agreement, new_ids))
        if not change.changes:
            return agreement
        agreement.save()
        if new_ids != old_ids:
            agreement.applications.set(new_ids)
        record_change(actor, change)
        if old_file and old_file != agreement.document.name:
            _delete_unused_file(old_file, storage)
    return agreement


def remove_agreement_document(actor: Actor, agreement: Agreement) -> Agreement:
    """Take the document off an agreement (the file goes when nothing else uses it)."""
    return update_agreement(actor, agreement, remove_document=True)


def delete_agreement(actor: Actor, agreement: Agreement) -> None:
    """Remove an agreement with its reviews; its document file goes when nothing else uses it."""
    _require_change(actor, agreement.organisation)
    reviews = (
        Review.objects.filter(agreement=agreement)
        .select_related("organisation")
        .prefetch_related("items")
    )
    changes = _deleted_reviews(reviews)
    changes.append(
        change_for(
            AuditAction.DELETE, agreement, _snapshot(agreement, _application_ids(agreement)), None
        )
    )
    name, storage = agreement.document.name or "", agreement.document.storage
    with transaction.atomic():
        agreement.delete()
        record_changes(actor, changes)
        _delete_unused_file(name, storage)


# Expiry and reminders ------------------------------------------------------------------------


def expire_agreements(actor: Actor, day: dt.date | None = None) -> list[Agreement]:
    """Move signed agreements whose expiry date has passed to "verlopen" (daily job).

    Figures do not wait for this (see ``queries``); it keeps the status people read in lists
    and exports true, with an audit entry for each change.
    """
    day = day or timezone.localdate()
    expired = list(
        Agreement.objects.filter(status=AgreementStatus.SIGNED, expires_on__lt=day)
        .select_related("organisation")
        .order_by("pk")
    )
    if not expired:
        return []
    changes: list[Change] = []
    for agreement in expired:
        changes.append(
            change_for(
                AuditAction.UPDATE,
                agreement,
                {"status": agreement.status},
                {"status": AgreementStatus.EXPIRED.value},
            )
        )
        agreement.status = AgreementStatus.EXPIRED
    with transaction.atomic():
        Agreement.objects.filter(pk__in=[a.pk for a in expired]).update(
            status=AgreementStatus.EXPIRED, updated_at=timezone.now()
        )
        record_changes(actor, changes)
    return expired


def send_expiry_reminders(actor: Actor, now: dt.datetime | None = None) -> list[ExpiryDigest]:
    """E-mail each privacy officer and IBP coordinator the signed agreements of their board (or
    school) that expire within 60 days, and stamp ``last_reminded_at``.

    An agreement is included at most once per 14 days (see ``queries.expiry_digests``); the
    e-mails are queued on commit, so nothing is sent when stamping fails.
    """
    now = now or timezone.now()
    digests = expiry_digests(now)
    if not digests:
        return []
    stamped: dict[int, Agreement] = {
        agreement.pk: agreement for digest in digests for agreement in digest.agreements
    }
    changes = []
    for agreement in stamped.values():
        before = {"last_reminded_at": model_snapshot(agreement)["last_reminded_at"]}
        agreement.last_reminded_at = now
        after = {"last_reminded_at": model_snapshot(agreement)["last_reminded_at"]}
        changes.append(change_for(AuditAction.UPDATE, agreement, before, after))
    with transaction.atomic():
        Agreement.objects.bulk_update(list(stamped.values()), ["last_reminded_at"])
        record_changes(actor, changes)
        for digest in digests:
            notify(
                [digest.user.email],
                "suppliers/email/expiring_agreements.txt",
                {
                    "user": digest.user,
                    "agreements": [
                        (a, (a.expires_on - digest.today).days if a.expires_on else None)
                        for a in digest.agreements
                    ],
                    "today": digest.today,
                },
            )
    return digests
