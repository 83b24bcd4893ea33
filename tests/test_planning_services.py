"""The plan's services and queries: validation naming fields, who may write, audit entries,
plan_summary figures, the basismaatregelen status rule and the reminder selection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from schildwacht.assessments import services as assessment_services
from schildwacht.assessments.models import Assessment, NormScore
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from schildwacht.lib.coverage import Coverage
from schildwacht.lib.projection import Outcome
from schildwacht.organisations.models import Organisation
from schildwacht.planning import services
from schildwacht.planning.models import Measure, MeasureStatus
from schildwacht.planning.queries import (
    BasisStatus,
    Signal,
    basis_status,
    basismaatregelen_overview,
    plan_summary,
    reminder_digests,
)
from tests.personas import Personas, make_user

SYSTEM = Actor.system("tests")
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues(SYSTEM)
    return Framework.objects.get(slug="normenkader-ibp-fo")


def measure(organisation: Organisation, title: str = "MFA invoeren", **values: Any) -> Measure:
    return services.create_measure(SYSTEM, organisation, title=title, **values)


def meting(
    organisation: Organisation,
    framework: Framework,
    day: dt.date,
    level: int,
    *,
    approve: bool = True,
) -> Assessment:
    """A meting made on ``day`` with every norm at ``level`` (approved unless told otherwise)."""
    assessment = assessment_services.create_assessment(SYSTEM, organisation, framework, str(day))
    NormScore.objects.filter(assessment=assessment).update(level=level)
    if approve:
        assessment_services.submit_for_review(SYSTEM, assessment)
        assessment_services.approve_assessment(SYSTEM, assessment)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Assessment.objects.filter(pk=assessment.pk).update(created_at=moment)
    return assessment


def test_create_stores_links_and_audits_them(personas: Personas, framework: Framework) -> None:
    owner = personas["coordinator_a"]
    item = services.create_measure(
        Actor.for_user(owner),
        personas.tree.board_a,
        title="  MFA op kritieke systemen ",
        owner=owner,
        due_date=dt.date(2026, 3, 1),
        effort="M",
        cost=Decimal("1500.50"),
        norm_ids=["ID.02", "ID.01", "ID.01"],
        basismaatregelen=[9, "4"],
        groeipad_code="2.4",
    )
    item.refresh_from_db()
    assert item.title == "MFA op kritieke systemen"
    assert item.norm_ids == ["ID.01", "ID.02"] and item.basismaatregelen == [4, 9]
    assert item.phase == 2 and item.created_by == owner and item.done_at is None
    entry = AuditEntry.objects.get(object_type="planning.measure", action="create")
    assert entry.organisation_id == personas.tree.board_a.pk
    assert entry.actor_user_id == owner.pk
    changes = entry.payload.changes
    assert changes["norm_ids"] == [None, ["ID.01", "ID.02"]]
    assert changes["basismaatregelen"] == [None, [4, 9]]
    assert changes["cost"] == [None, "1500.50"]


def test_bad_values_are_named_and_nothing_is_written(
    personas: Personas, framework: Framework
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_measure(
            SYSTEM,
            personas.tree.board_a,
            title="",
            owner=personas["coordinator_b"],
            status="finished",
            effort="XXL",
            cost=Decimal("-1"),
            norm_ids=["GO.01", "XX.99"],
            basismaatregelen=[0, 12, "x"],
            groeipad_code="9.9",
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "title",
        "owner",
        "status",
        "effort",
        "cost",
        "norm_ids",
        "basismaatregelen",
        "groeipad_code",
    }
    assert "XX.99" in errors["norm_ids"][0] and "GO.01" not in errors["norm_ids"][0]
    assert Measure.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="planning.measure").exists()


def test_owner_must_read_the_organisations_plan(personas: Personas, framework: Framework) -> None:
    tree = personas.tree
    school_measure_owners = set(services.owner_candidates(tree.school_a1))
    # The school's leader and the board's readers; not staff, not the FG, not board B.
    assert personas["school_leader_a"] in school_measure_owners
    assert personas["auditor_a"] in school_measure_owners
    assert personas["staff_a"] not in school_measure_owners
    assert personas["fg_a"] not in school_measure_owners
    assert personas["coordinator_b"] not in school_measure_owners
    # A school leader reads the board's plan, but not the sibling school's.
    assert personas["school_leader_a"] in set(services.owner_candidates(tree.board_a))
    assert personas["school_leader_a"] not in set(services.owner_candidates(tree.school_a2))


def test_status_sets_and_clears_done_at(personas: Personas, framework: Framework) -> None:
    item = measure(personas.tree.board_a)
    services.change_measure_status(SYSTEM, item, MeasureStatus.DONE)
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    services.change_measure_status(SYSTEM, item, MeasureStatus.IN_PROGRESS)
    item.refresh_from_db()
    assert item.done_at is None
    actions = list(
        AuditEntry.objects.filter(object_type="planning.measure", object_id=str(item.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update"]


def test_update_without_change_writes_nothing(personas: Personas, framework: Framework) -> None:
    item = measure(personas.tree.board_a, norm_ids=["GO.01"])
    count = AuditEntry.objects.count()
    services.update_measure(SYSTEM, item, title="MFA invoeren", norm_ids=["GO.01"])
    assert AuditEntry.objects.count() == count
    services.update_measure(SYSTEM, item, norm_ids=["GO.02"])
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None and entry.payload.changes == {"norm_ids": [["GO.01"], ["GO.02"]]}


def test_who_may_write(personas: Personas, framework: Framework) -> None:
    tree = personas.tree
    leader = Actor.for_user(personas["school_leader_a"])
    own = services.create_measure(leader, tree.school_a1, title="Eigen school")
    with pytest.raises(services.MeasureRefused):
        services.create_measure(leader, tree.board_a, title="Bestuur")
    board_item = measure(tree.board_a)
    with pytest.raises(services.MeasureRefused):
        services.update_measure(leader, board_item, title="Anders")
    for name in ("auditor_a", "board_member_a", "privacy_officer_a", "coordinator_b"):
        actor = Actor.for_user(personas[name])
        with pytest.raises(services.MeasureRefused):
            services.update_measure(actor, own, title="Anders")
        with pytest.raises(services.MeasureRefused):
            services.delete_measure(actor, own)
    pk = own.pk
    services.delete_measure(Actor.for_user(personas["coordinator_a"]), own)
    assert not Measure.objects.filter(pk=pk).exists()
    deleted = AuditEntry.objects.get(
        object_type="planning.measure", object_id=str(pk), action="delete"
    )
    assert deleted.payload.changes["title"] == ["Eigen school", None]


def test_plan_summary_counts_projection_and_signal(
    personas: Personas, framework: Framework, settings: Any
) -> None:
    board = personas.tree.board_a
    settings.TARGET_DATE = dt.date(2027, 12, 31)
    # Level 1 on 2025-01-01, level 2 on 2025-07-01 (181 days): level 3 on 2025-12-29.
    meting(board, framework, dt.date(2025, 1, 1), 1)
    meting(board, framework, dt.date(2025, 7, 1), 2)
    # A draft copy after them does not flatten the line while two approved ones exist.
    meting(board, framework, dt.date(2025, 8, 1), 2, approve=False)
    measure(board, "Open, op tijd", due_date=dt.date(2026, 7, 1))
    measure(board, "Open, te laat", due_date=dt.date(2026, 5, 1))
    measure(board, "Bezig", status="in_progress", due_date=dt.date(2026, 1, 1))
    for n in range(3):
        measure(board, f"Klaar {n}", status="done", due_date=dt.date(2026, 1, 1))
    measure(board, "Vervallen", status="cancelled", due_date=dt.date(2026, 1, 1))
    measure(personas.tree.school_a1, "School", due_date=dt.date(2026, 9, 1))
    measure(personas.tree.board_b, "Ander bestuur", due_date=dt.date(2020, 1, 1))

    summary = plan_summary(board, day=TODAY)
    counts = summary.counts
    assert (counts.open, counts.in_progress, counts.done, counts.cancelled) == (3, 1, 3, 1)
    assert counts.overdue == 2 and counts.planned == 7
    assert summary.projection.outcome is Outcome.PROJECTED
    assert summary.projection.reached_on == dt.date(2025, 12, 29)
    # 2 of 7 overdue (29%) is more than 20%: at risk although the projection is in time.
    assert summary.signal == Signal.AT_RISK and len(summary.reasons) == 1
    services.change_measure_status(SYSTEM, Measure.objects.get(title="Open, te laat"), "done")
    summary = plan_summary(board, day=TODAY)
    assert summary.counts.overdue == 1 and summary.signal == Signal.ON_TRACK
    # A school leader counts their own school and the board, not the sibling school.
    measure(personas.tree.school_a2, "Zusterschool", due_date=dt.date(2026, 9, 1))
    as_leader = plan_summary(board, personas["school_leader_a"], day=TODAY)
    assert as_leader.counts.open == plan_summary(board, day=TODAY).counts.open - 1
    # With a target date before the projected date the plan is at risk.
    settings.TARGET_DATE = dt.date(2025, 12, 1)
    assert plan_summary(board, day=TODAY).signal == Signal.AT_RISK


def test_plan_summary_without_history_is_not_predictable(
    personas: Personas, framework: Framework
) -> None:
    summary = plan_summary(personas.tree.school_a2, day=TODAY)
    assert summary.projection.outcome is Outcome.TOO_FEW_POINTS
    assert summary.signal == Signal.AT_RISK and summary.counts.planned == 0
    meting(personas.tree.school_a2, framework, dt.date(2025, 1, 1), 2)
    meting(personas.tree.school_a2, framework, dt.date(2025, 6, 1), 2)
    assert plan_summary(personas.tree.school_a2).projection.outcome is Outcome.NO_PROGRESS


def test_basis_status_rule() -> None:
    assert basis_status({}, [], 0) == BasisStatus.NOT_STARTED
    assert basis_status({"open": 2}, [(1, 3), (1, 3)], 2) == BasisStatus.NOT_STARTED
    assert basis_status({"open": 1}, [(2, 3)], 1) == BasisStatus.BUSY
    assert basis_status({"in_progress": 1}, [(1, 3)], 1) == BasisStatus.BUSY
    assert basis_status({"done": 1}, [(3, 3), (4, 3)], 2) == BasisStatus.IN_ORDER
    assert basis_status({}, [(3, 3)], 1) == BasisStatus.IN_ORDER
    # An open measure, or a norm not yet scored, keeps it "bezig".
    assert basis_status({"open": 1, "done": 1}, [(3, 3)], 1) == BasisStatus.BUSY
    assert basis_status({"done": 1}, [(3, 3)], 2) == BasisStatus.BUSY


def test_basismaatregelen_overview(personas: Personas, framework: Framework) -> None:
    board = personas.tree.board_a
    user = personas["coordinator_a"]
    assessment = meting(board, framework, dt.date(2025, 1, 1), 1, approve=False)
    # Basismaatregel 4 (access) links ID.01, ID.02 and ID.05 (see basismaatregelen.yaml).
    scores = NormScore.objects.filter(assessment=assessment)
    scores.filter(norm_id="ID.01").update(level=2)
    scores.filter(norm_id="ID.02").update(level=4)
    measure(board, "Toegang", basismaatregelen=[4], status="in_progress")
    measure(board, "Toegang 2", basismaatregelen=[4, 9])
    measure(personas.tree.board_b, "Toegang B", basismaatregelen=[4], status="done")
    found, rows = basismaatregelen_overview(user, board)
    assert found == assessment and [r.basismaatregel.number for r in rows] == list(range(1, 12))
    access = rows[3]
    assert access.counts == {"in_progress": 1, "open": 1}
    assert set(access.basismaatregel.norm_ids) == {"ID.01", "ID.02", "ID.05"}
    assert (access.average, access.lowest, access.at_target) == (2.33, 1, 1)
    assert access.status == BasisStatus.BUSY
    assert rows[8].counts == {"open": 1}
    assert rows[0].status == BasisStatus.NOT_STARTED
    # Built modules feed their figure: nothing is registered yet, so 0 of 0.
    assert rows[0].module == "registers" and rows[0].module_built
    assert rows[0].coverage == Coverage(0, 0) and rows[0].coverage.percent is None
    assert rows[3].module == "access" and not rows[3].module_built and rows[3].coverage is None


def _overdue(personas: Personas, owner: str, title: str, **values: Any) -> Measure:
    return measure(
        personas.tree.board_a,
        title,
        owner=personas[owner],
        due_date=dt.date(2026, 5, 1),
        **values,
    )


def test_reminder_selection(personas: Personas, framework: Framework) -> None:
    now = timezone.make_aware(dt.datetime(2026, 6, 1, 7, 0))
    a = _overdue(personas, "coordinator_a", "Te laat 1")
    _overdue(personas, "coordinator_a", "Te laat 2", status="in_progress")
    _overdue(personas, "coordinator_a", "Klaar", status="done")
    measure(personas.tree.board_a, "Op tijd", owner=personas["coordinator_a"], due_date=TODAY)
    measure(personas.tree.board_a, "Vrije naam", owner_name="Leverancier", due_date=TODAY)
    _overdue(personas, "board_member_a", "Bestuurder te laat")
    gone = make_user("vertrokken@example.test")
    from schildwacht.organisations.services import add_membership

    add_membership(SYSTEM, user=gone, organisation=personas.tree.board_a, role="auditor")
    _overdue_gone = measure(personas.tree.board_a, "Van vertrokken", owner=gone, due_date=TODAY)
    Measure.objects.filter(pk=_overdue_gone.pk).update(due_date=dt.date(2026, 1, 1))
    gone.is_active = False
    gone.save()

    digests = {d.user.email: [m.title for m in d.measures] for d in reminder_digests(now)}
    assert digests == {
        "coordinator_a@example.test": ["Te laat 1", "Te laat 2"],
        "board_member_a@example.test": ["Bestuurder te laat"],
    }
    # Reminded six days ago: skipped; seven calendar days ago: reminded again.
    Measure.objects.filter(pk=a.pk).update(last_reminded_at=now - dt.timedelta(days=6))
    assert {d.user.email for d in reminder_digests(now)} == {"board_member_a@example.test"}
    Measure.objects.filter(pk=a.pk).update(last_reminded_at=now - dt.timedelta(days=7))
    assert len(reminder_digests(now)) == 2


def test_reminders_send_one_mail_per_owner_and_stamp(
    personas: Personas, framework: Framework, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.make_aware(dt.datetime(2026, 6, 1, 7, 0))
    _overdue(personas, "coordinator_a", "=Te laat 1")
    _overdue(personas, "coordinator_a", "Te laat 2")
    with django_capture_on_commit_callbacks(execute=True):
        digests = services.send_overdue_reminders(SYSTEM, now)
    assert len(digests) == 1 and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["coordinator_a@example.test"]
    assert "2 maatregelen" in message.subject
    assert "=Te laat 1" in message.body and "Te laat 2" in message.body
    assert set(Measure.objects.values_list("last_reminded_at", flat=True)) == {now}
    assert AuditEntry.objects.filter(object_type="planning.measure", action="update").count() == 2
    # The next day nothing is sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_overdue_reminders(SYSTEM, now + dt.timedelta(days=1)) == []
    assert len(mail.outbox) == 1


def test_a_new_owner_is_not_blocked_by_the_old_reminder(
    personas: Personas, framework: Framework
) -> None:
    item = _overdue(personas, "coordinator_a", "Te laat")
    Measure.objects.filter(pk=item.pk).update(last_reminded_at=timezone.now())
    item.refresh_from_db()
    services.update_measure(SYSTEM, item, owner=personas["board_member_a"])
    item.refresh_from_db()
    assert item.last_reminded_at is None


def test_a_measure_a_dpia_relies_on_is_cancelled_not_deleted(personas: Personas) -> None:
    from schildwacht.dpia.services import create_dpia
    from schildwacht.dpia.services.rows import add_measure

    board = personas.tree.board_a
    planned = measure(board, "Versleuteling back-ups")
    dpia = create_dpia(SYSTEM, board, title="DPIA back-ups")
    add_measure(SYSTEM, dpia, description="Back-ups versleutelen", plan_measure=planned)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.delete_measure(Actor.for_user(personas["coordinator_a"]), planned)
    assert "vervallen" in raised.value.message_dict["measure"][0]
    assert Measure.objects.filter(pk=planned.pk).exists()
    assert AuditEntry.objects.count() == before  # nothing half-written
    # The page says so instead of failing.
    client = personas.client("coordinator_a")
    response = client.post(reverse("planning:delete", args=[planned.pk]), follow=True)
    assert response.status_code == 200 and "vervallen" in response.content.decode()
    assert Measure.objects.filter(pk=planned.pk).exists()
