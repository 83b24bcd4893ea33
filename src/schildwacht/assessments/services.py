"""Writing metingen: create (as a copy of the previous one), score norms, evidence, workflow.

Every function checks the actor's grant on the meting's organisation (a system actor may do
everything), refuses changes to an approved meting, and records its changes in the audit
trail inside its transaction. Refusals raise ``AssessmentRefused`` (a ``PermissionDenied``)
with a Dutch message; bad values raise ``ValidationError`` naming the field.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.assessments.models import (
    LEVELS,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Evidence,
    NormScore,
)
from schildwacht.assessments.queries import school_norm_levels
from schildwacht.assessments.uploads import check_upload
from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import (
    Actor,
    change_for,
    record_change,
    record_changes,
    snapshot,
)
from schildwacht.frameworks.models import Framework
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids

SCORE_FIELDS = (
    "level",
    "not_applicable",
    "not_applicable_reason",
    "target_level",
    "owner",
    "notes",
)


class AssessmentRefused(PermissionDenied):
    """The actor reaches the meting but may not do this (no grant, or the meting is locked)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class AssessmentLocked(AssessmentRefused):
    """The meting is approved (or in a state that does not allow this step)."""


def may(actor: Actor, organisation: Organisation, action: str) -> bool:
    """Whether ``actor`` holds ``action`` on the metingen of ``organisation``."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, action, Assessment.scope_area)


def _require(actor: Actor, organisation: Organisation, action: str) -> None:
    if may(actor, organisation, action):
        return
    if action == "approve":
        raise AssessmentRefused(_("Alleen een bestuurder mag een meting goedkeuren."))
    raise AssessmentRefused(
        _("U mag de metingen van %(name)s niet wijzigen.") % {"name": organisation}
    )


def _require_editable(assessment: Assessment) -> None:
    if assessment.is_locked:
        raise AssessmentLocked(
            _(
                "Deze meting is goedgekeurd en kan niet meer veranderen. "
                "Begin een nieuwe meting om verder te gaan."
            )
        )


def _previous_for(organisation: Organisation) -> Assessment | None:
    """The meting a new one copies: the latest approved one, else the latest of any status."""
    metingen = Assessment.objects.filter(organisation=organisation)
    approved = metingen.filter(status=AssessmentStatus.APPROVED).order_by("-created_at", "-pk")
    return approved.first() or metingen.order_by("-created_at", "-pk").first()


def _user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def _create_with_scores(
    actor: Actor,
    assessment: Assessment,
    values_by_norm: dict[str, dict[str, Any]],
    evidence_from: Assessment | None = None,
) -> Assessment:
    """Save ``assessment`` and one score per norm of its framework (bulk), all audited.

    With ``evidence_from``, the evidence of that meting is carried over to the scores with the
    same norm id: new records that point at the same stored file (files are stored by digest),
    so a later meting shows what was proven before and the earlier meting keeps its own.
    """
    assessment.full_clean()
    now = timezone.now()
    with transaction.atomic():
        assessment.save()
        target = assessment.framework.target_level
        norm_ids = list(
            assessment.framework.norms.order_by("norm_id").values_list("norm_id", flat=True)
        )
        scores = NormScore.objects.bulk_create(
            [
                NormScore(
                    assessment=assessment,
                    norm_id=norm_id,
                    updated_by=_user(actor),
                    updated_at=now,
                    **{"target_level": target, **values_by_norm.get(norm_id, {})},
                )
                for norm_id in norm_ids
            ]
        )
        changes = [change_for(AuditAction.CREATE, assessment, None, snapshot(assessment))]
        changes += [change_for(AuditAction.CREATE, s, None, snapshot(s)) for s in scores]
        if evidence_from is not None:
            copies = _copy_evidence(evidence_from, {s.norm_id: s for s in scores})
            changes += [change_for(AuditAction.CREATE, e, None, snapshot(e)) for e in copies]
        record_changes(actor, changes)
    return assessment


def _copy_evidence(source: Assessment, scores: dict[str, NormScore]) -> list[Evidence]:
    """Copies of ``source``'s evidence on the new scores with the same norm id (bulk)."""
    copies = [
        Evidence(
            score=scores[item.score.norm_id],
            file=item.file.name,
            original_name=item.original_name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            url=item.url,
            description=item.description,
            uploaded_by_id=item.uploaded_by_id,
            uploaded_at=item.uploaded_at,
        )
        for item in Evidence.objects.filter(score__assessment=source)
        .select_related("score")
        .order_by("uploaded_at", "pk")
        if item.score.norm_id in scores
    ]
    return Evidence.objects.bulk_create(copies)


