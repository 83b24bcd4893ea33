"""Writing the risk register: risks, their formal acceptance and a board's matrix labels.
Templates, adoption and the template loader are written in ``template_services``.

Every function checks the actor's grant (a system actor may do everything): whoever changes a
board's or school's items (``change:all``) changes its risks; only a board member
(``approve:all``) accepts a risk or withdraws an acceptance. Refusals raise ``RiskRefused`` (a
``PermissionDenied``) with a Dutch message; bad values raise ``ValidationError`` naming each
field. Changes are written in one transaction with their audit entries, the linked
applications and plan measures included (their ids in the snapshot).

An accepted risk whose scores or treatment change is no longer the risk that was accepted: the
same change withdraws the acceptance (recorded in the same audit entry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.lib.text import refuse_control_characters
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.planning.models import Measure
from schildwacht.planning.services import owner_candidates
from schildwacht.registers.models import Application
from schildwacht.risks.models import SCOPE_AREA, MatrixLabels, Risk, RiskStatus
from schildwacht.risks.queries import MAX_ACCEPTANCE_DAYS, near, today

RISK_FIELDS = (
    "title",
    "threat",
    "description",
    "applications",
    "processes",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "owner",
    "owner_name",
    "treatment",
    "treatment_notes",
    "measures",
    "exposure_min",
    "exposure_max",
    "status",
    "review_date",
)
# Changing one of these on an accepted risk withdraws the acceptance.
ACCEPTED_FIELDS = (
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "treatment",
)
ACCEPTANCE_FIELDS = ("accepted_by", "accepted_by_name", "accepted_at", "acceptance_expires_on")
LABEL_MAX_LENGTH = 60
CENT = Decimal("0.01")


class RiskRefused(PermissionDenied):
    """The actor reaches the risk but may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def user_of(actor: Actor) -> Any:
    """The user to record as ``created_by``/``updated_by`` (None for a system actor)."""
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def may(actor: Actor, organisation: Organisation, action: str = "change") -> bool:
    """Whether ``actor`` holds ``action`` on the risks of ``organisation``."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, action, SCOPE_AREA)


def require(actor: Actor, organisation: Organisation) -> None:
    if not may(actor, organisation):
        raise RiskRefused(
            _("U mag de risico's van %(name)s niet wijzigen.") % {"name": organisation}
        )


def require_approve(actor: Actor, organisation: Organisation) -> None:
    if not may(actor, organisation, "approve"):
        raise RiskRefused(
            _("Alleen een bestuurder accepteert de risico's van %(name)s.") % {"name": organisation}
        )


def risk_snapshot(
    risk: Risk, application_ids: Iterable[int], measure_ids: Iterable[int]
) -> dict[str, Any]:
    return {
        **model_snapshot(risk),
        "applications": sorted(application_ids),
        "measures": sorted(measure_ids),
    }


def _links(risk: Risk) -> tuple[list[int], list[int]]:
    if risk.pk is None:
        return [], []
    return (
        sorted(risk.applications.values_list("pk", flat=True)),
        sorted(risk.measures.values_list("pk", flat=True)),
    )


# Validation ----------------------------------------------------------------------------------


def _clean_ids(
    values: Iterable[Any],
    allowed: Any,
    name: str,
    message: str,
    errors: dict[str, list[str]],
) -> list[int]:
    try:
        wanted = {int(v.pk if isinstance(v, Model) else v) for v in values}
    except (TypeError, ValueError):
        errors[name] = [_("Onbekende keuze.")]
        return []
    found = set(allowed.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        errors[name] = [message % {"ids": ", ".join(str(i) for i in missing)}]
    return sorted(found)


def _clean_links(
    risk: Risk, values: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[list[int] | None, list[int] | None]:
    applications = measures = None
    if "applications" in values:
        applications = _clean_ids(
            values.pop("applications") or [],
            near(Application.objects.all(), risk.organisation),
            "applications",
            _("Deze applicaties horen niet bij deze organisatie of haar bestuur: %(ids)s."),
            errors,
        )
    if "measures" in values:
        measures = _clean_ids(
            values.pop("measures") or [],
            near(Measure.objects.all(), risk.organisation),
            "measures",
            _("Deze maatregelen horen niet bij het plan van deze organisatie: %(ids)s."),
            errors,
        )
    return applications, measures


def _clean_amount(values: dict[str, Any], name: str, errors: dict[str, list[str]]) -> None:
    value = values.get(name)
    if value is None or value == "" or isinstance(value, Decimal):
        values[name] = value if value != "" else None
        return
    try:
        values[name] = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        errors[name] = [_("Vul een bedrag in euro's in.")]
        values.pop(name)


def _clean_owner(risk: Risk, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if values.get("owner") is None:
        return
    owner_id = values["owner"] if isinstance(values["owner"], int) else values["owner"].pk
    owner = owner_candidates(risk.organisation).filter(pk=owner_id).first()
    if owner is None:
        errors["owner"] = [_("De eigenaar is geen lid van deze organisatie of het bestuur.")]
        values.pop("owner")
    else:
        values["owner"] = owner


def _check_pairs(risk: Risk, errors: dict[str, list[str]]) -> None:
    if (risk.residual_likelihood is None) != (risk.residual_impact is None):
        missing = "residual_impact" if risk.residual_impact is None else "residual_likelihood"
        errors.setdefault(missing, []).append(
            _("Vul voor het restrisico zowel de kans als de impact in, of allebei niet.")
        )
    low, high = risk.exposure_min, risk.exposure_max
    if low is not None and high is not None and low > high:
        errors.setdefault("exposure_max", []).append(
            _("Het maximum moet minstens zo hoog zijn als het minimum.")
        )


def validate_risk(risk: Risk, values: dict[str, Any]) -> tuple[list[int] | None, list[int] | None]:
    """Apply ``values`` to ``risk`` and check them all; raise one error naming every field.

    Returns the cleaned application and measure ids (None: not given, keep as they are).
    """
    unknown = set(values) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    refuse_control_characters(values, errors)
    if risk.organisation.kind not in (OrganisationKind.BOARD, OrganisationKind.SCHOOL):
        errors["organisation"] = [_("Een risico hoort bij een bestuur of een school.")]
    applications, measures = _clean_links(risk, values, errors)
    for name in ("exposure_min", "exposure_max"):
        if name in values:
            _clean_amount(values, name, errors)
    _clean_owner(risk, values, errors)
    for name, value in values.items():
        setattr(risk, name, value.strip() if isinstance(value, str) else value)
    try:
        risk.full_clean(
            exclude=["organisation", "template", "created_by", "updated_by", *ACCEPTANCE_FIELDS],
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    _check_pairs(risk, errors)
    if errors:
        raise ValidationError(errors)
    quantize_amounts(risk)
    return applications, measures


def quantize_amounts(instance: Any) -> None:
    """Amounts to whole cents (after the field checks refused more decimals), so the audit
    trail records what the database will hold ("500.00", not "500")."""
    for name in ("exposure_min", "exposure_max"):
        value = getattr(instance, name)
        if value is not None:
            setattr(instance, name, value.quantize(CENT))


# Risks ---------------------------------------------------------------------------------------


def _write_links(risk: Risk, applications: list[int] | None, measures: list[int] | None) -> None:
    if applications is not None:
        risk.applications.set(applications)
    if measures is not None:
        risk.measures.set(measures)


def create_risk(
    actor: Actor, organisation: Organisation, *, template: Any = None, **values: Any
) -> Risk:
    """Add a risk to the register of ``organisation`` (a board or a school)."""
    require(actor, organisation)
    risk = Risk(
        organisation=organisation,
        template=template,
        created_by=user_of(actor),
        updated_by=user_of(actor),
    )
    values.setdefault("status", RiskStatus.OPEN)
    applications, measures = validate_risk(risk, dict(values))
    with transaction.atomic():
        risk.save()
        _write_links(risk, applications, measures)
        after = risk_snapshot(risk, applications or [], measures or [])
        record_change(actor, change_for(AuditAction.CREATE, risk, None, after))
    return risk


def _clear_acceptance(risk: Risk) -> None:
    risk.accepted_by = None
    risk.accepted_by_name = ""
    risk.accepted_at = None
    risk.acceptance_expires_on = None
    risk.acceptance_note = ""


def update_risk(actor: Actor, risk: Risk, **values: Any) -> Risk:
    """Change the given fields of ``risk``; it stays with its organisation. A change of the
    scores or the treatment of an accepted risk withdraws its acceptance."""
    require(actor, risk.organisation)
    old_applications, old_measures = _links(risk)
    before = risk_snapshot(risk, old_applications, old_measures)
    applications, measures = validate_risk(risk, dict(values))
    if risk.is_accepted and any(before[name] != getattr(risk, name) for name in ACCEPTED_FIELDS):
        _clear_acceptance(risk)
    risk.updated_by = user_of(actor)
    new_applications = old_applications if applications is None else applications
    new_measures = old_measures if measures is None else measures
    change = change_for(
        AuditAction.UPDATE, risk, before, risk_snapshot(risk, new_applications, new_measures)
    )
    if not change.changes:
        return risk
    with transaction.atomic():
        risk.save()
        _write_links(
            risk,
            applications if new_applications != old_applications else None,
            measures if new_measures != old_measures else None,
        )
        record_change(actor, change)
    return risk


def delete_risk(actor: Actor, risk: Risk) -> None:
    """Remove a risk from the register (its links to applications and measures go with it;
    the applications and measures themselves stay)."""
    require(actor, risk.organisation)
    applications, measures = _links(risk)
    change = change_for(AuditAction.DELETE, risk, risk_snapshot(risk, applications, measures), None)
    with transaction.atomic():
        risk.delete()
        record_change(actor, change)


# Acceptance ----------------------------------------------------------------------------------


def _acceptance_errors(risk: Risk, expires_on: Any, day: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if risk.status == RiskStatus.CLOSED:
        errors["status"] = [_("Een vervallen risico wordt niet geaccepteerd.")]
    if not risk.treatment:
        errors["treatment"] = [
            _("Kies eerst een behandeling; daarna kan een bestuurder het risico accepteren.")
        ]
    if not isinstance(expires_on, dt.date):
        errors["expires_on"] = [_("Geef de datum tot wanneer de acceptatie geldt.")]
    elif expires_on <= day:
        errors["expires_on"] = [_("De acceptatie moet na vandaag aflopen.")]
    elif expires_on > day + dt.timedelta(days=MAX_ACCEPTANCE_DAYS):
        errors["expires_on"] = [_("Een acceptatie geldt hoogstens drie jaar.")]
    return errors


def accept_risk(
    actor: Actor,
    risk: Risk,
    *,
    expires_on: dt.date,
    note: str = "",
    on: dt.date | None = None,
) -> Risk:
    """A board member accepts ``risk`` (its current residual, else inherent, score) until
    ``expires_on``; after that day the risk needs review. Accepting again renews it.

    ``on`` backdates the acceptance and is for system actors (the demo) only: a person accepts
    on the day they do it.
    """
    require_approve(actor, risk.organisation)
    if on is not None and actor.user is not None:
        raise ValueError("only a system actor may backdate an acceptance")
    day = on or today()
    errors = _acceptance_errors(risk, expires_on, day)
    if errors:
        raise ValidationError(errors)
    applications, measures = _links(risk)
    before = risk_snapshot(risk, applications, measures)
    user = user_of(actor)
    risk.accepted_by = user
    risk.accepted_by_name = ((user.full_name or user.email) if user is not None else actor.label)[
        :200
    ]
    risk.accepted_at = (
        timezone.now()
        if on is None
        else timezone.make_aware(dt.datetime.combine(on, dt.time(12, 0)))
    )
    risk.acceptance_expires_on = expires_on
    risk.acceptance_note = (note or "").strip()
    risk.updated_by = user
    change = change_for(
        AuditAction.UPDATE, risk, before, risk_snapshot(risk, applications, measures)
    )
    with transaction.atomic():
        risk.save()
        record_change(actor, change)
    return risk


def withdraw_acceptance(actor: Actor, risk: Risk) -> Risk:
    """A board member withdraws the acceptance of ``risk``."""
    require_approve(actor, risk.organisation)
    if not risk.is_accepted:
        raise ValidationError({"accepted_at": [_("Dit risico is niet geaccepteerd.")]})
    applications, measures = _links(risk)
    before = risk_snapshot(risk, applications, measures)
    _clear_acceptance(risk)
    risk.updated_by = user_of(actor)
    change = change_for(
        AuditAction.UPDATE, risk, before, risk_snapshot(risk, applications, measures)
    )
    with transaction.atomic():
        risk.save()
        record_change(actor, change)
    return risk


# Matrix labels -------------------------------------------------------------------------------


def _clean_labels(name: str, labels: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(labels, list | tuple) or len(labels) != 5:
        errors[name] = [_("Geef precies vijf namen, van laag naar hoog.")]
        return []
    cleaned = [str(label).strip() for label in labels]
    if any(not label or len(label) > LABEL_MAX_LENGTH for label in cleaned):
        errors[name] = [_("Elke naam is 1 tot %(max)s tekens lang.") % {"max": LABEL_MAX_LENGTH}]
    elif len({label.lower() for label in cleaned}) != 5:
        errors[name] = [_("Geef elk niveau een andere naam.")]
    return cleaned


def save_matrix_labels(
    actor: Actor, board: Organisation, *, likelihood_labels: Any, impact_labels: Any
) -> MatrixLabels:
    """Give ``board`` its own names for the five likelihood and five impact levels."""
    require(actor, board)
    errors: dict[str, list[str]] = {}
    if board.kind != OrganisationKind.BOARD:
        errors["organisation"] = [_("Alleen een bestuur kiest eigen namen in de matrix.")]
    likelihood = _clean_labels("likelihood_labels", likelihood_labels, errors)
    impact = _clean_labels("impact_labels", impact_labels, errors)
    if errors:
        raise ValidationError(errors)
    labels = MatrixLabels.objects.filter(organisation=board).first()
    created = labels is None
    if labels is None:
        labels = MatrixLabels(organisation=board, created_by=user_of(actor))
    before = None if created else model_snapshot(labels)
    labels.likelihood_labels = likelihood
    labels.impact_labels = impact
    labels.updated_by = user_of(actor)
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    change = change_for(action, labels, before, model_snapshot(labels))
    if created or change.changes:
        with transaction.atomic():
            labels.save()
            record_change(actor, change)
    return labels


def reset_matrix_labels(actor: Actor, board: Organisation) -> None:
    """Go back to the sector's default names (nothing happens when there are none of its own)."""
    require(actor, board)
    labels = MatrixLabels.objects.filter(organisation=board).first()
    if labels is None:
        return
    change = change_for(AuditAction.DELETE, labels, model_snapshot(labels), None)
    with transaction.atomic():
        labels.delete()
        record_change(actor, change)
