"""Recording pre-scans: the outcome computed from the ticked items, with the reasoning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import PreScan
from schildwacht.dpia.prescan import UnknownCodes, evaluate
from schildwacht.dpia.services.common import (
    MAX_REASON,
    require,
    user_of,
)
from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import Application, ProcessingActivity


def _clean_reasons(
    reasons: dict[str, Any], ticked: set[str], errors: dict[str, list[str]]
) -> dict[str, str]:
    cleaned = {code: str(text).strip() for code, text in reasons.items() if str(text).strip()}
    stray = sorted(set(cleaned) - ticked)
    if stray:
        errors["reasons"] = [
            _("Een toelichting hoort bij een aangevinkt onderdeel: %(codes)s.")
            % {"codes": ", ".join(stray)}
        ]
    too_long = sorted(code for code, text in cleaned.items() if len(text) > MAX_REASON)
    if too_long:
        errors.setdefault("reasons", []).append(
            _("Een toelichting is te lang (meer dan %(max)s tekens): %(codes)s.")
            % {"max": MAX_REASON, "codes": ", ".join(too_long)}
        )
    return cleaned


def _prescan_subject(
    actor: Actor, application: Application | None, processing: ProcessingActivity | None
) -> Organisation:
    if (application is None) == (processing is None):
        raise ValidationError(
            {"application": [_("Kies één applicatie of één verwerking voor de pre-scan.")]}
        )
    subject = application or processing
    assert subject is not None
    return subject.organisation


def create_prescan(
    actor: Actor,
    *,
    application: Application | None = None,
    processing_activity: ProcessingActivity | None = None,
    ap_items: Iterable[str] = (),
    criteria: Iterable[str] = (),
    reasons: dict[str, Any] | None = None,
    reasoning: str = "",
) -> PreScan:
    """Record a pre-scan of one application or processing activity, with its computed outcome.

    The reasoning is required: overall, or for every ticked item. Redoing a pre-scan adds a new
    one; the earlier ones stay as history.
    """
    organisation = _prescan_subject(actor, application, processing_activity)
    require(actor, organisation)
    errors: dict[str, list[str]] = {}
    ap_codes = sorted({str(c) for c in ap_items})
    criterion_codes = sorted({str(c) for c in criteria})
    outcome = None
    try:
        outcome = evaluate(ap_codes, criterion_codes)
    except UnknownCodes as error:
        for kind, codes in error.unknown.items():
            errors[kind] = [_("Onbekende code: %(codes)s.") % {"codes": ", ".join(codes)}]
    ticked = set(ap_codes) | set(criterion_codes)
    cleaned = _clean_reasons(reasons or {}, ticked, errors)
    reasoning = reasoning.strip()
    if len(reasoning) > MAX_REASON * 2:
        errors["reasoning"] = [_("De toelichting is te lang.")]
    elif not reasoning and (not ticked or ticked - set(cleaned)):
        errors["reasoning"] = [
            _(
                "Licht de uitkomst toe: in het algemeen, of bij elk aangevinkt onderdeel. "
                "Ook als niets van toepassing is, leg dan vast waarom."
            )
        ]
    if errors or outcome is None:
        raise ValidationError(errors)
    prescan = PreScan(
        organisation=organisation,
        application=application,
        processing_activity=processing_activity,
        ap_items=list(outcome.ap_items),
        criteria=list(outcome.criteria),
        reasons=cleaned,
        reasoning=reasoning,
        required=outcome.required,
        created_by=user_of(actor),
        updated_by=user_of(actor),
    )
    with transaction.atomic():
        prescan.save()
        record_change(actor, change_for(AuditAction.CREATE, prescan, None, model_snapshot(prescan)))
    return prescan
