"""Writing the plan: create, change, move and delete measures, and the overdue reminders.

Every function checks the actor's ``change`` grant on the measure's organisation (a system
actor may do everything) and records its changes in the audit trail inside its transaction.
Refusals raise ``MeasureRefused`` (a ``PermissionDenied``) with a Dutch message; bad values
raise ``ValidationError`` naming each bad field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.accounts.models import User
from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.frameworks.models import Basismaatregel, GroeipadSubProject, Norm
from schildwacht.operations.notifications import notify
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.roles import Role, is_sector_role, role_definitions, role_grants
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.planning.models import (
    BASISMAATREGEL_NUMBERS,
    Measure,
    MeasureBasismaatregel,
    MeasureNorm,
    MeasureStatus,
)
from schildwacht.planning.queries import PLAN_FRAMEWORK, ReminderDigest, reminder_digests

# The fields a caller may set; ``norm_ids`` and ``basismaatregelen`` are the link tables.
MEASURE_FIELDS = (
    "title",
    "description",
    "owner",
    "owner_name",
    "due_date",
    "status",
    "effort",
    "cost",
    "groeipad_code",
    "norm_ids",
    "basismaatregelen",
)


class MeasureRefused(PermissionDenied):
    """The actor reaches the measure but may not change it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def may(actor: Actor, organisation: Organisation, action: str = "change") -> bool:
    """Whether ``actor`` holds ``action`` on the plan of ``organisation``."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, action, Measure.scope_area)


def _require_change(actor: Actor, organisation: Organisation) -> None:
    if not may(actor, organisation):
        raise MeasureRefused(
            _("U mag de maatregelen van %(name)s niet wijzigen.") % {"name": organisation}
        )


def _user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def owner_candidates(organisation: Organisation) -> QuerySet[User]:
    """Users who may own a measure of ``organisation``: those who read its plan.

    That is a reading role on the organisation or on the board above it, or a school role that
    reads up (a school leader) on one of the board's own schools. Sector roles never qualify.
    """
    readers = [
        role.value
        for role in Role
        if not is_sector_role(role) and role_grants(role, "view", Measure.scope_area)
    ]
    reads_up = [role for role in readers if role_definitions()[Role(role)].reads_up]
    own_path = [int(part) for part in organisation.path.strip("/").split("/") if part]
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__organisation_id__in=own_path, memberships__role__in=readers)
            | Q(memberships__organisation__parent=organisation, memberships__role__in=reads_up)
        )
        .distinct()
        .order_by("full_name", "email")
    )


def _snapshot(measure: Measure, norm_ids: Iterable[str], numbers: Iterable[int]) -> dict[str, Any]:
    return {
        **model_snapshot(measure),
        "norm_ids": sorted(norm_ids),
        "basismaatregelen": sorted(numbers),
    }


def _clean_norm_ids(values: Iterable[Any], errors: dict[str, list[str]]) -> list[str]:
    ids = sorted({str(value).strip() for value in values if str(value).strip()})
    known = set(
        Norm.objects.filter(framework__slug=PLAN_FRAMEWORK, norm_id__in=ids).values_list(
            "norm_id", flat=True
        )
    )
    unknown = [norm_id for norm_id in ids if norm_id not in known]
    if unknown:
        errors["norm_ids"] = [
            _("Onbekende norm: %(ids)s.") % {"ids": ", ".join(unknown)},
        ]
    return ids


def _clean_numbers(values: Iterable[Any], errors: dict[str, list[str]]) -> list[int]:
    numbers: set[int] = set()
    bad: list[str] = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            bad.append(str(value))
            continue
        if number not in BASISMAATREGEL_NUMBERS:
            bad.append(str(value))
        numbers.add(number)
    known = set(Basismaatregel.objects.filter(number__in=numbers).values_list("number", flat=True))
    bad += [str(n) for n in sorted(numbers - known) if str(n) not in bad]
    if bad:
        errors["basismaatregelen"] = [
            _("Onbekende basismaatregel: %(numbers)s (1 tot en met 11).")
            % {"numbers": ", ".join(bad)}
        ]
    return sorted(numbers & known)


def _validate(
    measure: Measure, values: dict[str, Any]
) -> tuple[list[str] | None, list[int] | None]:
    """Apply ``values`` to ``measure`` and check them all; raise one error naming every field.

    Returns the cleaned norm ids and basismaatregel numbers (None: not given, keep as they are).
    """
    unknown = set(values) - set(MEASURE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    norm_ids = _clean_norm_ids(values.pop("norm_ids"), errors) if "norm_ids" in values else None
    numbers = (
        _clean_numbers(values.pop("basismaatregelen"), errors)
        if "basismaatregelen" in values
        else None
    )
    for name in ("title", "owner_name"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    if "cost" in values and values["cost"] is not None and not isinstance(values["cost"], Decimal):
        try:
            values["cost"] = Decimal(str(values["cost"]))
        except ArithmeticError:
            errors["cost"] = [_("Vul een bedrag in euro's in.")]
            values.pop("cost")
    if values.get("owner") is not None:
        owner_id = values["owner"] if isinstance(values["owner"], int) else values["owner"].pk
        owner = owner_candidates(measure.organisation).filter(pk=owner_id).first()
        if owner is None:
            errors["owner"] = [_("De eigenaar is geen lid van deze organisatie of het bestuur.")]
            values.pop("owner")
        else:
            values["owner"] = owner
    code = values.get("groeipad_code")
    if code and not GroeipadSubProject.objects.filter(code=code).exists():
        errors["groeipad_code"] = [
            _("Onbekend deelproject van het groeipad: %(code)s.") % {"code": code}
        ]
    for name, value in values.items():
        setattr(measure, name, value)
    try:
        # Field checks name the field; the database constraints hold what the services set.
        measure.full_clean(
            exclude=["organisation", "created_by", "updated_by"], validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return norm_ids, numbers


def _sync_done_at(measure: Measure, now: dt.datetime) -> None:
    if measure.status == MeasureStatus.DONE:
        measure.done_at = measure.done_at or now
    else:
        measure.done_at = None


def _write_links(measure: Measure, norm_ids: list[str] | None, numbers: list[int] | None) -> None:
    if norm_ids is not None:
        MeasureNorm.objects.filter(measure=measure).delete()
        MeasureNorm.objects.bulk_create(MeasureNorm(measure=measure, norm_id=n) for n in norm_ids)
    if numbers is not None:
        MeasureBasismaatregel.objects.filter(measure=measure).delete()
        MeasureBasismaatregel.objects.bulk_create(
            MeasureBasismaatregel(measure=measure, number=n) for n in numbers
        )


def _links(measure: Measure) -> tuple[list[str], list[int]]:
    if measure.pk is None:
        return [], []
    return (
        list(measure.norm_links.values_list("norm_id", flat=True)),
        list(measure.basismaatregel_links.values_list("number", flat=True)),
    )


def create_measure(actor: Actor, organisation: Organisation, **values: Any) -> Measure:
    """Add a measure to the plan of ``organisation`` (a board or a school)."""
    _require_change(actor, organisation)
    measure = Measure(organisation=organisation, created_by=_user(actor), updated_by=_user(actor))
    values.setdefault("norm_ids", [])
    values.setdefault("basismaatregelen", [])
    norm_ids, numbers = _validate(measure, dict(values))
    _sync_done_at(measure, timezone.now())
    with transaction.atomic():
        measure.save()
        _write_links(measure, norm_ids, numbers)
        record_change(
            actor,
            change_for(
                AuditAction.CREATE, measure, None, _snapshot(measure, norm_ids or [], numbers or [])
            ),
        )
    return measure


def update_measure(actor: Actor, measure: Measure, **values: Any) -> Measure:
    """Change the given fields of ``measure``; the organisation stays as it is."""
    _require_change(actor, measure.organisation)
    old_norms, old_numbers = _links(measure)
    before = _snapshot(measure, old_norms, old_numbers)
    old_owner = measure.owner_id
    norm_ids, numbers = _validate(measure, dict(values))
    _sync_done_at(measure, timezone.now())
    if measure.owner_id != old_owner:
        # A new owner has not been reminded of anything yet.
        measure.last_reminded_at = None
    measure.updated_by = _user(actor)
    after = _snapshot(
        measure,
        old_norms if norm_ids is None else norm_ids,
        old_numbers if numbers is None else numbers,
    )
    change = change_for(AuditAction.UPDATE, measure, before, after)
    if not change.changes:
        return measure
    with transaction.atomic():
        measure.save()
        _write_links(
            measure,
            norm_ids if norm_ids is not None and sorted(old_norms) != norm_ids else None,
            numbers if numbers is not None and sorted(old_numbers) != numbers else None,
        )
        record_change(actor, change)
    return measure


def change_measure_status(actor: Actor, measure: Measure, status: str) -> Measure:
    """Move a measure to another status (a card to another column of the board)."""
    return update_measure(actor, measure, status=status)


def delete_measure(actor: Actor, measure: Measure) -> None:
    """Remove a measure from the plan (its links go with it).

    A measure that another record relies on (a DPIA's measure, an exercise's finding, an
    incident's lesson) is not deleted: the message says to cancel it ("vervallen") instead,
    which keeps that record intact.
    """
    _require_change(actor, measure.organisation)
    norm_ids, numbers = _links(measure)
    change = change_for(AuditAction.DELETE, measure, _snapshot(measure, norm_ids, numbers), None)
    try:
        with transaction.atomic():
            measure.delete()
            record_change(actor, change)
    except ProtectedError as error:
        raise ValidationError(
            {
                "measure": _(
                    "Een DPIA, oefening of incident verwijst naar deze maatregel, dus hij kan "
                    "niet worden verwijderd; zet de status op vervallen."
                )
            }
        ) from error


def send_overdue_reminders(actor: Actor, now: dt.datetime | None = None) -> list[ReminderDigest]:
    """E-mail every owner their overdue measures (one digest each) and stamp the reminder.

    Who gets one is decided by ``queries.reminder_digests``. The e-mails are queued on commit,
    so a failure before the stamps are written sends nothing.
    """
    now = now or timezone.now()
    digests = reminder_digests(now)
    if not digests:
        return []
    changes: list[Change] = []
    stamped: list[Measure] = []
    with transaction.atomic():
        for digest in digests:
            for measure in digest.measures:
                before = {"last_reminded_at": model_snapshot(measure)["last_reminded_at"]}
                measure.last_reminded_at = now
                stamped.append(measure)
                changes.append(
                    change_for(
                        AuditAction.UPDATE,
                        measure,
                        before,
                        {"last_reminded_at": model_snapshot(measure)["last_reminded_at"]},
                    )
                )
            notify(
                [digest.user.email],
                "planning/email/overdue_measures.txt",
                {"user": digest.user, "measures": digest.measures, "today": digest.today},
            )
        Measure.objects.bulk_update(stamped, ["last_reminded_at"])
        record_changes(actor, changes)
    return digests
