"""Writing the registers: applications (one by one and by import) and processing activities.

Every function checks the actor's ``change`` grant on the item's organisation in the privacy
area (a system actor may do everything), validates every value (``ValidationError`` naming
each bad field, in Dutch) and writes inside one transaction with its audit entries. The links
(schools that use an application, applications a processing activity uses) are recorded in the
audit values as sorted id lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.registers.queries import linkable_applications_q
from schildwacht.registers.reference import Kind, in_file_order, unknown_codes
from schildwacht.suppliers.models import Supplier
from schildwacht.suppliers.queries import available_suppliers

if TYPE_CHECKING:
    from schildwacht.registers.importers import ImportPlan

APPLICATION_FIELDS = (
    "name",
    "kind",
    "description",
    "supplier",
    "schools",
    "personal_data",
    "data_categories",
    "special_categories",
    "processes_bsn",
    "pupil_data",
    "parent_data",
    "staff_data",
    "people_count",
    "owner_name",
    "supplier_contact",
    "hosting",
    "hosting_country",
    "availability",
    "integrity",
    "confidentiality",
    "sso_supported",
    "mfa_supported",
    "criticality",
    "incident_contacts",
    "incident_first_steps",
    "supplier_incident_contact",
    "supplier_incident_terms",
    "notes",
)
ACTIVITY_FIELDS = (
    "name",
    "controller",
    "fg_contact",
    "purposes",
    "legal_basis",
    "legal_basis_note",
    "data_subject_categories",
    "data_categories",
    "special_categories",
    "recipients",
    "transfers_outside_eea",
    "transfer_countries",
    "transfer_safeguards",
    "retention",
    "security_measures",
    "applications",
    "notes",
)
CODE_FIELDS = {
    "data_categories": Kind.DATA,
    "special_categories": Kind.SPECIAL,
    "data_subject_categories": Kind.SUBJECTS,
}
# Personal-data details that only an application holding personal data can have.
PERSONAL_DETAILS = (
    "data_categories",
    "special_categories",
    "processes_bsn",
    "pupil_data",
    "parent_data",
    "staff_data",
)
COUNTRY = re.compile(r"^[A-Z]{2}$")


class RegisterRefused(PermissionDenied):
    """The actor reaches the register entry but may not change it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def may(actor: Actor, organisation: Organisation, action: str = "change") -> bool:
    """Whether ``actor`` holds ``action`` on the registers of ``organisation``."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, action, Application.scope_area)


def require_change(actor: Actor, organisation: Organisation) -> None:
    """Raise ``RegisterRefused`` unless ``actor`` may change the registers of ``organisation``."""
    if not may(actor, organisation):
        raise RegisterRefused(
            _("U mag de registers van %(name)s niet wijzigen.") % {"name": organisation}
        )


def _name_taken(error: IntegrityError) -> ValidationError:
    """A write that lost a race for a name (two people saving the same name at once)."""
    return ValidationError(
        {"name": [_("Deze naam is zojuist door iemand anders gebruikt; kies een andere.")]}
    )


def _user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


# Validation -----------------------------------------------------------------------------------


def _clean_codes(name: str, values: Any, errors: dict[str, list[str]]) -> list[str]:
    """Known codes in file order; unknown ones are an error naming the field."""
    if not isinstance(values, list | tuple):
        errors[name] = [_("Geef een lijst met codes.")]
        return []
    codes = [str(value).strip() for value in values if str(value).strip()]
    unknown = unknown_codes(CODE_FIELDS[name], codes)
    if unknown:
        errors[name] = [_("Onbekende code: %(codes)s.") % {"codes": ", ".join(unknown)}]
    return in_file_order(CODE_FIELDS[name], codes)


def _clean_text_fields(instance: Model, values: dict[str, Any]) -> None:
    for field in instance._meta.concrete_fields:
        if isinstance(values.get(field.name), str):
            values[field.name] = values[field.name].strip()


def _apply(
    instance: Model, values: dict[str, Any], errors: dict[str, list[str]], exclude: list[str]
) -> None:
    """Set ``values`` on ``instance`` and collect the model's own field errors."""
    for name, value in values.items():
        setattr(instance, name, value)
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            # A field already refused with our own, clearer reason keeps only that one.
            errors.setdefault(name, messages)


