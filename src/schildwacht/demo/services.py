"""Loading the fictional demo sector (``data/demo.yaml``) through the normal services.

The loader is idempotent: it looks every organisation and account up by its natural key
(bevoegd-gezagnummer, BRIN + vestiging, e-mail address) and only writes what differs, so a
second run changes nothing and adds no audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from schildwacht.accounts.models import User
from schildwacht.accounts.services import create_user, enrol_demo_authenticator, set_password
from schildwacht.assessments.models import Assessment, AssessmentStatus
from schildwacht.assessments.services import (
    approve_assessment,
    create_assessment,
    submit_for_review,
    update_score,
)
from schildwacht.audit.services import Actor
from schildwacht.demo.schema import (
    DemoData,
    MeasureData,
    MetingRoundData,
    MetingSeriesData,
    PlanData,
    load_demo_data,
)
from schildwacht.detection.demo import load_demo_detection
from schildwacht.dpia.demo import ensure_demo_dpias
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from schildwacht.incidents.demo import load_demo_incidents
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.services import (
    add_membership,
    create_organisation,
    update_organisation,
)
from schildwacht.people.demo import load_demo_people
from schildwacht.planning.models import Measure, MeasureStatus
from schildwacht.planning.services import change_measure_status, create_measure
from schildwacht.registers.demo import load_demo_registers
from schildwacht.registers.models import Application
from schildwacht.risks.demo import load_demo_risks
from schildwacht.suppliers.demo import load_demo_agreements, load_demo_catalogue

DEMO_ACTOR = Actor.system("demo")


@dataclass(frozen=True)
class DemoAccount:
    """One demo account as printed by ``schildwacht demo``."""

    email: str
    password: str
    totp_secret: str  # base32
    role: str
    organisation: str

    @property
    def otpauth_uri(self) -> str:
        """The URI an authenticator app reads from a QR code."""
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "Schildwacht")
        label = quote(f"{issuer}:{self.email}")
        query = urlencode(
            {
                "secret": self.totp_secret,
                "issuer": issuer,
                "digits": 6,
                "period": 30,
                "algorithm": "SHA1",
            }
        )
        return f"otpauth://totp/{label}?{query}"

    def as_dict(self) -> dict[str, str]:
        return {
            "email": self.email,
            "password": self.password,
            "totp_secret": self.totp_secret,
            "role": self.role,
            "organisation": self.organisation,
        }


def _ensure_organisation(
    lookup: dict[str, str],
    *,
    kind: str,
    name: str,
    parent: Organisation | None,
    **identifiers: str,
) -> Organisation:
    existing = Organisation.objects.filter(kind=kind, **lookup).first()
    if existing is None:
        return create_organisation(DEMO_ACTOR, kind=kind, name=name, parent=parent, **identifiers)
    if existing.name != name:
        return update_organisation(DEMO_ACTOR, existing, name=name)
    return existing


def _load_organisations(data: DemoData) -> dict[str, Organisation]:
    sector = _ensure_organisation(
        {"name": data.sector.name}, kind=OrganisationKind.SECTOR, name=data.sector.name, parent=None
    )
    by_key = {data.sector.key: sector}
    for board in data.boards:
        node = _ensure_organisation(
            {"bevoegd_gezag_number": board.bevoegd_gezag_number},
            kind=OrganisationKind.BOARD,
            name=board.name,
            parent=sector,
            bevoegd_gezag_number=board.bevoegd_gezag_number,
        )
        by_key[board.key] = node
        for school in board.schools:
            by_key[school.key] = _ensure_organisation(
                {"brin": school.brin, "vestiging": school.vestiging},
                kind=OrganisationKind.SCHOOL,
                name=school.name,
                parent=node,
                brin=school.brin,
                vestiging=school.vestiging,
            )
    return by_key


def norm_level(series: MetingSeriesData, meting: MetingRoundData, index: int, norm_id: str) -> int:
    """The demo level of the ``index``-th norm (in id order): domain level plus variation."""
    base = meting.levels.get(norm_id.split(".", 1)[0], 2)
    value = base + series.variation[index % len(series.variation)]
    return max(1, min(5, int(value + 0.5)))  # round half up, within 1–5


def _create_meting(
    series: MetingSeriesData,
    meting: MetingRoundData,
    organisation: Organisation,
    framework: Framework,
) -> None:
    """One demo meting through the services (a copy of the previous one, then its levels)."""
    with transaction.atomic():
        assessment = create_assessment(DEMO_ACTOR, organisation, framework, meting.title)
        scores = {s.norm_id: s for s in assessment.scores.all()}
        for index, norm_id in enumerate(sorted(scores)):
            score = scores[norm_id]
            score.assessment = assessment
            values: dict[str, object]
            if norm_id in series.not_applicable:
                values = {
                    "level": None,
                    "not_applicable": True,
                    "not_applicable_reason": series.not_applicable[norm_id],
                }
            else:
                values = {"level": norm_level(series, meting, index, norm_id)}
            update_score(DEMO_ACTOR, score, **values)  # unchanged values write nothing
        if meting.status != AssessmentStatus.DRAFT:
            submit_for_review(DEMO_ACTOR, assessment)
        if meting.status == AssessmentStatus.APPROVED:
            approve_assessment(DEMO_ACTOR, assessment)
        # The demo tells a story over a year: its metingen are dated in the past. The audit
        # trail keeps the real moment the demo was loaded; only the meting's own dates move.
        moment = timezone.now() - timedelta(days=30 * meting.months_ago)
        Assessment.objects.filter(pk=assessment.pk).update(
            created_at=moment,
            approved_at=min(moment + timedelta(days=14), timezone.now())
            if meting.status == AssessmentStatus.APPROVED
            else None,
        )


def _load_metingen(data: DemoData, organisations: dict[str, Organisation]) -> None:
    """Create the demo metingen that do not exist yet (looked up by organisation and title)."""
    for series in data.metingen:
        organisation = organisations[series.organisation]
        framework = (
            Framework.objects.filter(slug=series.framework).order_by("-version", "-edition").first()
        )
        if framework is None:
            continue
        existing = set(
            Assessment.objects.filter(organisation=organisation).values_list("title", flat=True)
        )
        for meting in series.rounds:
            if meting.title not in existing:
                _create_meting(series, meting, organisation, framework)


def _create_measure(
    measure: MeasureData, organisation: Organisation, owners: dict[str, User]
) -> Measure:
    """One demo measure through the planning services: added to the plan as open, then moved
    to its status, so the audit trail shows how the card got where it is."""
    today = timezone.localdate()
    with transaction.atomic():
        created = create_measure(
            DEMO_ACTOR,
            organisation,
            title=measure.title,
            description=measure.description,
            owner=owners[measure.owner] if measure.owner else None,
            owner_name=measure.owner_name,
            due_date=today + timedelta(days=measure.due_in_days)
            if measure.due_in_days is not None
            else None,
            effort=measure.effort,
            cost=measure.cost,
            groeipad_code=measure.groeipad,
            norm_ids=measure.norms,
            basismaatregelen=measure.basismaatregelen,
        )
        if measure.status != MeasureStatus.OPEN:
            change_measure_status(DEMO_ACTOR, created, measure.status)
        if measure.done_days_ago:
            # Like the metingen, the plan tells a story over time: the projection counts
            # closed measures per month. The audit trail keeps the real moment of loading.
            done_at = timezone.now() - timedelta(days=measure.done_days_ago)
            Measure.objects.filter(pk=created.pk).update(done_at=done_at)
            created.done_at = done_at
    return created


def _load_plans(
    plans: list[PlanData], organisations: dict[str, Organisation], owners: dict[str, User]
) -> None:
    """Create the demo measures that do not exist yet (looked up by organisation and title).

    Existing measures are left as they are: whoever tries the demo may move cards around, and
    a second run of the demo must not undo that (nor write to the audit trail).
    """
    for plan in plans:
        organisation = organisations[plan.organisation]
        existing = set(
            Measure.objects.filter(organisation=organisation).values_list("title", flat=True)
        )
        for measure in plan.measures:
            if measure.title not in existing:
                _create_measure(measure, organisation, owners)


def _load_landscapes(data: DemoData, organisations: dict[str, Organisation]) -> None:
    """Suppliers, registers, agreements and DPIAs of the boards that have a landscape."""
    load_demo_catalogue(DEMO_ACTOR, organisations[data.sector.key])
    for board_data in data.boards:
        landscape = board_data.landscape
        if landscape is None:
            continue
        board = organisations[board_data.key]
        load_demo_registers(DEMO_ACTOR, board, landscape.level)
        load_demo_agreements(DEMO_ACTOR, board, landscape.level)
        load_demo_risks(DEMO_ACTOR, board)
        load_demo_people(DEMO_ACTOR, board)
        # After the registers and agreements: the processor's breach carries its agreed term.
        load_demo_incidents(DEMO_ACTOR, board)
        applications = Application.objects.filter(organisation=board)
        ensure_demo_dpias(
            DEMO_ACTOR,
            applications.get(name=landscape.dpia_done),
            applications.get(name=landscape.dpia_missing),
        )
        if landscape.level == "po":
            # Log analysis: a week of sign-ins with three attacks, through the real ingest.
            load_demo_detection(DEMO_ACTOR, board)


def load_demo(data: DemoData | None = None) -> list[DemoAccount]:
    """Create or bring up to date the demo sector and accounts; return the accounts to print."""
    data = data or load_demo_data()
    # The sector catalogues (normenkader, basismaatregelen, groeipad); idempotent like the rest.
    load_catalogues(DEMO_ACTOR)
    organisations = _load_organisations(data)
    _load_metingen(data, organisations)
    _load_landscapes(data, organisations)
    accounts: list[DemoAccount] = []
    users: dict[str, User] = {}
    for account in data.accounts:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = create_user(
                DEMO_ACTOR,
                email=account.email,
                password=account.password,
                full_name=account.full_name,
            )
        elif not user.check_password(account.password):
            # Someone changed the demo password; the printed one must work again.
            set_password(DEMO_ACTOR, user, account.password)
        users[account.email] = user
        enrol_demo_authenticator(DEMO_ACTOR, user, account.totp_secret_hex)
        for membership in account.memberships:
            add_membership(
                DEMO_ACTOR,
                user=user,
                organisation=organisations[membership.organisation],
                role=membership.role.value,
            )
        roles = sorted({m.role.value for m in account.memberships})
        names = [organisations[m.organisation].name for m in account.memberships]
        accounts.append(
            DemoAccount(
                email=account.email,
                password=account.password,
                totp_secret=account.totp_secret,
                role=", ".join(roles),
                organisation=", ".join(dict.fromkeys(names)),
            )
        )
    # Last: the owners of measures must be members of their organisation first.
    _load_plans(data.maatregelen, organisations, users)
    return accounts
