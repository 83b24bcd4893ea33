"""Reads of suppliers, agreements and reviews for pages, the API, exports and jobs.

Validity: an agreement is valid on a day when it is signed and its expiry date, if any, is not
before that day. The daily job (``services.expire_agreements``) also moves signed agreements
past their expiry date to "verlopen", but every figure here checks the date itself, so the
coverage is right on the day an agreement runs out, whether or not the job has run yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Membership, Organisation, OrganisationKind
from schildwacht.organisations.roles import Role
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.registers.models import Application
from schildwacht.suppliers.checklist import ChecklistItem, checklist
from schildwacht.suppliers.models import (
    SCOPE_AREA,
    Agreement,
    AgreementStatus,
    Review,
    ReviewItem,
    Supplier,
    SupplierDetail,
    Verdict,
)

# A signed agreement "verloopt binnenkort" when it expires within this many days; the
# reminder goes out in the same window.
EXPIRING_WITHIN_DAYS = 60
# An agreement is reminded of at most once in this many days.
REMIND_EVERY_DAYS = 14
# Who gets the expiry reminder: the board's (or school's) privacy officers and IBP coordinators,
# the people who renew agreements. School leaders and the FG are deliberately left out.
REMINDER_ROLES = (Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER)
# The agreements page shows at most this many uncovered applications (with the total count).
UNCOVERED_LIMIT = 50


def today() -> dt.date:
    return timezone.localdate()


def board_of(organisation: Organisation) -> Organisation:
    """The board of a school, or the board itself."""
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent is not None:
        return organisation.parent
    return organisation


def available_suppliers(organisation: Organisation) -> QuerySet[Supplier]:
    """Suppliers a board or school can pick: its sector's catalogue and its board's own."""
    board = board_of(organisation)
    return Supplier.objects.filter(organisation_id__in=[board.pk, board.parent_id or 0])


def privacy_organisation(user: Any, org_id: int, action: str = "view") -> Organisation:
    """Organisation ``org_id`` if the user may ``action`` its privacy items, else Http404."""
    if org_id not in organisation_ids(user, action, SCOPE_AREA):
        raise Http404
    return Organisation.objects.select_related("parent").get(pk=org_id)


# Suppliers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierFilter:
    """Filters of the supplier list and API; empty means "any"."""

    search: str = ""
    convenant_status: str = ""


def suppliers_for_user(user: Any, selection: SupplierFilter | None = None) -> QuerySet[Supplier]:
    """The catalogue of the user's sector(s) and the own suppliers of the user's boards.

    Each row carries ``shared`` (a sector catalogue entry) and ``reviewed`` (a completed central
    review exists) for the list, computed in the same query.
    """
    selection = selection or SupplierFilter()
    suppliers = (
        Supplier.objects.for_user(user)
        .select_related("organisation")
        .annotate(
            reviewed=Exists(
                Review.objects.filter(supplier=OuterRef("pk"), completed_at__isnull=False)
            )
        )
        .order_by("name", "pk")
    )
    search = selection.search.strip()
    if search:
        suppliers = suppliers.filter(Q(name__icontains=search) | Q(kvk_number=search))
    if selection.convenant_status:
        suppliers = suppliers.filter(convenant_status=selection.convenant_status)
    return suppliers


def supplier_for_user(user: Any, pk: int, action: str = "view") -> Supplier:
    supplier = (
        Supplier.objects.for_user(user, action)
        .select_related("organisation", "created_by", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if supplier is None:
        raise Http404
    return supplier


def is_shared(supplier: Supplier) -> bool:
    """Whether the supplier is part of a sector's shared catalogue."""
    return supplier.organisation.kind == OrganisationKind.SECTOR