def _check_supplier(
    organisation: Organisation, value: Any, errors: dict[str, list[str]]
) -> Supplier | None:
    if value in (None, ""):
        return None
    supplier = available_suppliers(organisation).filter(pk=_pk(value)).first()
    if supplier is None:
        errors["supplier"] = [
            _("Kies een leverancier uit de catalogus van de sector of van het bestuur.")
        ]
    return supplier


def _check_schools(
    organisation: Organisation, values: Iterable[Any], errors: dict[str, list[str]]
) -> list[int]:
    ids = sorted({int(_pk(value)) for value in values})
    if not ids:
        return []
    if organisation.kind != OrganisationKind.BOARD:
        errors["schools"] = [
            _("Alleen een applicatie van het bestuur wordt door scholen gebruikt.")
        ]
        return []
    found = set(
        Organisation.objects.filter(
            pk__in=ids, parent=organisation, kind=OrganisationKind.SCHOOL
        ).values_list("pk", flat=True)
    )
    if set(ids) - found:
        errors["schools"] = [_("Kies alleen scholen van %(board)s.") % {"board": organisation}]
    return ids


def _check_name(instance: Application | ProcessingActivity, errors: dict[str, list[str]]) -> None:
    if not instance.name:
        return
    others = type(instance).objects.filter(
        organisation_id=instance.organisation_id, name__iexact=instance.name
    )
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        errors.setdefault("name", []).append(
            _("Er is al een %(what)s met deze naam bij %(organisation)s.")
            % {"what": instance._meta.verbose_name, "organisation": instance.organisation}
        )