def create_assessment(
    actor: Actor,
    organisation: Organisation,
    framework: Framework,
    title: str,
    *,
    copy_previous: bool = True,
) -> Assessment:
    """Start a meting; it begins as a copy of the organisation's previous meting.

    The previous meting is the latest approved one, else the latest one. Its scores are mapped
    onto ``framework`` by norm id; norms new to this edition start empty, and norms the
    edition no longer has are left behind (the previous meting keeps them). Evidence comes
    along with the scores.
    """
    _require(actor, organisation, "change")
    previous = _previous_for(organisation) if copy_previous else None
    first = not Assessment.objects.filter(organisation=organisation).exists()
    values: dict[str, dict[str, Any]] = {}
    if previous is not None:
        values = {
            row["norm_id"]: {name: row[name] for name in SCORE_FIELDS}
            for row in previous.scores.values("norm_id", *SCORE_FIELDS)
        }
    assessment = Assessment(
        organisation=organisation,
        framework=framework,
        title=title.strip(),
        kind=AssessmentKind.NULMETING if first else AssessmentKind.METING,
        previous=previous,
        created_by=_user(actor),
    )
    return _create_with_scores(actor, assessment, values, evidence_from=previous)


def create_board_assessment_from_schools(
    actor: Actor, board: Organisation, framework: Framework, title: str
) -> Assessment:
    """A board meting prefilled with, per norm, the lowest level of its schools' latest metingen.

    Each prefilled score says so in its notes (lowest and average, number of schools), so the
    coordinator knows where the value came from and can adjust it.
    """
    if board.kind != OrganisationKind.BOARD:
        raise ValidationError(
            {"organisation": _("Alleen een bestuur bouwt een meting uit scholen.")}
        )
    _require(actor, board, "change")
    rows = school_norm_levels(board)
    if not rows:
        raise ValidationError(
            {"organisation": _("Geen van de scholen van dit bestuur heeft al een meting.")}
        )
    values = {
        row.norm_id: {
            "level": row.lowest,
            "notes": _(
                "Laagste niveau van %(count)s school/scholen (gemiddeld %(average)s), "
                "overgenomen uit de laatste meting van elke school."
            )
            % {"count": row.schools, "average": f"{row.average:.1f}".replace(".", ",")},
        }
        for row in rows
    }
    first = not Assessment.objects.filter(organisation=board).exists()
    assessment = Assessment(
        organisation=board,
        framework=framework,
        title=title.strip(),
        kind=AssessmentKind.NULMETING if first else AssessmentKind.METING,
        notes=_("Opgebouwd uit de laatste metingen van de scholen (laagste niveau per norm)."),
        created_by=_user(actor),
    )
    return _create_with_scores(actor, assessment, values)


def update_assessment(actor: Actor, assessment: Assessment, *, title: str) -> Assessment:
    """Rename a meting that is not yet approved."""
    _require(actor, assessment.organisation, "change")
    _require_editable(assessment)
    before = snapshot(assessment)
    assessment.title = title.strip()
    assessment.full_clean()
    with transaction.atomic():
        assessment.save()
        record_change(
            actor, change_for(AuditAction.UPDATE, assessment, before, snapshot(assessment))
        )
    return assessment


def delete_assessment(actor: Actor, assessment: Assessment) -> None:
    """Delete a draft meting with its scores and evidence (a started one stays).

    Stored files go only when no other meting's evidence still points at them.
    """
    _require(actor, assessment.organisation, "change")
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentLocked(_("Alleen een meting in concept kan worden verwijderd."))
    with transaction.atomic():
        evidence = list(Evidence.objects.filter(score__assessment=assessment))
        scores = list(assessment.scores.all())
        changes = [change_for(AuditAction.DELETE, e, snapshot(e), None) for e in evidence]
        changes += [change_for(AuditAction.DELETE, s, snapshot(s), None) for s in scores]
        changes.append(change_for(AuditAction.DELETE, assessment, snapshot(assessment), None))
        record_changes(actor, changes)
        assessment.delete()
        _delete_unused_files(evidence)


def _clean_score_values(score: NormScore, values: dict[str, Any]) -> None:
    unknown = set(values) - set(SCORE_FIELDS)
    if unknown:
        raise ValueError(f"unknown score fields: {sorted(unknown)}")
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(score, name, value)
    errors: dict[str, str] = {}
    if score.level is not None and score.level not in LEVELS:
        errors["level"] = _("Kies een niveau van 1 tot en met 5.")
    if score.target_level not in LEVELS:
        errors["target_level"] = _("Kies een streefniveau van 1 tot en met 5.")
    if score.not_applicable:
        if score.level is not None:
            errors["level"] = _("Een norm die niet van toepassing is, krijgt geen niveau.")
        if not score.not_applicable_reason:
            errors["not_applicable_reason"] = _(
                "Geef een reden waarom deze norm niet van toepassing is."
            )
    else:
        # The reason belongs to N/A only; leaving it would suggest the norm is still N/A.
        score.not_applicable_reason = ""
    if errors:
        raise ValidationError(errors)
    score.full_clean(exclude=["assessment", "updated_by"], validate_constraints=False)


