"""A breach's assessment and decision, the FG's advice and the notifications to the AP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.incidents import assessment as logic
from schildwacht.incidents.clock import is_late
from schildwacht.incidents.models import (
    Advice,
    ApNotification,
    BreachAssessment,
    Incident,
    IncidentStatus,
    NotificationKind,
)
from schildwacht.incidents.queries import board_of
from schildwacht.incidents.reference import reference
from schildwacht.incidents.services.common import (
    IncidentRefused,
    check_moment,
    check_text,
    incident_snapshot,
    may,
    name_of,
    require,
    require_breach,
    require_open,
    timeline_entry,
    user_of,
)
from schildwacht.organisations.scoping import organisation_ids

CONFLICT_MESSAGES = {
    "risk_without_breach": gettext_lazy(
        "Als het geen inbreuk op persoonsgegevens is, is er ook geen risico voor betrokkenen."
    ),
    "high_without_risk": gettext_lazy(
        "Een hoog risico is ook een risico: beantwoord beide vragen met ja."
    ),
    "exception_without_high_risk": gettext_lazy(
        "De uitzonderingen van art. 34 lid 3 gelden alleen bij een hoog risico."
    ),
}


def may_decide(actor: Actor, incident: Incident) -> bool:
    """Whether ``actor`` decides on the board's behalf: who changes the breach *and* holds
    ``change:privacy`` on its board (the privacy officer, the IBP-coördinator), not a school
    leader whose role ends at the school: the board is the controller."""
    if actor.user is None:
        return True
    board = board_of(incident.organisation)
    return may(actor, incident) and board.pk in organisation_ids(actor.user, "change", "privacy")


def require_decider(actor: Actor, incident: Incident) -> None:
    require(actor, incident)
    if not may_decide(actor, incident):
        raise IncidentRefused(
            _(
                "Het besluit over melden neemt de privacy officer (of de IBP-coördinator) "
                "namens het bestuur."
            )
        )


def _mark_in_progress(incident: Incident) -> None:
    if incident.status == IncidentStatus.REPORTED:
        incident.status = IncidentStatus.IN_PROGRESS


def _clean_answers(values: dict[str, Any], errors: dict[str, list[str]]) -> logic.Answers:
    for name in ("is_breach", "risk", "high_risk"):
        if not isinstance(values.get(name), bool):
            errors[name] = [_("Beantwoord deze vraag met ja of nee.")]
    for name in ("unintelligible", "risk_removed", "disproportionate"):
        if not isinstance(values.get(name, False), bool):
            errors[name] = [_("Kies ja of nee.")]
    answers = logic.Answers(
        is_breach=values.get("is_breach") is True,
        risk=values.get("risk") is True,
        high_risk=values.get("high_risk") is True,
        unintelligible=values.get("unintelligible") is True,
        risk_removed=values.get("risk_removed") is True,
        disproportionate=values.get("disproportionate") is True,
    )
    if not errors:
        try:
            logic.check(answers)
        except logic.InconsistentAnswers as error:
            for name, code in error.fields.items():
                errors[name] = [str(CONFLICT_MESSAGES[code])]
    return answers


ANSWER_FIELDS = (
    "is_breach",
    "risk",
    "high_risk",
    "unintelligible",
    "risk_removed",
    "disproportionate",
)
ASSESSMENT_FIELDS = {*ANSWER_FIELDS, "factors", "reasoning"}


def _clean_assessment(values: dict[str, Any]) -> tuple[logic.Answers, str, list[str]]:
    """The answers, the reasoning and the known factors (in list order), or ValidationError."""
    unknown = set(values) - ASSESSMENT_FIELDS
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    answers = _clean_answers(values, errors)
    reasoning = check_text("reasoning", values.get("reasoning"), errors, limit=8000)
    if not reasoning and "reasoning" not in errors:
        errors["reasoning"] = [_("Motiveer het besluit; ook een besluit om niet te melden.")]
    factors = values.get("factors") or []
    known = [code for code, _label in reference().choices("factors")]
    if not isinstance(factors, list | tuple) or not set(factors) <= set(known):
        errors["factors"] = [_("Kies factoren uit de lijst.")]
        factors = []
    if errors:
        raise ValidationError(errors)
    return answers, reasoning, [code for code in known if code in factors]


def record_assessment(actor: Actor, incident: Incident, **values: Any) -> BreachAssessment:
    """Record the assessment of a breach and the decision that follows, with the reasoning.

    ``values``: the answers ``is_breach``, ``risk``, ``high_risk``, the exceptions of art.
    34(3) ``unintelligible``, ``risk_removed``, ``disproportionate``, the ticked ``factors``
    and the ``reasoning``. Whether to notify the AP and how to inform the people involved
    follow from the answers (``assessment.decide``). Recording it again replaces the decision
    (the audit trail keeps the earlier one).
    """
    require_decider(actor, incident)
    require_breach(incident)
    require_open(incident)
    answers, reasoning, factors = _clean_assessment(values)
    outcome = logic.decide(answers)
    record = BreachAssessment.objects.filter(incident=incident).first()
    before = model_snapshot(record) if record is not None else None
    user = user_of(actor)
    if record is None:
        record = BreachAssessment(incident=incident, created_by=user)
    for name in ANSWER_FIELDS:
        setattr(record, name, getattr(answers, name))
    record.factors, record.reasoning = factors, reasoning
    record.notify_ap, record.inform = outcome.notify_ap, outcome.inform
    record.decided_at, record.decided_by = timezone.now(), user
    record.decided_by_name = name_of(actor)
    record.updated_by = user
    incident_before = incident_snapshot(incident)
    _mark_in_progress(incident)
    with transaction.atomic():
        record.save()
        incident.save(update_fields=["status", "updated_at"])
        _entry, entry_change = timeline_entry(actor, incident, _decision_line(record))
        action = AuditAction.CREATE if before is None else AuditAction.UPDATE
        changes: list[Change] = [
            change_for(action, record, before, model_snapshot(record)),
            change_for(AuditAction.UPDATE, incident, incident_before, incident_snapshot(incident)),
            entry_change,
        ]
        record_changes(actor, [change for change in changes if change.changes])
    return record


def _decision_line(record: BreachAssessment) -> str:
    ap = _("melden bij de AP") if record.notify_ap else _("niet melden bij de AP")
    return _("Besluit vastgelegd: %(ap)s; %(inform)s.") % {
        "ap": ap,
        "inform": record.get_inform_display().lower(),
    }


def record_advice(actor: Actor, incident: Incident, *, text: str) -> Advice:
    """Write or change the FG's advice on a breach (only a user holding ``advise:privacy``)."""
    require(actor, incident, "advise")
    require_breach(incident)
    require_open(incident)
    errors: dict[str, list[str]] = {}
    text = check_text("text", text, errors, limit=8000)
    if not text and "text" not in errors:
        errors["text"] = [_("Schrijf het advies.")]
    if errors:
        raise ValidationError(errors)
    user = user_of(actor)
    advice = Advice.objects.filter(incident=incident).first()
    before = model_snapshot(advice) if advice is not None else None
    if advice is None:
        advice = Advice(incident=incident, created_by=user)
    advice.text = text
    advice.advised_at = timezone.now()
    advice.advised_by = user
    advice.advised_by_name = name_of(actor)
    advice.updated_by = user
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    with transaction.atomic():
        advice.save()
        _entry, entry_change = timeline_entry(
            actor, incident, _("Advies van de functionaris gegevensbescherming vastgelegd.")
        )
        record_changes(
            actor, [change_for(action, advice, before, model_snapshot(advice)), entry_change]
        )
    return advice


