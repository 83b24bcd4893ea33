"""Writing reviews: the checklist applied to a supplier's standard agreement (central, by the
sector curator) or to one board's agreement, which builds on the central review when there is
a completed one.

A board review based on a central review (``base``) records only what is particular to the
board: an item left without a verdict counts as "zoals centraal beoordeeld", and an own
verdict overrides the central one. A completed review is locked until it is reopened; a
completed central review that boards have built on cannot be reopened (its verdicts are part of
their reviews), the curator starts a new one instead.

Item changes are audited as changes of the review (``<code>.verdict``, ``<code>.note``), so
they carry the review's organisation in the trail.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.organisations.models import OrganisationKind
from schildwacht.organisations.scoping import sector_ids
from schildwacht.suppliers.checklist import checklist_codes, checklist_item
from schildwacht.suppliers.models import Agreement, Review, ReviewItem, Supplier, Verdict
from schildwacht.suppliers.queries import latest_central_review, review_rows
from schildwacht.suppliers.services import SupplierRefused, may_change, user_of

MAX_NOTE = 4000
MAX_CONCLUSION = 10000


def may_change_review(actor: Actor, review: Review) -> bool:
    """The curator changes central reviews; whoever changes the agreement changes its review."""
    if actor.user is None:
        return True
    if review.supplier_id is not None:
        return review.organisation_id in sector_ids(actor.user, "manage", "catalogues")
    return may_change(actor, review.organisation)


def _require(actor: Actor, review: Review) -> None:
    if not may_change_review(actor, review):
        raise SupplierRefused(_("U mag deze beoordeling niet wijzigen."))


def _require_open(review: Review) -> None:
    if review.completed_at is not None:
        raise SupplierRefused(_("Deze beoordeling is afgerond. Heropen haar om iets te wijzigen."))


def _save(actor: Actor, review: Review, before: dict[str, Any]) -> Review:
    """Save the review's changed fields with their audit entry (nothing when nothing changed)."""
    change = change_for(AuditAction.UPDATE, review, before, model_snapshot(review))
    if change.changes:
        review.updated_by = user_of(actor)
        with transaction.atomic():
            review.save()
            record_change(actor, change)
    return review


def _open_or_create(actor: Actor, review: Review, subject: Supplier | Agreement) -> Review:
    """The subject's review still open, else ``review`` saved with an empty item per checklist
    code. The subject's row is locked first, so two clicks at once never start two reviews."""
    field = "supplier" if isinstance(subject, Supplier) else "agreement"
    with transaction.atomic():
        list(type(subject).objects.select_for_update().filter(pk=subject.pk).values_list("pk"))
        open_review = Review.objects.filter(completed_at__isnull=True, **{field: subject}).first()
        if open_review is not None:
            return open_review
        review.save()
        ReviewItem.objects.bulk_create(
            ReviewItem(review=review, item=code) for code in checklist_codes()
        )
        record_change(actor, change_for(AuditAction.CREATE, review, None, model_snapshot(review)))
    return review


def start_central_review(actor: Actor, supplier: Supplier) -> Review:
    """Start the review of a shared supplier's standard agreement (the curator), or return the
    one still open."""
    if supplier.organisation.kind != OrganisationKind.SECTOR:
        raise ValidationError(
            {
                "supplier": [
                    _(
                        "Alleen leveranciers uit de sectorcatalogus krijgen een centrale beoordeling."
                    )
                ]
            }
        )
    if actor.user is not None and supplier.organisation_id not in sector_ids(
        actor.user, "manage", "catalogues"
    ):
        raise SupplierRefused(_("Alleen de sectorbeheerder beoordeelt standaardovereenkomsten."))
    review = Review(
        organisation=supplier.organisation,
        supplier=supplier,
        created_by=user_of(actor),
        updated_by=user_of(actor),
    )
    return _open_or_create(actor, review, supplier)