def update_score(actor: Actor, score: NormScore, **values: Any) -> NormScore:
    """Change one norm's level, N/A and reason, target, owner or notes (not when approved)."""
    assessment = score.assessment
    _require(actor, assessment.organisation, "change")
    _require_editable(assessment)
    before = snapshot(score)
    _clean_score_values(score, values)
    after = snapshot(score)
    if before == after:
        return score
    score.updated_by = _user(actor)
    score.updated_at = timezone.now()
    with transaction.atomic():
        score.save()
        record_change(actor, change_for(AuditAction.UPDATE, score, before, after))
    return score


def _transition(
    actor: Actor, assessment: Assessment, allowed_from: set[str], to: str, **extra: Any
) -> Assessment:
    if assessment.status not in allowed_from:
        _require_editable(assessment)
        raise AssessmentLocked(
            _("Deze stap kan niet vanuit de status “%(status)s”.")
            % {"status": assessment.get_status_display()}
        )
    before = snapshot(assessment)
    assessment.status = to
    for name, value in extra.items():
        setattr(assessment, name, value)
    with transaction.atomic():
        assessment.save()
        record_change(
            actor, change_for(AuditAction.UPDATE, assessment, before, snapshot(assessment))
        )
    return assessment


def submit_for_review(actor: Actor, assessment: Assessment) -> Assessment:
    """Offer a draft meting to the board for approval."""
    _require(actor, assessment.organisation, "change")
    return _transition(actor, assessment, {AssessmentStatus.DRAFT}, AssessmentStatus.IN_REVIEW)


def reopen_assessment(actor: Actor, assessment: Assessment) -> Assessment:
    """Send a meting under review back to draft (by its editors or the board member)."""
    if not may(actor, assessment.organisation, "approve"):
        _require(actor, assessment.organisation, "change")
    return _transition(actor, assessment, {AssessmentStatus.IN_REVIEW}, AssessmentStatus.DRAFT)


def approve_assessment(actor: Actor, assessment: Assessment) -> Assessment:
    """Approve a meting under review; from then on it is locked."""
    _require(actor, assessment.organisation, "approve")
    return _transition(
        actor,
        assessment,
        {AssessmentStatus.IN_REVIEW},
        AssessmentStatus.APPROVED,
        approved_by=_user(actor),
        approved_at=timezone.now(),
    )


def add_evidence_file(
    actor: Actor, score: NormScore, upload: UploadedFile, description: str = ""
) -> Evidence:
    """Store an uploaded file as evidence after checking its size and type by content."""
    _require(actor, score.assessment.organisation, "change")
    _require_editable(score.assessment)
    checked = check_upload(upload)
    evidence = Evidence(
        score=score,
        original_name=(upload.name or "")[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=description.strip()[:200],
        uploaded_by=_user(actor),
    )
    with transaction.atomic():
        evidence.file.save(upload.name or "bestand", upload, save=False)
        evidence.save()
        record_change(actor, change_for(AuditAction.CREATE, evidence, None, snapshot(evidence)))
    return evidence


def add_evidence_link(actor: Actor, score: NormScore, url: str, description: str = "") -> Evidence:
    """Record a link (https only) as evidence."""
    _require(actor, score.assessment.organisation, "change")
    _require_editable(score.assessment)
    url = url.strip()
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError as error:
        raise ValidationError(
            {"url": _("Geef een geldige link die begint met https://.")}
        ) from error
    evidence = Evidence(
        score=score, url=url, description=description.strip()[:200], uploaded_by=_user(actor)
    )
    evidence.full_clean(exclude=["score", "uploaded_by"])
    with transaction.atomic():
        evidence.save()
        record_change(actor, change_for(AuditAction.CREATE, evidence, None, snapshot(evidence)))
    return evidence


def remove_evidence(actor: Actor, evidence: Evidence) -> None:
    """Remove evidence from a meting that is not approved.

    The stored file stays when another record (another meting's copy) has the same digest.
    """
    score = evidence.score
    _require(actor, score.assessment.organisation, "change")
    _require_editable(score.assessment)
    with transaction.atomic():
        record_change(actor, change_for(AuditAction.DELETE, evidence, snapshot(evidence), None))
        evidence.delete()
        _delete_unused_files([evidence])


def _delete_unused_files(removed: list[Evidence]) -> None:
    """After commit, delete the stored files of ``removed`` that no evidence points at any more."""
    stored = {item.file.name: item.file.storage for item in removed if item.file.name}
    still_used = set(
        Evidence.objects.filter(file__in=list(stored)).values_list("file", flat=True).distinct()
    )
    for name, storage in stored.items():
        if name not in still_used:
            transaction.on_commit(partial(storage.delete, name))
