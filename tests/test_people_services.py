"""People services and queries: exercises and findings with their audit entries, findings into
the plan, the coverage per school and role worked out by hand, the dashboard summary, evidence
for a norm, "Mijn trainingen", the reference file and the demo loader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from schildwacht.assessments import services as assessment_services
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from schildwacht.people import queries, services
from schildwacht.people.demo import load_demo_people
from schildwacht.people.models import (
    Exercise,
    Finding,
    Participant,
    PhishingCampaign,
    StaffHeadcount,
    Training,
)
from schildwacht.people.reference import (
    DOMAINS_FILE,
    evidence_kinds,
    links,
    newest_framework,
    parse_links,
)
from schildwacht.planning.models import Measure
from tests.personas import Personas, login
from tests.test_people_world import SYSTEM, csv_bytes, exercise

DAY = dt.date(2026, 6, 15)


def actor(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


def test_exercise_crud_and_audit(personas: Personas) -> None:
    tree = personas.tree
    coordinator = actor(personas, "coordinator_a")
    made = services.create_exercise(
        coordinator,
        tree.board_a,
        title=" Tabletop ransomware ",
        kind="tabletop",
        held_on=DAY,
        scenario="Versleutelde schijven.",
        participants=[{"name": "Anna", "role": "bestuurder"}, "Bram"],
    )
    assert made.title == "Tabletop ransomware"
    assert made.participants == [
        {"name": "Anna", "role": "bestuurder"},
        {"name": "Bram", "role": ""},
    ]
    created = AuditEntry.objects.get(object_type="people.exercise", action="create")
    assert (
        created.organisation_id == tree.board_a.pk
        and created.actor_user_id == personas["coordinator_a"].pk
    )
    assert created.payload.changes["participants"][1] == made.participants
    with pytest.raises(ValidationError) as bad:
        services.update_exercise(
            coordinator, made, kind="brand", title="", participants=[{"name": ""}], colour="x"
        )
    assert set(bad.value.message_dict) == {"colour"}
    with pytest.raises(ValidationError) as bad:
        services.update_exercise(
            coordinator, made, kind="brand", title="", participants=[{"name": ""}]
        )
    assert set(bad.value.message_dict) == {"kind", "title", "participants"}
    services.update_exercise(coordinator, made, observations="Snel compleet.")
    update = AuditEntry.objects.get(object_type="people.exercise", action="update")
    assert update.payload.changes == {"observations": ["", "Snel compleet."]}
    # Readers and the sibling school's leader are refused; the sector has no exercises.
    for name in ("board_member_a", "privacy_officer_a", "auditor_a", "school_leader_a", "fg_a"):
        with pytest.raises(services.PeopleRefused):
            services.update_exercise(actor(personas, name), made, observations="x")
    with pytest.raises(ValidationError):
        services.create_exercise(
            SYSTEM, tree.sector, title="X", kind="live", held_on=DAY, scenario="S"
        )
    services.delete_exercise(coordinator, made)
    assert AuditEntry.objects.filter(object_type="people.exercise", action="delete").count() == 1


def test_findings_link_measures_of_the_organisation_or_its_board(personas: Personas) -> None:
    tree = personas.tree
    leader = actor(personas, "school_leader_a")
    school_exercise = services.create_exercise(
        leader, tree.school_a1, title="Oefening", kind="live", held_on=DAY, scenario="S"
    )
    board_measure = Measure.objects.create(organisation=tree.board_a, title="Board")
    sibling = Measure.objects.create(organisation=tree.school_a2, title="Sibling")
    other_board = Measure.objects.create(organisation=tree.board_b, title="B")
    finding = services.add_finding(
        leader, school_exercise, title="F", plan_measure=board_measure.pk
    )
    assert finding.plan_measure == board_measure
    for measure in (sibling, other_board):
        with pytest.raises(ValidationError) as bad:
            services.update_finding(leader, finding, plan_measure=measure.pk)
        assert set(bad.value.message_dict) == {"plan_measure"}
    services.update_finding(leader, finding, plan_measure=None)
    change = AuditEntry.objects.get(object_type="people.finding", action="update")
    assert change.payload.changes == {"plan_measure": [board_measure.pk, None]}
    assert change.organisation_id == tree.school_a1.pk
    measure = services.create_plan_measure(leader, finding)
    assert (measure.organisation, measure.title) == (tree.school_a1, "F")
    assert Finding.objects.get(pk=finding.pk).plan_measure == measure
    with pytest.raises(services.PeopleRefused):
        services.create_plan_measure(leader, finding)
    # A measure a finding relies on stays in the plan: deleting it is refused.
    from schildwacht.planning import services as planning_services

    with pytest.raises(ValidationError):
        planning_services.delete_measure(SYSTEM, measure)
    board_exercise = services.create_exercise(
        SYSTEM, tree.board_a, title="Bestuur", kind="live", held_on=DAY, scenario="S"
    )
    loose = services.add_finding(SYSTEM, board_exercise, title="G")
    with pytest.raises(services.PeopleRefused):
        services.create_plan_measure(leader, loose)
    assert not Measure.objects.filter(title="G").exists()


def _import(training: Training, *rows: str) -> None:
    services.import_participants(
        SYSTEM, training, "lijst.csv", csv_bytes("e-mail;rol;school;afgerond;datum", *rows)
    )


def coverage_world(personas: Personas) -> None:
    tree = personas.tree
    t1 = services.create_training(
        SYSTEM, tree.board_a, title="T1", kind="elearning", held_on=dt.date(2026, 3, 1)
    )
    _import(
        t1,
        "a@example.test;leerkracht;De Eik;ja;2026-03-10",
        "b@example.test;leerkracht;De Eik;ja;",
        "c@example.test;onderwijsassistent;De Eik;nee;",
        "d@example.test;Leerkracht;De Linde;ja;2025-06-15",
        "e@example.test;directie;;ja;2025-06-16",
    )
    t2 = services.create_training(
        SYSTEM, tree.school_a2, title="T2", kind="classroom", held_on=dt.date(2026, 5, 1)
    )
    _import(t2, "d@example.test;leerkracht ;;ja;2026-05-02", "f@example.test;leerkracht;;nee;")
    t3 = services.create_training(
        SYSTEM, tree.board_b, title="T3", kind="elearning", held_on=dt.date(2026, 5, 1)
    )
    _import(t3, "g@example.test;leerkracht;;ja;2026-05-02")
    services.set_headcount(SYSTEM, tree.school_a1, 10)


def figures(rows: list[queries.CoverageRow]) -> list[tuple[str, int, int, int | None]]:
    return [(row.label, row.trained, row.total, row.coverage.percent) for row in rows]


def test_coverage_by_school_and_role_by_hand(personas: Personas) -> None:
    coverage_world(personas)
    tree = personas.tree
    coordinator = personas["coordinator_a"]
    # Office: e (inside the year by one day). De Eik: a and b of the 10 recorded staff. De
    # Linde: d (through T2; T1's completion is exactly a year old) and not f.
    schools = queries.coverage_by_school(coordinator, tree.board_a, DAY)
    assert figures(schools) == [
        ("Bestuursbureau", 1, 1, 100),
        ("De Eik", 2, 10, 20),
        ("De Linde", 1, 2, 50),
    ]
    assert schools[1].headcount == 10 and schools[1].known == 3
    total = queries.training_coverage(coordinator, tree.board_a, DAY)
    assert (total.covered, total.total, total.percent) == (4, 13, 31)
    roles = queries.coverage_by_role(coordinator, tree.board_a, DAY)
    assert [(r.role, r.trained, r.total) for r in roles] == [
        ("leerkracht", 3, 4),
        ("directie", 1, 1),
        ("onderwijsassistent", 0, 1),
    ]
    # The school leader of De Eik sees the office and De Eik, never De Linde.
    leader = queries.coverage_by_school(personas["school_leader_a"], tree.board_a, DAY)
    assert figures(leader) == [("Bestuursbureau", 1, 1, 100), ("De Eik", 2, 10, 20)]
    # A headcount below the number trained does not give more than 100%.
    services.set_headcount(SYSTEM, tree.school_a1, 1)
    assert figures(queries.coverage_by_school(coordinator, tree.school_a1, DAY)) == [
        ("De Eik", 2, 2, 100)
    ]
    services.set_headcount(SYSTEM, tree.school_a1, None)
    assert not StaffHeadcount.objects.exists()
    assert [
        e.action
        for e in AuditEntry.objects.filter(object_type="people.staffheadcount").order_by("pk")
    ] == [
        "create",
        "update",
        "delete",
    ]
    with pytest.raises(ValidationError):
        services.set_headcount(SYSTEM, tree.school_a1, 0)
    with pytest.raises(services.PeopleRefused):
        services.set_headcount(actor(personas, "school_leader_a"), tree.school_a2, 5)


def test_awareness_summary(personas: Personas, django_assert_max_num_queries: object) -> None:
    coverage_world(personas)
    tree = personas.tree
    first = services.create_exercise(
        SYSTEM,
        tree.board_a,
        title="E1",
        kind="tabletop",
        held_on=dt.date(2026, 5, 20),
        scenario="S",
    )
    services.create_exercise(
        SYSTEM, tree.school_a2, title="E2", kind="live", held_on=dt.date(2026, 6, 1), scenario="S"
    )
    services.add_finding(SYSTEM, first, title="Open")
    done = Measure.objects.create(
        organisation=tree.board_a, title="Klaar", status="done", done_at=timezone.now()
    )
    busy = Measure.objects.create(organisation=tree.board_a, title="Bezig", status="in_progress")
    services.add_finding(SYSTEM, first, title="Afgerond", plan_measure=done.pk)
    services.add_finding(SYSTEM, first, title="Loopt", plan_measure=busy.pk)
    for organisation, name, day, sent, clicked in (
        (tree.school_a1, "Pakket", dt.date(2026, 4, 1), 10, 1),
        (tree.school_a1, "Winactie", dt.date(2026, 6, 1), 20, 5),
        (tree.school_a2, "Winactie", dt.date(2026, 6, 1), 30, 5),
        (tree.board_b, "Later", dt.date(2026, 6, 10), 30, 30),
    ):
        PhishingCampaign.objects.create(
            organisation=organisation, name=name, sent_on=day, sent=sent, clicked=clicked
        )
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        summary = queries.awareness_summary(personas["coordinator_a"], tree.board_a, DAY)
    assert (summary.trained.covered, summary.trained.total) == (4, 13)
    assert summary.last_exercise_on == dt.date(2026, 6, 1)
    assert summary.open_findings == 2
    assert (summary.last_campaign, summary.last_click_percent) == ("Winactie", 20)
    leader = queries.awareness_summary(personas["school_leader_a"], tree.board_a, DAY)
    assert leader.last_exercise_on == dt.date(2026, 5, 20)
    assert leader.last_click_percent == 25
    empty = queries.awareness_summary(personas["coordinator_b"], tree.board_b, DAY)
    assert (empty.last_exercise_on, empty.open_findings, empty.last_click_percent) == (None, 0, 100)


def test_evidence_for_norm(personas: Personas) -> None:
    load_catalogues(SYSTEM)
    tree = personas.tree
    exercise(tree.board_a, "Bestuursoefening", days_ago=10)
    exercise(tree.school_a2, "Oefening De Linde", days_ago=5)
    services.create_training(SYSTEM, tree.board_a, title="Bestuur leert", kind="board", held_on=DAY)
    services.create_training(
        SYSTEM, tree.school_a1, title="E-learning De Eik", kind="elearning", held_on=DAY
    )
    coordinator = personas["coordinator_a"]
    # BC.03 is in domain 14 (continuity): the exercises, newest first.
    items = queries.evidence_for_norm(coordinator, tree.board_a, "BC.03")
    assert [i.title for i in items] == ["Oefening De Linde", "Bestuursoefening"]
    assert (
        items[1].url == f"/mensen/oefeningen/{Exercise.objects.get(title='Bestuursoefening').pk}/"
    )
    # For school De Eik: its own items and the board's, not De Linde's.
    assert [i.title for i in queries.evidence_for_norm(coordinator, tree.school_a1, "BC.03")] == [
        "Bestuursoefening"
    ]
    assert [i.title for i in queries.evidence_for_norm(coordinator, tree.board_a, "GO.01")] == [
        "Bestuur leert"
    ]
    assert queries.evidence_for_norm(coordinator, tree.board_a, "RM.03") == []
    assert queries.evidence_for_norm(coordinator, tree.board_a, "XX.99") == []
    # Scoped like every read: the FG and board B see nothing of board A.
    assert queries.evidence_for_norm(personas["fg_a"], tree.board_a, "BC.03") == []
    assert queries.evidence_for_norm(personas["coordinator_b"], tree.board_a, "BC.03") == []


def test_meting_norm_page_shows_exercises_as_evidence(client: Client, personas: Personas) -> None:
    load_catalogues(SYSTEM)
    tree = personas.tree
    exercise(tree.board_a, "Bestuursoefening", days_ago=10)
    framework = Framework.objects.get(slug=links().framework)
    meting_a = assessment_services.create_assessment(SYSTEM, tree.board_a, framework, "Nulmeting")
    meting_b = assessment_services.create_assessment(SYSTEM, tree.board_b, framework, "Nulmeting")
    login(client, personas["coordinator_a"])
    page = client.get(f"/metingen/{meting_a.pk}/normen/BC.03/").content.decode()
    assert "Oefeningen en trainingen" in page and "Bestuursoefening" in page
    # A norm outside the exercise's domain shows no activities.
    assert (
        "Bestuursoefening"
        not in client.get(f"/metingen/{meting_a.pk}/normen/RM.03/").content.decode()
    )
    # Board B's meting never shows board A's exercise.
    login(client, personas["coordinator_b"])
    page_b = client.get(f"/metingen/{meting_b.pk}/normen/BC.03/").content.decode()
    assert "Bestuursoefening" not in page_b


def test_reference_file_is_checked_against_the_normenkader() -> None:
    shipped = links()
    framework = newest_framework(shipped.framework)
    domains = {f"{d.part}-{d.number}" for d in framework.domains}
    for link in shipped.links:
        assert set(link.norms) <= framework.norm_ids()
        assert set(link.domains) <= domains
    text = DOMAINS_FILE.read_text(encoding="utf-8")
    for bad in ("domains: [IB-14, IB-6]", "domains: [IB-4]"):
        assert bad in text
    with pytest.raises(SchemaError, match=r"norm ids not in the normenkader: XX\.01"):
        parse_links(text.replace("norms: []", "norms: [XX.01]", 1), framework)
    with pytest.raises(SchemaError, match="domains not in the normenkader: IB-99"):
        parse_links(text.replace("[IB-14, IB-6]", "[IB-99]", 1), framework)
    with pytest.raises(SchemaError, match="unknown training kind"):
        parse_links(text.replace("kind: classroom", "kind: webinar", 1), framework)
    assert evidence_kinds("IM.01", "IB-6").exercise_kinds == {"tabletop", "live"}
    assert not evidence_kinds("RM.03", "IB-3")


def test_my_participations(personas: Personas) -> None:
    tree = personas.tree
    own = services.create_training(
        SYSTEM, tree.board_a, title="Bestuursbreed", kind="elearning", held_on=DAY
    )
    sibling = services.create_training(
        SYSTEM, tree.school_a2, title="De Linde", kind="elearning", held_on=DAY
    )
    other = services.create_training(
        SYSTEM, tree.board_b, title="Bèta", kind="elearning", held_on=DAY
    )
    for training in (own, sibling, other):
        _import(training, "Staff_A@example.test;leerkracht;;ja;")
    mine = queries.my_participations(personas["staff_a"])
    assert [p.training.title for p in mine] == ["Bestuursbreed"]
    assert list(queries.my_participations(personas["sector_analyst"])) == []


def test_demo_loader_is_idempotent(personas: Personas) -> None:
    board = personas.tree.board_a
    assert load_demo_people(SYSTEM, board) == 4
    entries = AuditEntry.objects.count()
    assert load_demo_people(SYSTEM, board) == 0
    assert AuditEntry.objects.count() == entries
    exercise_ = Exercise.objects.get(organisation=board)
    assert exercise_.findings.count() == 3
    assert exercise_.findings.filter(plan_measure__isnull=False).count() == 2
    # 6 generated people at each of the two schools, plus Femke and Esra.
    elearning = Training.objects.get(organisation=board, kind="elearning")
    assert Participant.objects.filter(training=elearning).count() == 14
    assert PhishingCampaign.objects.filter(organisation__parent=board).count() == 2
    summary = queries.awareness_summary(personas["coordinator_a"], board)
    assert summary.open_findings == 3 and summary.last_click_percent == 19