def _check_notification(
    incident: Incident, kind: str, notified_at: Any, errors: dict[str, list[str]]
) -> ApNotification | None:
    """The first notification (None for a first one); puts problems on the fields."""
    first = ApNotification.objects.filter(incident=incident, kind=NotificationKind.INITIAL).first()
    if kind not in NotificationKind.values:
        errors["kind"] = [_("Kies melding, aanvulling of intrekking.")]
        return first
    if kind == NotificationKind.INITIAL:
        assessment = BreachAssessment.objects.filter(incident=incident).first()
        if first is not None:
            errors["kind"] = [_("De melding is al vastgelegd; leg een aanvulling vast.")]
        elif assessment is None or not assessment.notify_ap:
            errors["kind"] = [
                _("Leg eerst het besluit vast dat dit datalek bij de AP gemeld wordt.")
            ]
        return first
    if first is None:
        errors["kind"] = [_("Leg eerst de melding zelf vast.")]
    elif ApNotification.objects.filter(
        incident=incident, kind=NotificationKind.WITHDRAWAL
    ).exists():
        errors["kind"] = [_("De melding is ingetrokken; er kan niets meer bij.")]
    elif (
        "notified_at" not in errors
        and isinstance(notified_at, dt.datetime)
        and notified_at < first.notified_at
    ):
        errors["notified_at"] = [_("Ligt voor de melding zelf.")]
    return first