def latest_central_review(supplier: Supplier) -> Review | None:
    """The newest completed central review of the supplier's standard agreement."""
    return (
        Review.objects.filter(supplier=supplier, completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .first()
    )


def detail_for(user: Any, supplier: Supplier, board: Organisation) -> SupplierDetail | None:
    """The board's own data at ``supplier``, if the user reads the board's privacy items."""
    return (
        SupplierDetail.objects.for_user(user)
        .filter(supplier=supplier, organisation=board)
        .select_related("updated_by")
        .first()
    )


@dataclass(frozen=True)
class SupplierPage:
    """What the supplier page shows beside the supplier's own data."""

    board: Organisation | None
    detail: SupplierDetail | None
    agreements: list[Agreement]
    central_review: Review | None


def supplier_page(user: Any, supplier: Supplier, active: Organisation | None) -> SupplierPage:
    """The active board's own data and agreements with ``supplier`` and its central review.

    The curator (active on the sector node) gets no board part: nothing of a board is read.
    """
    board = None
    if active is not None and active.kind != OrganisationKind.SECTOR:
        board = board_of(active)
        if board.pk not in organisation_ids(user, "view", SCOPE_AREA):
            board = None
    detail = detail_for(user, supplier, board) if board is not None else None
    agreements = (
        list(
            Agreement.objects.for_user(user)
            .filter(supplier=supplier, organisation__path__startswith=board.path)
            .select_related("organisation")
            .order_by("title", "pk")
        )
        if board is not None
        else []
    )
    # The curator's open draft first (boards never read drafts), else the newest completed
    # review: the one a board review builds on. NULLs sort differently per database, hence
    # the explicit ``nulls_first``.
    central = (
        Review.objects.for_user(user)
        .filter(supplier=supplier)
        .order_by(F("completed_at").desc(nulls_first=True), "-pk")
        .first()
    )
    return SupplierPage(board, detail, agreements, central)


# Agreements ----------------------------------------------------------------------------------


def valid_q(day: dt.date) -> Q:
    """Agreements valid on ``day``: signed, and not yet past their expiry date."""
    return Q(status=AgreementStatus.SIGNED) & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def expiring_q(day: dt.date) -> Q:
    """Signed agreements that expire within ``EXPIRING_WITHIN_DAYS`` days (today included)."""
    return Q(
        status=AgreementStatus.SIGNED,
        expires_on__gte=day,
        expires_on__lte=day + dt.timedelta(days=EXPIRING_WITHIN_DAYS),
    )


def is_valid(agreement: Agreement, day: dt.date | None = None) -> bool:
    day = day or today()
    return agreement.status == AgreementStatus.SIGNED and (
        agreement.expires_on is None or agreement.expires_on >= day
    )


def is_expiring(agreement: Agreement, day: dt.date | None = None) -> bool:
    day = day or today()
    return (
        agreement.status == AgreementStatus.SIGNED
        and agreement.expires_on is not None
        and day <= agreement.expires_on <= day + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    )


def agreements_for_user(
    user: Any, organisation: Organisation, action: str = "view"
) -> QuerySet[Agreement]:
    """Agreements the user may ``action`` of ``organisation`` and, for a board, its schools."""
    return (
        Agreement.objects.for_user(user, action)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "supplier")
        .prefetch_related(
            Prefetch("applications", queryset=Application.objects.order_by("name", "pk"))
        )
        .order_by("supplier__name", "title", "pk")
    )


@dataclass(frozen=True)
class AgreementFilter:
    """Filters of the agreements list, its export and the API; empty means "any"."""

    status: str = ""
    supplier: int | None = None
    expiring: bool = False


def filter_agreements(
    agreements: QuerySet[Agreement], selection: AgreementFilter, day: dt.date | None = None
) -> QuerySet[Agreement]:
    if selection.status:
        agreements = agreements.filter(status=selection.status)
    if selection.supplier is not None:
        agreements = agreements.filter(supplier_id=selection.supplier)
    if selection.expiring:
        agreements = agreements.filter(expiring_q(day or today()))
    return agreements


