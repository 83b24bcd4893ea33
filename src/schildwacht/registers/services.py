"""Writing the registers: applications (one by one and by import) and processing activities.

Every function checks the actor's ``change`` grant on the item's organisation in the privacy
area (a system actor may do everything), validates every value (``ValidationError`` naming
each bad field, in Dutch) and writes inside one transaction with its audit entries.

Both registers go through one write path (``_create``, ``_update``, ``_delete``), described
per register by a ``_Register``. The links (schools that use an application, applications a
processing activity uses) are recorded in the audit values as sorted id lists. A delete also
records what the database does to other objects on the way: the DPIA pre-scans that cascade
get a delete entry each, and every agreement, processing activity or DPIA that loses a link
gets an update entry, so the trail of those objects stays complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import Dpia
from schildwacht.lib.tabular import whole_file
from schildwacht.lib.text import refuse_control_characters
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.registers.queries import linkable_applications_q
from schildwacht.registers.reference import Kind, in_file_order, unknown_codes
from schildwacht.suppliers.models import Supplier
from schildwacht.suppliers.queries import available_suppliers

if TYPE_CHECKING:
    from schildwacht.registers.importers import ImportPlan

Entry = Application | ProcessingActivity

# The fields a caller may set: the audited ones except the organisation (chosen once, at
# creation), plus the entry's own many-to-many link.
APPLICATION_FIELDS = (*(f for f in Application.audit_fields if f != "organisation"), "schools")
ACTIVITY_FIELDS = (
    *(f for f in ProcessingActivity.audit_fields if f != "organisation"),
    "applications",
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
# Control characters other than tab and newlines: PostgreSQL refuses NUL outright, and the
# others cannot be exported to XLSX, so they are refused before anything is stored or looked up.
# The largest id a database key holds; a larger number is no id (SQLite cannot even bind it).
MAX_ID = 2**63 - 1


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


def _name_taken() -> ValidationError:
    """A write that lost a race for a name (two people saving the same name at once)."""
    return ValidationError(
        {"name": [_("Deze naam is zojuist door iemand anders gebruikt; kies een andere.")]}
    )


def _user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def _id(value: Any) -> int | None:
    """The id of ``value`` (an object or a number); None when it cannot be one."""
    if isinstance(value, Model):
        return int(value.pk)
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 1 <= pk <= MAX_ID else None


def _ids(values: Iterable[Any]) -> list[int] | None:
    """The sorted distinct ids of ``values``; None when one of them cannot be an id."""
    ids = [_id(value) for value in values]
    if any(pk is None for pk in ids):
        return None
    return sorted({pk for pk in ids if pk is not None})


# Validation -----------------------------------------------------------------------------------


def _refuse_unknown_fields(
    allowed: tuple[str, ...], values: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    for name in sorted(set(values) - set(allowed)):
        errors[name] = [_("Onbekend veld.")]
        values.pop(name)


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


def _clean_plain_values(entry: Entry, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Refuse control characters, check the code lists and strip the texts."""
    refuse_control_characters(values, errors)
    for name in CODE_FIELDS:
        if name in values:
            values[name] = _clean_codes(name, values[name], errors)
    for model_field in entry._meta.concrete_fields:
        if isinstance(values.get(model_field.name), str):
            values[model_field.name] = values[model_field.name].strip()


def _apply(
    entry: Entry, values: dict[str, Any], errors: dict[str, list[str]], exclude: list[str]
) -> None:
    """Set ``values`` on ``entry`` and collect the model's own field errors."""
    for name, value in values.items():
        setattr(entry, name, value)
    try:
        entry.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            # A field already refused with our own, clearer reason keeps only that one.
            errors.setdefault(name, messages)


def _check_name(entry: Entry, errors: dict[str, list[str]]) -> None:
    """The name is unique per organisation, ignoring case (the database holds it too)."""
    if not entry.name or "name" in errors:
        return  # A refused name is never looked up: PostgreSQL cannot even compare a NUL.
    others = type(entry).objects.filter(
        organisation_id=entry.organisation_id, name__iexact=entry.name
    )
    if entry.pk is not None:
        others = others.exclude(pk=entry.pk)
    if others.exists():
        errors["name"] = [
            _("Er is al een %(what)s met deze naam bij %(organisation)s.")
            % {"what": entry._meta.verbose_name, "organisation": entry.organisation}
        ]


def _check_supplier(
    organisation: Organisation, value: Any, errors: dict[str, list[str]]
) -> Supplier | None:
    if value in (None, ""):
        return None
    pk = _id(value)
    supplier = None if pk is None else available_suppliers(organisation).filter(pk=pk).first()
    if supplier is None:
        errors["supplier"] = [
            _("Kies een leverancier uit de catalogus van de sector of van het bestuur.")
        ]
    return supplier