def _clean_notification(
    incident: Incident, kind: str, notified_at: Any, texts: dict[str, Any]
) -> dict[str, str]:
    """The cleaned texts (reference, summary, delay_reasons), or ValidationError naming fields."""
    errors: dict[str, list[str]] = {}
    check_moment("notified_at", notified_at, timezone.now(), errors, required=True)
    limits = {"reference": 100, "summary": 8000, "delay_reasons": 8000}
    cleaned = {
        name: check_text(name, texts.get(name), errors, limit) for name, limit in limits.items()
    }
    _check_notification(incident, kind, notified_at, errors)
    if "notified_at" not in errors and notified_at < incident.discovered_at:
        errors["notified_at"] = [_("Ligt voor het moment waarop het lek werd ontdekt.")]
    if kind in (NotificationKind.ADDITION, NotificationKind.WITHDRAWAL) and not cleaned["summary"]:
        errors.setdefault("summary", []).append(
            _("Schrijf wat de aanvulling toevoegt.")
            if kind == NotificationKind.ADDITION
            else _("Schrijf waarom de melding wordt ingetrokken.")
        )
    late = (
        kind == NotificationKind.INITIAL
        and incident.aware_at is not None
        and "notified_at" not in errors
        and is_late(incident.aware_at, notified_at)
    )
    if late and not cleaned["delay_reasons"]:
        errors["delay_reasons"] = [
            _("De melding is later dan 72 uur na kennisname: geef de redenen van de vertraging.")
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def record_notification(
    actor: Actor,
    incident: Incident,
    *,
    kind: str,
    notified_at: dt.datetime | None,
    reference: str = "",
    summary: str = "",
    delay_reasons: str = "",
) -> ApNotification:
    """Record a step of the notification to the AP: the notification, an addition or its
    withdrawal (append-only). A notification after the 72 hours needs the reasons for the
    delay (AVG art. 33(1)); an addition or withdrawal says what it adds or why."""
    require_decider(actor, incident)
    require_breach(incident)
    require_open(incident)
    texts = {"reference": reference, "summary": summary, "delay_reasons": delay_reasons}
    cleaned = _clean_notification(incident, kind, notified_at, texts)
    assert notified_at is not None  # checked above
    record = ApNotification(
        incident=incident,
        kind=kind,
        notified_at=notified_at,
        recorded_by=user_of(actor),
        recorded_by_name=name_of(actor),
        **cleaned,
    )
    incident_before = incident_snapshot(incident)
    _mark_in_progress(incident)
    with transaction.atomic():
        record.save()
        incident.save(update_fields=["status", "updated_at"])
        _entry, entry_change = timeline_entry(
            actor, incident, _notification_line(record), at=notified_at
        )
        changes = [
            change_for(AuditAction.CREATE, record, None, model_snapshot(record)),
            change_for(AuditAction.UPDATE, incident, incident_before, incident_snapshot(incident)),
            entry_change,
        ]
        record_changes(actor, [change for change in changes if change.changes])
    return record


def _notification_line(record: ApNotification) -> str:
    text = {
        NotificationKind.INITIAL: _("Gemeld bij de Autoriteit Persoonsgegevens."),
        NotificationKind.ADDITION: _("Aanvulling op de melding aan de AP."),
        NotificationKind.WITHDRAWAL: _("Melding aan de AP ingetrokken."),
    }[NotificationKind(record.kind)]
    if record.reference:
        text += " " + _("Kenmerk: %(reference)s.") % {"reference": record.reference}
    return text
