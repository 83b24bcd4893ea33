"""Writing exercises and their findings, trainings and their participants, phishing results and
staff headcounts.

Every function checks the actor's ``change`` grant on the item's organisation (area "all"; a
system actor may do everything): the IBP coordinator on the whole board, a school leader on
their own school. Refusals raise ``PeopleRefused`` (a ``PermissionDenied``) with a Dutch
message; bad values raise ``ValidationError`` naming each field. Changes are written in one
transaction with their audit entries; imports check the whole file first (``importers``) and
write nothing when anything is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.lib.text import refuse_control_characters
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.people.importers import (
    ImportPlan,
    plan_participant_import,
    plan_phishing_import,
)
from schildwacht.people.models import (
    Exercise,
    Finding,
    Participant,
    PhishingCampaign,
    StaffHeadcount,
    Training,
)
from schildwacht.planning import services as planning_services
from schildwacht.planning.models import Measure

EXERCISE_FIELDS = ("title", "kind", "held_on", "scenario", "participants", "observations")
FINDING_FIELDS = ("title", "description", "plan_measure")
TRAINING_FIELDS = ("title", "kind", "held_on", "target_group", "provider", "description")
MAX_EXERCISE_PARTICIPANTS = 200
# A headcount above this is a typing error, not a school.
MAX_HEADCOUNT = 100_000


class PeopleRefused(PermissionDenied):
    """The actor reaches the item but may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def user_of(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def may_change(actor: Actor, organisation: Organisation) -> bool:
    """Whether ``actor`` changes the exercises, trainings and phishing results there."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, "change", Training.scope_area)


def require_change(actor: Actor, organisation: Organisation) -> None:
    if not may_change(actor, organisation):
        raise PeopleRefused(
            _("U mag de oefeningen en trainingen van %(name)s niet wijzigen.")
            % {"name": organisation}
        )


def _unknown_fields(values: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})


def _apply(instance: Model, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Set the values (text stripped) and collect the model's own field checks."""
    refuse_control_characters(values, errors)
    for name, value in values.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    exclude = ["organisation", "exercise", "training", "created_by", "updated_by", "plan_measure"]
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


def _save_new(actor: Actor, instance: Model) -> None:
    """Write a validated new item with its audit entry."""
    with transaction.atomic():
        instance.save()
        record_change(
            actor, change_for(AuditAction.CREATE, instance, None, model_snapshot(instance))
        )


def _save_update(
    actor: Actor, instance: Any, validate: Callable[[dict[str, Any]], None], values: dict[str, Any]
) -> None:
    """Validate ``values`` onto ``instance`` and write what changed with its audit entry."""
    before = model_snapshot(instance)
    try:
        validate(dict(values))
    except ValidationError:
        # The values were applied to the instance; the caller keeps the stored ones.
        instance.refresh_from_db()
        raise
    instance.updated_by = user_of(actor)
    change = change_for(AuditAction.UPDATE, instance, before, model_snapshot(instance))
    if change.changes:
        with transaction.atomic():
            instance.save()
            record_change(actor, change)


def _check_organisation(organisation: Organisation) -> None:
    if organisation.kind not in (OrganisationKind.BOARD, OrganisationKind.SCHOOL):
        raise ValidationError({"organisation": [_("Dit hoort bij een bestuur of een school.")]})


# Exercises -----------------------------------------------------------------------------------


def _clean_participants(value: Any, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """A list of ``{"name", "role"}``; a plain string is one name without a role."""
    if not isinstance(value, list | tuple):
        errors["participants"] = [_("Geef de deelnemers als een lijst.")]
        return []
    people: list[dict[str, str]] = []
    for item in value:
        if isinstance(item, str):
            item = {"name": item, "role": ""}
        if not isinstance(item, dict) or set(item) - {"name", "role"}:
            errors["participants"] = [_("Geef per deelnemer een naam en eventueel een rol.")]
            return []
        name = str(item.get("name") or "").strip()
        role = str(item.get("role") or "").strip()
        if not name:
            errors["participants"] = [_("Elke deelnemer heeft een naam.")]
            return []
        if len(name) > 200 or len(role) > 100:
            errors["participants"] = [
                _("Een naam is hoogstens 200 tekens, een rol hoogstens 100: %(name)s.")
                % {"name": name[:40]}
            ]
            return []
        people.append({"name": name, "role": role})
    if len(people) > MAX_EXERCISE_PARTICIPANTS:
        errors["participants"] = [
            _("Hoogstens %(max)d deelnemers.") % {"max": MAX_EXERCISE_PARTICIPANTS}
        ]
    return people


def _validate_exercise(exercise: Exercise, values: dict[str, Any]) -> None:
    _unknown_fields(values, EXERCISE_FIELDS)
    errors: dict[str, list[str]] = {}
    if "participants" in values:
        values["participants"] = _clean_participants(values["participants"] or [], errors)
        if "participants" in errors:
            values.pop("participants")
    _apply(exercise, values, errors)
    if errors:
        raise ValidationError(errors)


def create_exercise(actor: Actor, organisation: Organisation, **values: Any) -> Exercise:
    """Record a crisis exercise of a board or school."""
    require_change(actor, organisation)
    _check_organisation(organisation)
    exercise = Exercise(
        organisation=organisation, created_by=user_of(actor), updated_by=user_of(actor)
    )
    _validate_exercise(exercise, dict(values))
    _save_new(actor, exercise)
    return exercise


def update_exercise(actor: Actor, exercise: Exercise, **values: Any) -> Exercise:
    """Change the given fields of ``exercise``; it stays with its organisation."""
    require_change(actor, exercise.organisation)
    _save_update(actor, exercise, lambda v: _validate_exercise(exercise, v), values)
    return exercise


def delete_exercise(actor: Actor, exercise: Exercise) -> None:
    """Remove an exercise with its findings; linked plan measures stay in the plan."""
    require_change(actor, exercise.organisation)
    changes = [
        change_for(AuditAction.DELETE, finding, model_snapshot(finding), None)
        for finding in Finding.objects.filter(exercise=exercise).select_related(
            "exercise__organisation"
        )
    ]
    changes.append(change_for(AuditAction.DELETE, exercise, model_snapshot(exercise), None))
    with transaction.atomic():
        exercise.delete()
        record_changes(actor, changes)


# Findings ------------------------------------------------------------------------------------


def _clean_plan_measure(
    actor: Actor, exercise: Exercise, value: Any, errors: dict[str, list[str]]
) -> Measure | None:
    """A plan measure of the exercise's organisation (or, for a school, its board's) that the
    actor reads."""
    if value in (None, ""):
        return None
    organisation = exercise.organisation
    ids = [organisation.pk]
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent_id:
        ids.append(organisation.parent_id)
    measures = Measure.objects.for_user(actor.user) if actor.user is not None else Measure.objects
    measure_id = value.pk if isinstance(value, Model) else value
    found = None
    try:
        found = measures.filter(pk=int(measure_id), organisation_id__in=ids).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors["plan_measure"] = [
            _("Kies een maatregel uit het plan van dezelfde organisatie of van het bestuur.")
        ]
    return found


def _validate_finding(actor: Actor, finding: Finding, values: dict[str, Any]) -> None:
    _unknown_fields(values, FINDING_FIELDS)
    errors: dict[str, list[str]] = {}
    if "plan_measure" in values:
        finding.plan_measure = _clean_plan_measure(
            actor, finding.exercise, values.pop("plan_measure"), errors
        )
    _apply(finding, values, errors)
    if errors:
        raise ValidationError(errors)


def add_finding(actor: Actor, exercise: Exercise, **values: Any) -> Finding:
    """Add a finding to an exercise, optionally linked to an existing plan measure."""
    require_change(actor, exercise.organisation)
    finding = Finding(exercise=exercise, created_by=user_of(actor), updated_by=user_of(actor))
    _validate_finding(actor, finding, dict(values))
    _save_new(actor, finding)
    return finding


def update_finding(actor: Actor, finding: Finding, **values: Any) -> Finding:
    """Change a finding's text or its plan measure."""
    require_change(actor, finding.exercise.organisation)
    _save_update(actor, finding, lambda v: _validate_finding(actor, finding, v), values)
    return finding


def delete_finding(actor: Actor, finding: Finding) -> None:
    """Remove a finding; a linked plan measure stays in the plan."""
    require_change(actor, finding.exercise.organisation)
    change = change_for(AuditAction.DELETE, finding, model_snapshot(finding), None)
    with transaction.atomic():
        finding.delete()
        record_change(actor, change)


def create_plan_measure(actor: Actor, finding: Finding, **values: Any) -> Measure:
    """Put a finding in the plan (``planning.services.create_measure``) and link it.

    The plan's own rule applies: whoever may not add plan measures is refused with the reason
    (and may still link an existing measure).
    """
    exercise = finding.exercise
    require_change(actor, exercise.organisation)
    if finding.plan_measure_id is not None:
        raise PeopleRefused(_("Deze bevinding staat al in het plan."))
    values.setdefault("title", finding.title[:200])
    values.setdefault(
        "description",
        _("Uit de crisisoefening “%(exercise)s” van %(date)s.\n\n%(text)s")
        % {
            "exercise": exercise.title,
            "date": exercise.held_on.strftime("%d-%m-%Y"),
            "text": finding.description,
        },
    )
    before = model_snapshot(finding)
    with transaction.atomic():
        try:
            measure = planning_services.create_measure(actor, exercise.organisation, **values)
        except planning_services.MeasureRefused as error:
            raise PeopleRefused(
                _(
                    "U mag geen maatregelen aan het plan toevoegen (%(reason)s). Vraag de "
                    "IBP-coördinator, of koppel een bestaande maatregel uit het plan."
                )
                % {"reason": error.message}
            ) from error
        finding.plan_measure = measure
        finding.updated_by = user_of(actor)
        finding.save(update_fields=["plan_measure", "updated_by", "updated_at"])
        record_change(
            actor, change_for(AuditAction.UPDATE, finding, before, model_snapshot(finding))
        )
    return measure


# Trainings -----------------------------------------------------------------------------------


def _validate_training(training: Training, values: dict[str, Any]) -> None:
    _unknown_fields(values, TRAINING_FIELDS)
    errors: dict[str, list[str]] = {}
    _apply(training, values, errors)
    if errors:
        raise ValidationError(errors)


def create_training(actor: Actor, organisation: Organisation, **values: Any) -> Training:
    """Record a course or session of a board or school."""
    require_change(actor, organisation)
    _check_organisation(organisation)
    training = Training(
        organisation=organisation, created_by=user_of(actor), updated_by=user_of(actor)
    )
    _validate_training(training, dict(values))
    _save_new(actor, training)
    return training


def update_training(actor: Actor, training: Training, **values: Any) -> Training:
    """Change the given fields of ``training``; it stays with its organisation."""
    require_change(actor, training.organisation)
    _save_update(actor, training, lambda v: _validate_training(training, v), values)
    return training


def delete_training(actor: Actor, training: Training) -> None:
    """Remove a training with its participants (each recorded in the audit trail)."""
    require_change(actor, training.organisation)
    changes = [
        change_for(AuditAction.DELETE, p, model_snapshot(p), None)
        for p in Participant.objects.filter(training=training).select_related(
            "training__organisation"
        )
    ]
    changes.append(change_for(AuditAction.DELETE, training, model_snapshot(training), None))
    with transaction.atomic():
        training.delete()
        record_changes(actor, changes)


def _write_plan(actor: Actor, plan: ImportPlan[Any], fields: list[str]) -> ImportResult:
    """Write an import plan in one transaction with an audit entry per created or changed row."""
    now = timezone.now()
    with transaction.atomic():
        for item in plan.created:
            if hasattr(item, "created_by_id"):
                item.created_by = item.updated_by = user_of(actor)
            item.save()
        changed = [item for item, _before in plan.updated]
        for item in changed:
            if hasattr(item, "updated_by_id"):
                item.updated_by = user_of(actor)
                item.updated_at = now
        if changed:
            extra = ["updated_by", "updated_at"] if hasattr(changed[0], "updated_by_id") else []
            type(changed[0]).objects.bulk_update(changed, fields + extra)
        changes: list[Change] = [
            change_for(AuditAction.CREATE, item, None, model_snapshot(item))
            for item in plan.created
        ]
        changes += [
            change_for(AuditAction.UPDATE, item, before, model_snapshot(item))
            for item, before in plan.updated
        ]
        record_changes(actor, changes)
    return ImportResult(len(plan.created), len(plan.updated), plan.unchanged)


def import_participants(
    actor: Actor, training: Training, name: str, content: bytes
) -> ImportResult:
    """Import a participant list (XLSX or CSV) into ``training``: all rows or none.

    Raises ``ImportRejected`` listing every problem; re-running the same file changes nothing.
    """
    require_change(actor, training.organisation)
    plan = plan_participant_import(training, name, content)
    return _write_plan(
        actor, plan, ["email", "name", "role", "school", "completed", "completed_on"]
    )


def delete_participant(actor: Actor, participant: Participant) -> None:
    """Take one person off a training's list."""
    require_change(actor, participant.training.organisation)
    change = change_for(AuditAction.DELETE, participant, model_snapshot(participant), None)
    with transaction.atomic():
        participant.delete()
        record_change(actor, change)


# Phishing and headcounts ---------------------------------------------------------------------


def import_phishing(
    actor: Actor, organisation: Organisation, name: str, content: bytes
) -> ImportResult:
    """Import phishing results (one row per campaign per school) for a board or school."""
    require_change(actor, organisation)
    _check_organisation(organisation)
    changeable = (
        frozenset(organisation_ids(actor.user, "change", PhishingCampaign.scope_area))
        if actor.user is not None
        else frozenset(
            Organisation.objects.filter(path__startswith=organisation.path).values_list(
                "pk", flat=True
            )
        )
    )
    plan = plan_phishing_import(organisation, changeable, name, content)
    return _write_plan(actor, plan, ["name", "sent", "opened", "clicked", "reported"])


def delete_campaign(actor: Actor, campaign: PhishingCampaign) -> None:
    """Remove the results of one campaign at one school."""
    require_change(actor, campaign.organisation)
    change = change_for(AuditAction.DELETE, campaign, model_snapshot(campaign), None)
    with transaction.atomic():
        campaign.delete()
        record_change(actor, change)


def set_headcount(
    actor: Actor, organisation: Organisation, staff_count: int | None
) -> StaffHeadcount | None:
    """Record how many staff work at a school (or the board's office); None removes it, so the
    coverage counts the people known from the participant lists again."""
    require_change(actor, organisation)
    _check_organisation(organisation)
    if staff_count is not None and not 0 < staff_count <= MAX_HEADCOUNT:
        raise ValidationError(
            {
                "staff_count": [
                    _("Vul een aantal van 1 tot en met %(max)d in.") % {"max": MAX_HEADCOUNT}
                ]
            }
        )
    current = StaffHeadcount.objects.filter(organisation=organisation).first()
    with transaction.atomic():
        if staff_count is None:
            if current is not None:
                change = change_for(AuditAction.DELETE, current, model_snapshot(current), None)
                current.delete()
                record_change(actor, change)
            return None
        if current is None:
            current = StaffHeadcount(
                organisation=organisation,
                staff_count=staff_count,
                created_by=user_of(actor),
                updated_by=user_of(actor),
            )
            current.save()
            record_change(
                actor, change_for(AuditAction.CREATE, current, None, model_snapshot(current))
            )
            return current
        before = model_snapshot(current)
        current.staff_count = staff_count
        current.updated_by = user_of(actor)
        change = change_for(AuditAction.UPDATE, current, before, model_snapshot(current))
        if change.changes:
            current.save()
            record_change(actor, change)
    return current