def _check_schools(
    organisation: Organisation, values: Iterable[Any], errors: dict[str, list[str]]
) -> list[int]:
    ids = _ids(values)
    if ids == []:
        return []
    if organisation.kind != OrganisationKind.BOARD:
        errors["schools"] = [
            _("Alleen een applicatie van het bestuur wordt door scholen gebruikt.")
        ]
        return []
    found = (
        set()
        if ids is None
        else set(
            Organisation.objects.filter(
                pk__in=ids, parent=organisation, kind=OrganisationKind.SCHOOL
            ).values_list("pk", flat=True)
        )
    )
    if ids is None or set(ids) - found:
        errors["schools"] = [_("Kies alleen scholen van %(board)s.") % {"board": organisation}]
        return []
    return ids


def _check_linked_applications(
    organisation: Organisation, values: Iterable[Any], errors: dict[str, list[str]]
) -> list[int]:
    ids = _ids(values)
    found = (
        set()
        if not ids
        else set(
            Application.objects.filter(
                linkable_applications_q(organisation), pk__in=ids
            ).values_list("pk", flat=True)
        )
    )
    if ids is None or set(ids) - found:
        errors["applications"] = [
            _("Kies alleen applicaties van %(organisation)s of het bijbehorende bestuur.")
            % {"organisation": organisation}
        ]
        return []
    return ids


