"""The FG's advice, sending a DPIA for advice and the board's decision."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import (
    Advice,
    Decision,
    Dpia,
    DpiaRisk,
    DpiaStatus,
)
from schildwacht.dpia.services.common import (
    DpiaRefused,
    require,
    require_open,
    set_status,
    user_of,
)
from schildwacht.organisations.models import OrganisationKind


def record_advice(
    actor: Actor, dpia: Dpia, *, text: str, advised_on: dt.date | None = None
) -> Advice:
    """Write or change the FG's advice on a board's DPIA (only a user holding advise:privacy)."""
    require(actor, dpia.organisation, "advise")
    if dpia.organisation.kind == OrganisationKind.SECTOR:
        raise DpiaRefused(_("Een sector-DPIA krijgt geen advies van een FG van een bestuur."))
    require_open(dpia)
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Schrijf het advies.")]
    advised_on = advised_on or timezone.localdate()
    if advised_on > timezone.localdate():
        errors["advised_on"] = [_("De datum van het advies ligt in de toekomst.")]
    if errors:
        raise ValidationError(errors)
    user = user_of(actor)
    advice = Advice.objects.filter(dpia=dpia).first()
    before = model_snapshot(advice) if advice is not None else None
    if advice is None:
        advice = Advice(dpia=dpia, created_by=user)
    advice.text = text
    advice.advised_on = advised_on
    advice.advised_by = user
    advice.advised_by_name = (user.full_name or user.email) if user is not None else actor.label
    advice.updated_by = user
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    change = change_for(action, advice, before, model_snapshot(advice))
    if not change.changes:
        return advice
    with transaction.atomic():
        advice.save()
        record_change(actor, change)
    return advice


def submit_for_advice(actor: Actor, dpia: Dpia) -> Dpia:
    """Send a concept DPIA to the FG for advice (status "ter advies bij FG")."""
    require(actor, dpia.organisation)
    if dpia.organisation.kind == OrganisationKind.SECTOR:
        raise DpiaRefused(_("Een sector-DPIA wordt gepubliceerd, niet ter advies gelegd."))
    if dpia.status != DpiaStatus.CONCEPT:
        raise DpiaRefused(_("Alleen een DPIA in concept kan ter advies worden gelegd."))
    return set_status(actor, dpia, DpiaStatus.ADVICE)


def record_decision(
    actor: Actor,
    dpia: Dpia,
    *,
    decision: str,
    reasoning: str,
    decided_by_name: str,
    decided_on: dt.date | None,
    no_advice_note: str = "",
) -> Dpia:
    """Record the board's decision on its behalf; the DPIA is then decided and locked.

    The FG's advice must exist, or ``no_advice_note`` must say why none was asked.
    """
    require(actor, dpia.organisation)
    if dpia.organisation.kind == OrganisationKind.SECTOR:
        raise DpiaRefused(_("Over een sector-DPIA besluit elk bestuur zelf, na overnemen."))
    require_open(dpia)
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Kies een besluit.")]
    reasoning, decided_by_name = reasoning.strip(), decided_by_name.strip()
    no_advice_note = no_advice_note.strip()
    if not reasoning:
        errors["decision_reasoning"] = [_("Motiveer het besluit.")]
    if not decided_by_name:
        errors["decided_by_name"] = [_("Vul in wie namens het bestuur besloot.")]
    elif len(decided_by_name) > 200:
        errors["decided_by_name"] = [_("Gebruik hoogstens 200 tekens.")]
    if decided_on is None:
        errors["decided_on"] = [_("Vul de datum van het besluit in.")]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = [_("De datum van het besluit ligt in de toekomst.")]
    if not Advice.objects.filter(dpia=dpia).exists() and not no_advice_note:
        errors["no_advice_note"] = [
            _(
                "Er is nog geen advies van de FG. Wacht op het advies, of leg vast waarom "
                "geen advies is gevraagd."
            )
        ]
    if errors:
        raise ValidationError(errors)
    # The art. 36 outcome is fixed with the decision, from the risks as they stand.
    return set_status(
        actor,
        dpia,
        DpiaStatus.DECIDED,
        decision=decision,
        decision_reasoning=reasoning,
        decided_by_name=decided_by_name,
        decided_on=decided_on,
        no_advice_note=no_advice_note,
        decision_recorded_by=user_of(actor),
        prior_consultation=any(risk.residual_high for risk in DpiaRisk.objects.filter(dpia=dpia)),
    )
