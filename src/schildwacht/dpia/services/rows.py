"""Parts 3 and 4: risks (with the art. 36 outcome) and measures (with the plan)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import (
    Dpia,
    DpiaMeasure,
    DpiaRisk,
)
from schildwacht.dpia.reference import risk_matrix
from schildwacht.dpia.services.common import (
    RISK_FIELDS,
    DpiaRefused,
    ids_of,
    measure_snapshot,
    refresh_outcome,
    require,
    require_open,
)
from schildwacht.organisations.models import OrganisationKind
from schildwacht.planning import services as planning_services
from schildwacht.planning.models import Measure


def _validate_risk(risk: DpiaRisk, values: dict[str, Any]) -> None:
    unknown = set(values) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    matrix = risk_matrix()
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        setattr(risk, name, value.strip() if isinstance(value, str) else value)
    for name, points in (
        ("likelihood", len(matrix.likelihood)),
        ("impact", len(matrix.impact)),
        ("residual_likelihood", len(matrix.likelihood)),
        ("residual_impact", len(matrix.impact)),
    ):
        value = getattr(risk, name)
        if value is None and name.startswith("residual"):
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= points:
            errors[name] = [_("Kies een waarde van 1 tot en met %(max)s.") % {"max": points}]
    if (risk.residual_likelihood is None) != (risk.residual_impact is None):
        name = "residual_impact" if risk.residual_impact is None else "residual_likelihood"
        errors.setdefault(name, []).append(
            _("Vul bij het restrisico zowel kans als impact in, of geen van beide.")
        )
    try:
        risk.full_clean(exclude=["dpia", "from_sector", *errors], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def add_risk(actor: Actor, dpia: Dpia, **values: Any) -> DpiaRisk:
    """Add a risk to part 3, scored on the matrix (residual score optional until measures)."""
    require(actor, dpia.organisation)
    require_open(dpia)
    values.setdefault("residual_likelihood", None)
    values.setdefault("residual_impact", None)
    risk = DpiaRisk(dpia=dpia)
    _validate_risk(risk, dict(values))
    with transaction.atomic():
        risk.save()
        changes = [change_for(AuditAction.CREATE, risk, None, model_snapshot(risk))]
        outcome = refresh_outcome(dpia)
        record_changes(actor, [*changes, *([outcome] if outcome else [])])
    return risk


def update_risk(actor: Actor, risk: DpiaRisk, **values: Any) -> DpiaRisk:
    """Change a risk of an open DPIA; the art. 36 outcome follows the new scores."""
    dpia = risk.dpia
    require(actor, dpia.organisation)
    require_open(dpia)
    before = model_snapshot(risk)
    _validate_risk(risk, dict(values))
    change = change_for(AuditAction.UPDATE, risk, before, model_snapshot(risk))
    if not change.changes:
        return risk
    with transaction.atomic():
        risk.save()
        outcome = refresh_outcome(dpia)
        record_changes(actor, [change, *([outcome] if outcome else [])])
    return risk


def delete_risk(actor: Actor, risk: DpiaRisk) -> None:
    """Remove a risk; the measures against it lose that link (audited as their change)."""
    dpia = risk.dpia
    require(actor, dpia.organisation)
    require_open(dpia)
    changes = [change_for(AuditAction.DELETE, risk, model_snapshot(risk), None)]
    for measure in DpiaMeasure.objects.filter(risks=risk).prefetch_related("risks"):
        risk_ids = [r.pk for r in measure.risks.all()]
        remaining = [pk for pk in risk_ids if pk != risk.pk]
        changes.append(
            change_for(
                AuditAction.UPDATE,
                measure,
                measure_snapshot(measure, risk_ids),
                measure_snapshot(measure, remaining),
            )
        )
    with transaction.atomic():
        risk.delete()
        outcome = refresh_outcome(dpia)
        record_changes(actor, [*changes, *([outcome] if outcome else [])])


def _validate_measure(
    actor: Actor, measure: DpiaMeasure, values: dict[str, Any]
) -> list[int] | None:
    unknown = set(values) - {"description", "risks", "plan_measure"}
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    risk_ids = None
    if "risks" in values:
        try:
            wanted = ids_of(values.pop("risks"))
        except (TypeError, ValueError):
            wanted = set()
            errors["risks"] = [_("Geef de nummers van risico's van deze DPIA.")]
        known = set(measure.dpia.risks.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - known:
            errors["risks"] = [_("Kies risico's van deze DPIA.")]
        risk_ids = sorted(known)
    if "plan_measure" in values:
        values["plan_measure"] = _clean_plan_measure(
            actor, measure.dpia, values["plan_measure"], errors
        )
    if isinstance(values.get("description"), str):
        values["description"] = values["description"].strip()
    for name, value in values.items():
        setattr(measure, name, value)
    if not measure.description:
        errors["description"] = [_("Beschrijf de maatregel.")]
    if errors:
        raise ValidationError(errors)
    return risk_ids


def _clean_plan_measure(
    actor: Actor, dpia: Dpia, value: Any, errors: dict[str, list[str]]
) -> Measure | None:
    """An existing plan measure of the same organisation that the actor may read."""
    if value is None:
        return None
    if dpia.organisation.kind == OrganisationKind.SECTOR:
        errors["plan_measure"] = [_("Een sector-DPIA heeft geen plan; koppel maatregelen later.")]
        return None
    measure_id = value.pk if isinstance(value, Model) else value
    queryset = Measure.objects.for_user(actor.user) if actor.user is not None else Measure.objects
    found = queryset.filter(pk=measure_id, organisation=dpia.organisation).first()
    if found is None:
        errors["plan_measure"] = [_("Kies een maatregel uit het plan van dezelfde organisatie.")]
    return found


def add_measure(actor: Actor, dpia: Dpia, **values: Any) -> DpiaMeasure:
    """Add a measure to part 4: what is done against which risks, optionally a plan measure."""
    require(actor, dpia.organisation)
    require_open(dpia)
    measure = DpiaMeasure(dpia=dpia)
    risk_ids = _validate_measure(actor, measure, dict(values)) or []
    with transaction.atomic():
        measure.save()
        measure.risks.set(risk_ids)
        record_change(
            actor,
            change_for(AuditAction.CREATE, measure, None, measure_snapshot(measure, risk_ids)),
        )
    return measure


def update_measure(actor: Actor, measure: DpiaMeasure, **values: Any) -> DpiaMeasure:
    """Change a measure of an open DPIA: its text, its risks or its plan measure."""
    dpia = measure.dpia
    require(actor, dpia.organisation)
    require_open(dpia)
    old_risks = list(measure.risks.values_list("pk", flat=True))
    before = measure_snapshot(measure, old_risks)
    risk_ids = _validate_measure(actor, measure, dict(values))
    after = measure_snapshot(measure, old_risks if risk_ids is None else risk_ids)
    change = change_for(AuditAction.UPDATE, measure, before, after)
    if not change.changes:
        return measure
    with transaction.atomic():
        measure.save()
        if risk_ids is not None:
            measure.risks.set(risk_ids)
        record_change(actor, change)
    return measure


def delete_measure(actor: Actor, measure: DpiaMeasure) -> None:
    """Remove a DPIA measure; a linked plan measure stays in the plan."""
    require(actor, measure.dpia.organisation)
    require_open(measure.dpia)
    change = change_for(AuditAction.DELETE, measure, measure_snapshot(measure), None)
    with transaction.atomic():
        measure.delete()
        record_change(actor, change)


def create_plan_measure(actor: Actor, measure: DpiaMeasure, **values: Any) -> Measure:
    """Put a DPIA measure in the plan (``planning.services.create_measure``) and link it.

    The plan's own rule applies: whoever may not add plan measures (e.g. the privacy officer,
    whose role changes privacy items only) is refused with the reason.
    """
    dpia = measure.dpia
    require(actor, dpia.organisation)
    require_open(dpia)
    if dpia.organisation.kind == OrganisationKind.SECTOR:
        raise DpiaRefused(_("Een sector-DPIA heeft geen plan."))
    if measure.plan_measure_id is not None:
        raise DpiaRefused(_("Deze maatregel staat al in het plan."))
    values.setdefault("title", measure.description.splitlines()[0][:200])
    values.setdefault(
        "description",
        _("Uit de DPIA “%(title)s”.\n\n%(text)s") % {"title": dpia, "text": measure.description},
    )
    before = measure_snapshot(measure)
    with transaction.atomic():
        try:
            plan_measure = planning_services.create_measure(actor, dpia.organisation, **values)
        except planning_services.MeasureRefused as error:
            raise DpiaRefused(
                _(
                    "U mag geen maatregelen aan het plan toevoegen (%(reason)s). Vraag de "
                    "IBP-coördinator, of koppel een bestaande maatregel uit het plan."
                )
                % {"reason": error.message}
            ) from error
        measure.plan_measure = plan_measure
        measure.save(update_fields=["plan_measure"])
        record_change(
            actor, change_for(AuditAction.UPDATE, measure, before, measure_snapshot(measure))
        )
    return plan_measure