def check_application_values(
    application: Application, values: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """Apply and check the plain values of an application (no relations, no database).

    Shared by the services and the importer, so a file row is held to the same rules as a form.
    """
    _refuse_unknown_fields(APPLICATION_FIELDS, values, errors)
    _clean_plain_values(application, values, errors)
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
    # Ids are checked here, not in the shared plain checks: the importer resolves names itself.
    school_values = values.pop("schools", None)
    if "supplier" in values:
        values["supplier"] = _check_supplier(application.organisation, values["supplier"], errors)
        if "supplier" in errors:
            values.pop("supplier")
    check_application_values(application, values, errors)
    schools = (
        None
        if school_values is None
        else _check_schools(application.organisation, school_values, errors)
    )
    _check_name(application, errors)
    if errors:
        raise ValidationError(errors)
    return schools


def _validate_activity(activity: ProcessingActivity, values: dict[str, Any]) -> list[int] | None:
    """Apply ``values`` to ``activity`` and check them all; raise one error naming every field.
    Returns the application ids to link (None: not given, keep as they are)."""
    errors: dict[str, list[str]] = {}
    _refuse_unknown_fields(ACTIVITY_FIELDS, values, errors)
    linked = values.pop("applications", None)
    _clean_plain_values(activity, values, errors)
    _apply(activity, values, errors, exclude=["organisation", "created_by", "updated_by"])
    if activity.transfers_outside_eea and not activity.transfer_countries:
        errors.setdefault("transfer_countries", []).append(
            _("Noem de landen buiten de EER waar de gegevens heen gaan.")
        )
    applications = (
        None
        if linked is None
        else _check_linked_applications(activity.organisation, linked, errors)
    )
    _check_name(activity, errors)
    if errors:
        raise ValidationError(errors)
    return applications


# The shared write path ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Register:
    """What the shared write path needs to know of one register.

    ``link`` is the entry's own many-to-many field; ``backlinks`` name, for every other model
    that links to the entry, the entry's related name and that model's many-to-many field;
    ``validate`` applies and checks values and returns the link ids (None: keep them).
    """

    link: str
    backlinks: tuple[tuple[str, str], ...]
    validate: Callable[[Any, dict[str, Any]], list[int] | None]


def _snapshot(entry: Entry, link: str, ids: Iterable[int]) -> dict[str, Any]:
    return {**model_snapshot(entry), link: sorted(ids)}


def _link_ids(entry: Entry, link: str) -> list[int]:
    if entry.pk is None:
        return []
    return sorted(getattr(entry, link).values_list("pk", flat=True))


def _create(actor: Actor, register: _Register, entry: Entry, values: dict[str, Any]) -> Any:
    """Check and save the new ``entry`` (its organisation set) with its links, audited."""
    require_change(actor, entry.organisation)
    entry.created_by = entry.updated_by = _user(actor)
    links = register.validate(entry, dict(values)) or []
    try:
        with transaction.atomic():
            entry.save()
            getattr(entry, register.link).set(links)
            after = _snapshot(entry, register.link, links)
            record_change(actor, change_for(AuditAction.CREATE, entry, None, after))
    except IntegrityError as error:
        raise _name_taken() from error
    return entry


def _update(actor: Actor, register: _Register, entry: Entry, values: dict[str, Any]) -> Any:
    """Check and save the given fields of ``entry``; nothing is written when nothing changes."""
    require_change(actor, entry.organisation)
    old_links = _link_ids(entry, register.link)
    before = _snapshot(entry, register.link, old_links)
    try:
        links = register.validate(entry, dict(values))
    except ValidationError:
        # Leave no refused value behind on the caller's object.
        entry.refresh_from_db()
        raise
    final = old_links if links is None else links
    change = change_for(AuditAction.UPDATE, entry, before, _snapshot(entry, register.link, final))
    if not change.changes:
        return entry
    entry.updated_by = _user(actor)
    try:
        with transaction.atomic():
            entry.save()
            if final != old_links:
                getattr(entry, register.link).set(final)
            record_change(actor, change)
    except IntegrityError as error:
        entry.refresh_from_db()
        raise _name_taken() from error
    return entry


@dataclass
class _Unlinked:
    """Another object a delete changes: its values before and after, for its update entry."""

    instance: Model
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def _unlinked(
    entry: Entry, register: _Register, own: dict[str, Any]
) -> dict[tuple[str, int], _Unlinked]:
    """The objects that lose their link to ``entry`` when it goes, with the link before and
    after; ``own`` (the entry's delete values) gets the ids of each kind of object."""
    found: dict[tuple[str, int], _Unlinked] = {}
    for related_name, link in register.backlinks:
        others = list(
            getattr(entry, related_name).select_related("organisation").prefetch_related(link)
        )
        own[related_name] = sorted(other.pk for other in others)
        for other in others:
            ids = sorted(linked.pk for linked in getattr(other, link).all())
            unlinked = found.setdefault((other._meta.label_lower, other.pk), _Unlinked(other))
            unlinked.before[link] = ids
            unlinked.after[link] = [pk for pk in ids if pk != entry.pk]
    return found


def _delete_changes(entry: Entry, register: _Register) -> list[Change]:
    """The audit entries of deleting ``entry``: its own, one per DPIA pre-scan that cascades,
    and one per object that loses a link (a DPIA also when its pre-scan goes)."""
    own = _snapshot(entry, register.link, _link_ids(entry, register.link))
    unlinked = _unlinked(entry, register, own)
    prescans = list(
        entry.dpia_prescans.select_related("organisation", "application", "processing_activity")
    )
    for dpia in Dpia.objects.filter(prescan__in=prescans).select_related("organisation"):
        update = unlinked.setdefault((dpia._meta.label_lower, dpia.pk), _Unlinked(dpia))
        update.before["prescan"], update.after["prescan"] = dpia.prescan_id, None
    return [
        change_for(AuditAction.DELETE, entry, own, None),
        *(change_for(AuditAction.DELETE, p, model_snapshot(p), None) for p in prescans),
        *(change_for(AuditAction.UPDATE, u.instance, u.before, u.after) for u in unlinked.values()),
    ]


def _delete(actor: Actor, register: _Register, entry: Entry) -> None:
    """Delete ``entry``; the database drops its links and pre-scans, the audit says which."""
    require_change(actor, entry.organisation)
    with transaction.atomic():
        # Read inside the transaction, so the entries describe what this delete removes.
        changes = _delete_changes(entry, register)
        entry.delete()
        record_changes(actor, changes)


# Applications ---------------------------------------------------------------------------------

APPLICATIONS = _Register(
    link="schools",
    backlinks=(
        ("processing_activities", "applications"),
        ("agreements", "applications"),
        ("dpias", "applications"),
    ),
    validate=_validate_application,
)


def application_snapshot(application: Application, schools: Iterable[int]) -> dict[str, Any]:
    """The audit values of ``application`` with the ids of the schools that use it."""
    return _snapshot(application, "schools", schools)


def create_application(actor: Actor, organisation: Organisation, **values: Any) -> Application:
    """Add an application to the register of ``organisation`` (a board or a school)."""
    application: Application = _create(
        actor, APPLICATIONS, Application(organisation=organisation), values
    )
    return application


def update_application(actor: Actor, application: Application, **values: Any) -> Application:
    """Change the given fields of ``application``; its organisation stays as it is."""
    updated: Application = _update(actor, APPLICATIONS, application, values)
    return updated


def delete_application(actor: Actor, application: Application) -> None:
    """Remove an application. Its links to schools, processing activities, agreements and
    DPIAs go with it and its DPIA pre-scans are deleted; the audit entries keep all of it."""
    _delete(actor, APPLICATIONS, application)


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
    # Imported here: the importer uses this module's checks, so it cannot be imported above.
    from schildwacht.registers.importers import plan_application_import

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

ACTIVITIES = _Register(
    link="applications",
    backlinks=(("dpias", "processing_activities"),),
    validate=_validate_activity,
)


def activity_snapshot(activity: ProcessingActivity, applications: Iterable[int]) -> dict[str, Any]:
    """The audit values of ``activity`` with the ids of the applications it uses."""
    return _snapshot(activity, "applications", applications)


def create_processing_activity(
    actor: Actor, organisation: Organisation, **values: Any
) -> ProcessingActivity:
    """Add a processing activity (AVG art. 30) to the register of ``organisation``."""
    activity: ProcessingActivity = _create(
        actor, ACTIVITIES, ProcessingActivity(organisation=organisation), values
    )
    return activity


def update_processing_activity(
    actor: Actor, activity: ProcessingActivity, **values: Any
) -> ProcessingActivity:
    """Change the given fields of a processing activity; its organisation stays."""
    updated: ProcessingActivity = _update(actor, ACTIVITIES, activity, values)
    return updated


def delete_processing_activity(actor: Actor, activity: ProcessingActivity) -> None:
    """Remove a processing activity. Its links to applications and DPIAs go with it and its
    DPIA pre-scans are deleted; the audit entries keep all of it."""
    _delete(actor, ACTIVITIES, activity)