def start_review(actor: Actor, agreement: Agreement) -> Review:
    """Start the review of a board's or school's agreement, or return the one still open.

    When the supplier's standard agreement has a completed central review, the new review is
    based on the newest one.
    """
    if not may_change(actor, agreement.organisation):
        raise SupplierRefused(_("U mag deze verwerkersovereenkomst niet beoordelen."))
    base = latest_central_review(agreement.supplier)
    review = Review(
        organisation=agreement.organisation,
        agreement=agreement,
        base=base,
        created_by=user_of(actor),
        updated_by=user_of(actor),
    )
    return _open_or_create(actor, review, agreement)


def update_review_item(
    actor: Actor, review: Review, code: str, *, verdict: str = "", note: str = ""
) -> ReviewItem:
    """Record the verdict and note on one checklist item.

    An empty verdict means "not yet judged", or on a review based on a central review, "zoals
    centraal beoordeeld".
    """
    _require(actor, review)
    _require_open(review)
    errors: dict[str, list[str]] = {}
    if checklist_item(code) is None:
        errors["item"] = [_("Onbekend onderdeel van de checklist: %(code)s.") % {"code": code}]
    if verdict not in ("", *Verdict.values):
        errors["verdict"] = [_("Kies in orde, aandachtspunt of ontbreekt.")]
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = [
            _("De notitie is te lang (hoogstens %(max)s tekens).") % {"max": MAX_NOTE}
        ]
    if errors:
        raise ValidationError(errors)
    item = ReviewItem.objects.filter(review=review, item=code).first() or ReviewItem(
        review=review, item=code
    )
    before = {f"{code}.verdict": item.verdict, f"{code}.note": item.note}
    item.verdict, item.note = verdict, note
    after = {f"{code}.verdict": item.verdict, f"{code}.note": item.note}
    change = change_for(AuditAction.UPDATE, review, before, after)
    if change.changes:
        review.updated_by = user_of(actor)
        with transaction.atomic():
            item.save()
            review.save(update_fields=["updated_by", "updated_at"])
            record_change(actor, change)
    return item


def _clean_conclusion(conclusion: str | None) -> str:
    text = (conclusion or "").strip()
    if len(text) > MAX_CONCLUSION:
        raise ValidationError(
            {
                "conclusion": [
                    _("De conclusie is te lang (hoogstens %(max)s tekens).")
                    % {"max": MAX_CONCLUSION}
                ]
            }
        )
    return text


def save_conclusion(actor: Actor, review: Review, conclusion: str) -> Review:
    """Save the conclusion of an open review."""
    _require(actor, review)
    _require_open(review)
    before = model_snapshot(review)
    review.conclusion = _clean_conclusion(conclusion)
    return _save(actor, review, before)


def complete_review(actor: Actor, review: Review, conclusion: str | None = None) -> Review:
    """Afronden: every item has a verdict (own or central) and there is a conclusion."""
    _require(actor, review)
    _require_open(review)
    before = model_snapshot(review)
    if conclusion is not None:
        review.conclusion = _clean_conclusion(conclusion)
    errors: dict[str, list[str]] = {}
    open_items = [row.item for row in review_rows(review) if not row.verdict]
    if open_items:
        errors["items"] = [
            _("Nog niet beoordeeld: %(items)s.")
            % {"items": ", ".join(item.title.current() for item in open_items)}
        ]
    if not review.conclusion:
        errors["conclusion"] = [_("Schrijf een conclusie voordat u de beoordeling afrondt.")]
    if errors:
        raise ValidationError(errors)
    review.completed_at = timezone.now()
    return _save(actor, review, before)


def reopen_review(actor: Actor, review: Review) -> Review:
    """Open a completed review again; not a central review that boards have built on."""
    _require(actor, review)
    if review.completed_at is None:
        return review
    if review.supplier_id is not None and review.reuses.exists():
        raise SupplierRefused(
            _(
                "Besturen bouwen voort op deze centrale beoordeling. Start een nieuwe "
                "beoordeling voor een nieuwe versie van de standaardovereenkomst."
            )
        )
    before = model_snapshot(review)
    review.completed_at = None
    return _save(actor, review, before)