def check_application_values(
    application: Application, values: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """Apply and check the plain values of an application (no relations, no database).

    Shared by the services and the importer, so a file row is held to the same rules as a form.
    """
    unknown = set(values) - set(APPLICATION_FIELDS)
    for name in sorted(unknown):
        errors[name] = [_("Onbekend veld.")]
        values.pop(name)
    for name in ("data_categories", "special_categories"):
        if name in values:
            values[name] = _clean_codes(name, values[name], errors)
    _clean_text_fields(application, values)
    if values.get("hosting_country"):
        values["hosting_country"] = values["hosting_country"].upper()
        if not COUNTRY.match(values["hosting_country"]):
            errors["hosting_country"] = [
                _("Vul een landcode van twee letters in (bijvoorbeeld NL of IE).")
            ]
    _apply(
        application,
        values,
        errors,
        exclude=["organisation", "supplier", "schools", "created_by", "updated_by"],
    )
    if not application.personal_data:
        for name in PERSONAL_DETAILS:
            if getattr(application, name) and name not in errors:
                errors[name] = [
                    _(
                        "Een applicatie zonder persoonsgegevens kan dit niet hebben; "
                        "zet 'bevat persoonsgegevens' aan of maak dit veld leeg."
                    )
                ]


def _validate_application(application: Application, values: dict[str, Any]) -> list[int] | None:
    """Apply ``values`` to ``application`` and check them all; raise one error naming every
    field. Returns the school ids to link (None: not given, keep as they are)."""
    errors: dict[str, list[str]] = {}
    school_values = values.pop("schools", None)
    if "supplier" in values:
        values["supplier"] = _check_supplier(application.organisation, values["supplier"], errors)
        if "supplier" in errors:
            values.pop("supplier")
    check_application_values(application, values, errors)
    schools = (
        _check_schools(application.organisation, school_values, errors)
        if school_values is not None
        else None
    )
    _check_name(application, errors)
    if errors:
        raise ValidationError(errors)
    return schools


def application_snapshot(application: Application, schools: Iterable[int]) -> dict[str, Any]:
    return {**model_snapshot(application), "schools": sorted(schools)}


def _school_ids(application: Application) -> list[int]:
    if application.pk is None:
        return []
    return sorted(application.schools.values_list("pk", flat=True))


# Applications ---------------------------------------------------------------------------------


def create_application(actor: Actor, organisation: Organisation, **values: Any) -> Application:
    """Add an application to the register of ``organisation`` (a board or a school)."""
    require_change(actor, organisation)
    application = Application(
        organisation=organisation, created_by=_user(actor), updated_by=_user(actor)
    )
    schools = _validate_application(application, dict(values)) or []
    try:
        with transaction.atomic():
            application.save()
            application.schools.set(schools)
            record_change(
                actor,
                change_for(
                    AuditAction.CREATE,
                    application,
                    None,
                    application_snapshot(application, schools),
                ),
            )
    except IntegrityError as error:
        raise _name_taken(error) from error
    return application


def update_application(actor: Actor, application: Application, **values: Any) -> Application:
    """Change the given fields of ``application``; its organisation stays as it is."""
    require_change(actor, application.organisation)
    old_schools = _school_ids(application)
    before = application_snapshot(application, old_schools)
    try:
        schools = _validate_application(application, dict(values))
    except ValidationError:
        # Leave no refused value behind on the caller's object.
        application.refresh_from_db()
        raise
    application.updated_by = _user(actor)
    after = application_snapshot(application, old_schools if schools is None else schools)
    change = change_for(AuditAction.UPDATE, application, before, after)
    if not change.changes:
        return application
    try:
        with transaction.atomic():
            application.save()
            if schools is not None and schools != old_schools:
                application.schools.set(schools)
            record_change(actor, change)
    except IntegrityError as error:
        application.refresh_from_db()
        raise _name_taken(error) from error
    return application


def delete_application(actor: Actor, application: Application) -> None:
    """Remove an application; its links to schools, processing activities and agreements go
    with it, and the audit entry keeps which they were."""
    require_change(actor, application.organisation)
    before = {
        **application_snapshot(application, _school_ids(application)),
        "processing_activities": sorted(
            application.processing_activities.values_list("pk", flat=True)
        ),
        "agreements": sorted(application.agreements.values_list("pk", flat=True)),
    }
    change = change_for(AuditAction.DELETE, application, before, None)
    with transaction.atomic():
        application.delete()
        record_change(actor, change)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: how many applications it added, changed and left as they were."""

    created: int
    updated: int
    unchanged: int


def import_applications(
    actor: Actor, organisation: Organisation, name: str, content: bytes
) -> ImportResult:
    """Import applications from an XLSX or CSV file into ``organisation``'s register.

    All or nothing: ``importers.plan_application_import`` checks the whole file first and raises
    ``ImportRejected`` naming every bad row and field; then every new and changed application is
    written in one transaction with one audit entry each. Rows match existing applications by
    organisation and name (case-insensitive), so running the same file again changes nothing.
    """
    from schildwacht.registers.importers import plan_application_import
    from schildwacht.registers.reading import whole_file

    require_change(actor, organisation)
    reach = Organisation.objects.filter(path__startswith=organisation.path)
    if actor.user is not None:
        reach = reach.filter(pk__in=organisation_ids(actor.user, "change", Application.scope_area))
    changeable = frozenset(reach.values_list("pk", flat=True))
    try:
        with transaction.atomic():
            plan = plan_application_import(organisation, changeable, name, content)
            _write_import(actor, plan)
    except IntegrityError as error:
        # Someone else added an application of the same name while the file was checked.
        raise whole_file(
            _("Iemand anders heeft tegelijk applicaties gewijzigd; importeer het bestand opnieuw.")
        ) from error
    return ImportResult(len(plan.created), len(plan.updated), plan.unchanged)


def _write_import(actor: Actor, plan: ImportPlan) -> None:
    """Write a checked import plan: bulk inserts and updates, school links, audit entries."""
    user = _user(actor)
    for row in plan.created:
        row.application.created_by = user
        row.application.updated_by = user
    for row in plan.updated:
        row.application.updated_by = user
    Application.objects.bulk_create([row.application for row in plan.created])
    Application.objects.bulk_update(
        [row.application for row in plan.updated],
        [*Application.audit_fields, "updated_by", "updated_at"],
    )
    _write_school_links(
        [
            (row.application.pk, row.schools)
            for row in [*plan.created, *plan.updated]
            if row.schools is not None and row.schools != row.old_schools
        ]
    )
    changes: list[Change] = [
        change_for(
            AuditAction.CREATE,
            row.application,
            None,
            application_snapshot(row.application, row.schools or []),
        )
        for row in plan.created
    ]
    changes += [row.change(row.application) for row in plan.updated]
    record_changes(actor, changes)


def _write_school_links(links: list[tuple[int, list[int]]]) -> None:
    """Replace the schools of several applications at once (bulk: one delete, one insert)."""
    if not links:
        return
    through = Application.schools.through
    through.objects.filter(application_id__in=[app_id for app_id, _ids in links]).delete()
    through.objects.bulk_create(
        through(application_id=app_id, organisation_id=school_id)
        for app_id, school_ids in links
        for school_id in school_ids
    )


# Processing activities ------------------------------------------------------------------------


def activity_snapshot(activity: ProcessingActivity, applications: Iterable[int]) -> dict[str, Any]:
    return {**model_snapshot(activity), "applications": sorted(applications)}


def _application_ids(activity: ProcessingActivity) -> list[int]:
    if activity.pk is None:
        return []
    return sorted(activity.applications.values_list("pk", flat=True))


def _check_linked_applications(
    organisation: Organisation, values: Iterable[Any], errors: dict[str, list[str]]
) -> list[int]:
    ids = sorted({int(_pk(value)) for value in values})
    found = set(
        Application.objects.filter(linkable_applications_q(organisation), pk__in=ids).values_list(
            "pk", flat=True
        )
    )
    if set(ids) - found:
        errors["applications"] = [
            _("Kies alleen applicaties van %(organisation)s of het bijbehorende bestuur.")
            % {"organisation": organisation}
        ]
    return ids


def _validate_activity(activity: ProcessingActivity, values: dict[str, Any]) -> list[int] | None:
    errors: dict[str, list[str]] = {}
    for name in sorted(set(values) - set(ACTIVITY_FIELDS)):
        errors[name] = [_("Onbekend veld.")]
        values.pop(name)
    linked = values.pop("applications", None)
    for name in ("data_subject_categories", "data_categories", "special_categories"):
        if name in values:
            values[name] = _clean_codes(name, values[name], errors)
    _clean_text_fields(activity, values)
    _apply(activity, values, errors, exclude=["organisation", "created_by", "updated_by"])
    if activity.transfers_outside_eea and not activity.transfer_countries:
        errors.setdefault("transfer_countries", []).append(
            _("Noem de landen buiten de EER waar de gegevens heen gaan.")
        )
    applications = (
        _check_linked_applications(activity.organisation, linked, errors)
        if linked is not None
        else None
    )
    _check_name(activity, errors)
    if errors:
        raise ValidationError(errors)
    return applications


def create_processing_activity(
    actor: Actor, organisation: Organisation, **values: Any
) -> ProcessingActivity:
    """Add a processing activity (AVG art. 30) to the register of ``organisation``."""
    require_change(actor, organisation)
    activity = ProcessingActivity(
        organisation=organisation, created_by=_user(actor), updated_by=_user(actor)
    )
    applications = _validate_activity(activity, dict(values)) or []
    try:
        with transaction.atomic():
            activity.save()
            activity.applications.set(applications)
            record_change(
                actor,
                change_for(
                    AuditAction.CREATE, activity, None, activity_snapshot(activity, applications)
                ),
            )
    except IntegrityError as error:
        raise _name_taken(error) from error
    return activity


def update_processing_activity(
    actor: Actor, activity: ProcessingActivity, **values: Any
) -> ProcessingActivity:
    """Change the given fields of a processing activity; its organisation stays."""
    require_change(actor, activity.organisation)
    old_links = _application_ids(activity)
    before = activity_snapshot(activity, old_links)
    try:
        applications = _validate_activity(activity, dict(values))
    except ValidationError:
        activity.refresh_from_db()
        raise
    activity.updated_by = _user(actor)
    after = activity_snapshot(activity, old_links if applications is None else applications)
    change = change_for(AuditAction.UPDATE, activity, before, after)
    if not change.changes:
        return activity
    try:
        with transaction.atomic():
            activity.save()
            if applications is not None and applications != old_links:
                activity.applications.set(applications)
            record_change(actor, change)
    except IntegrityError as error:
        activity.refresh_from_db()
        raise _name_taken(error) from error
    return activity


def delete_processing_activity(actor: Actor, activity: ProcessingActivity) -> None:
    """Remove a processing activity (its links to applications go with it)."""
    require_change(actor, activity.organisation)
    change = change_for(
        AuditAction.DELETE, activity, activity_snapshot(activity, _application_ids(activity)), None
    )
    with transaction.atomic():
        activity.delete()
        record_change(actor, change)