def agreement_for_user(user: Any, pk: int, action: str = "view") -> Agreement:
    """One agreement the user may ``action``, or Http404."""
    agreement = (
        Agreement.objects.for_user(user, action)
        .select_related("organisation__parent", "supplier__organisation", "updated_by")
        .prefetch_related(
            Prefetch("applications", queryset=Application.objects.order_by("name", "pk"))
        )
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def agreement_reviews(user: Any, agreement: Agreement) -> list[Review]:
    return list(
        Review.objects.for_user(user).filter(agreement=agreement).order_by("-created_at", "-pk")
    )


def selectable_applications(organisation: Organisation) -> QuerySet[Application]:
    """Applications an agreement of ``organisation`` may cover: its own subtree's, and for a
    school also its board's own (a sibling school's never)."""
    board = board_of(organisation)
    return Application.objects.filter(
        Q(organisation__path__startswith=organisation.path) | Q(organisation=board)
    )


def applications_for_form(user: Any, organisation: Organisation) -> QuerySet[Application]:
    """Applications of the board of ``organisation`` and its schools that the user reads."""
    board = board_of(organisation)
    return (
        Application.objects.for_user(user)
        .filter(organisation__path__startswith=board.path)
        .select_related("organisation")
        .order_by("name", "pk")
    )


def breach_notification_hours_for(
    application: Application, day: dt.date | None = None
) -> int | None:
    """The supplier's breach-notification term (hours) for ``application``, or None.

    The incident module calls this once it has checked the user may see the application: the
    shortest term among the valid agreements that cover the application, because the supplier
    must meet every agreement it signed. None when no valid agreement records a term.
    """
    day = day or today()
    row = Agreement.objects.filter(
        valid_q(day), applications=application, breach_notification_hours__isnull=False
    ).aggregate(hours=Min("breach_notification_hours"))
    hours = row["hours"]
    return int(hours) if hours is not None else None


# Coverage (basismaatregel 2) -------------------------------------------------------------------


def _personal_data_applications(user: Any, organisation: Organisation) -> QuerySet[Application]:
    """Applications with personal data of ``organisation``'s subtree that the user reads."""
    return Application.objects.for_user(user).filter(
        organisation__path__startswith=organisation.path, personal_data=True
    )


def _covered(user: Any, day: dt.date) -> Exists:
    """True for an application that a valid agreement the user reads covers."""
    return Exists(
        Agreement.objects.for_user(user).filter(valid_q(day), applications=OuterRef("pk"))
    )


def agreement_coverage(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> Coverage:
    """Basismaatregel 2: of the applications holding personal data (of ``organisation`` and, for
    a board, its schools, as far as the user reads them), how many a valid agreement the user
    reads covers. One aggregate query (after the user's scope, which is cached)."""
    day = day or today()
    row = _personal_data_applications(user, organisation).aggregate(
        total=Count("pk"), covered=Count("pk", filter=_covered(user, day))
    )
    return Coverage(covered=row["covered"], total=row["total"])


def uncovered_applications(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> QuerySet[Application]:
    """The applications with personal data that no valid agreement covers, by name."""
    day = day or today()
    return (
        _personal_data_applications(user, organisation)
        .filter(~_covered(user, day))
        .select_related("organisation", "supplier")
        .order_by("name", "pk")
    )


# Reviews -------------------------------------------------------------------------------------


def review_for_user(user: Any, pk: int, action: str = "view") -> Review:
    review = (
        Review.objects.for_user(user, action)
        .select_related(
            "organisation", "supplier__organisation", "agreement__supplier", "base", "updated_by"
        )
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404
    return review


@dataclass(frozen=True)
class ItemRow:
    """One checklist item of a review: the board's own verdict and, when based on a central
    review, the central one. ``verdict`` is what counts: the own one, else the central one."""

    item: ChecklistItem
    own: ReviewItem | None
    central: ReviewItem | None

    @property
    def own_verdict(self) -> str:
        return self.own.verdict if self.own is not None else ""

    @property
    def verdict(self) -> str:
        if self.own_verdict:
            return self.own_verdict
        return self.central.verdict if self.central is not None else ""

    @property
    def verdict_label(self) -> str:
        return str(Verdict(self.verdict).label) if self.verdict else ""

    @property
    def inherited(self) -> bool:
        """The verdict is the central one ("zoals centraal beoordeeld")."""
        return not self.own_verdict and bool(self.verdict)

    @property
    def anchor(self) -> str:
        return f"onderdeel-{self.item.code}"


def review_rows(review: Review) -> list[ItemRow]:
    """Every checklist item with the review's and its base's verdicts (two queries at most)."""
    own = {item.item: item for item in review.items.all()}
    central: dict[str, ReviewItem] = {}
    if review.base_id is not None:
        central = {item.item: item for item in ReviewItem.objects.filter(review_id=review.base_id)}
    return [ItemRow(item, own.get(item.code), central.get(item.code)) for item in checklist()]


def verdict_counts(rows: list[ItemRow]) -> dict[str, int]:
    """How many items count as each verdict; ``open``: not judged yet (nor centrally)."""
    counts = {verdict.value: 0 for verdict in Verdict}
    counts["open"] = 0
    for row in rows:
        counts[row.verdict or "open"] += 1
    return counts


# Reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryDigest:
    """One e-mail: a recipient and the agreements about to expire they hear about."""

    user: Any
    agreements: list[Agreement]
    today: dt.date


def due_for_reminder(now: dt.datetime) -> list[Agreement]:
    """Signed agreements expiring within the window, not reminded of in the last 14 days."""
    day = timezone.localdate(now)
    # Calendar days, as people count them: reminded on day D, again from day D + 14.
    last_allowed = timezone.make_aware(
        dt.datetime.combine(day - dt.timedelta(days=REMIND_EVERY_DAYS - 1), dt.time.min)
    )
    return list(
        Agreement.objects.filter(expiring_q(day))
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=last_allowed))
        .select_related("organisation", "supplier")
        .order_by("expires_on", "pk")
    )


def expiry_digests(now: dt.datetime) -> list[ExpiryDigest]:
    """Who hears about which expiring agreements (one digest per recipient, two queries).

    Recipients are active users holding ``REMINDER_ROLES`` on the agreement's organisation or on
    its board.
    """
    agreements = due_for_reminder(now)
    if not agreements:
        return []
    by_organisation: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        by_organisation[agreement.organisation_id].append(agreement)
        if agreement.organisation.kind == OrganisationKind.SCHOOL:
            by_organisation[agreement.organisation.parent_id or 0].append(agreement)
    memberships = (
        Membership.objects.filter(
            organisation_id__in=list(by_organisation),
            role__in=[role.value for role in REMINDER_ROLES],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email", "pk")
    )
    per_user: dict[int, tuple[Any, dict[int, Agreement]]] = {}
    for membership in memberships:
        _user, chosen = per_user.setdefault(membership.user_id, (membership.user, {}))
        for agreement in by_organisation[membership.organisation_id]:
            chosen[agreement.pk] = agreement
    day = timezone.localdate(now)
    return [
        ExpiryDigest(
            user,
            sorted(chosen.values(), key=lambda a: (a.expires_on or day, a.pk)),
            day,
        )
        for user, chosen in per_user.values()
    ]
