"""People pages: access per persona for every page, lists with htmx partials and pinned query
counts, forms with errors at the field, findings into the plan, the imports through the page,
the XLSX export with the formula guard, coverage and "Mijn trainingen"."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.people import services
from schildwacht.people.models import Exercise, Finding, Participant, PhishingCampaign, Training
from schildwacht.planning.models import Measure
from tests.personas import PERSONA_ROLES, Personas, assert_access
from tests.test_people_world import (  # noqa: F401
    CHANGES_A,
    CHANGES_A1,
    CREATES,
    NONE,
    OWN_BOARD,
    READS_A,
    READS_A2,
    SYSTEM,
    World,
    csv_bytes,
    training,
    world_fixture,
)

EXERCISE_POST = {
    "organisation": "",
    "title": "Nieuwe oefening",
    "kind": "live",
    "held_on": "2026-03-02",
    "scenario": "Uitval van de leerlingadministratie.",
    "participants": "Bram Jansen; IBP-coördinator\nServicedesk (ICT-leverancier)",
    "observations": "",
}


def test_list_and_create_pages_per_persona(personas: Personas, world: World) -> None:
    def shows_a_items(name: str, response: Any) -> None:
        if response.status_code == 200 and name.endswith("_a"):
            content = response.content.decode()
            assert "Oefening bestuur A" in content
            # Never a sibling school's: the school leader of De Eik does not see De Linde's.
            assert ("Oefening De Linde" in content) == (name != "school_leader_a")
            assert "Oefening bestuur B" not in content

    assert_access(personas, reverse("people:exercises"), OWN_BOARD, check=shows_a_items)
    for name in ("trainings", "campaigns", "coverage", "training_export"):
        assert_access(personas, reverse(f"people:{name}"), OWN_BOARD)
    for fmt in ("xlsx", "csv"):
        assert_access(personas, reverse("people:participant_template", args=[fmt]), OWN_BOARD)
        assert_access(personas, reverse("people:phishing_template", args=[fmt]), OWN_BOARD)
    for name in ("exercise_create", "training_create", "campaign_import"):
        assert_access(personas, reverse(f"people:{name}"), CREATES)


def test_my_trainings_per_persona(personas: Personas, world: World) -> None:
    # Everyone with a board or school role that reads their own items: not the FG (its role
    # covers privacy items only) nor the sector roles.
    expected = {
        **NONE,
        **dict.fromkeys(
            [
                "coordinator_a",
                "board_member_a",
                "privacy_officer_a",
                "school_leader_a",
                "staff_a",
                "auditor_a",
                "coordinator_b",
            ],
            200,
        ),
    }
    assert_access(personas, reverse("people:my_trainings"), expected)
    content = personas.client("staff_a").get(reverse("people:my_trainings")).content.decode()
    assert "E-learning bestuur A" in content
    # Board B also lists this address, but staff A has no role there.
    assert "E-learning bestuur B" not in content
    other = personas.client("auditor_a").get(reverse("people:my_trainings")).content.decode()
    assert "E-learning bestuur A" not in other


def test_detail_and_change_pages_per_persona(personas: Personas, world: World) -> None:
    for name, board, a1, a2, b in (
        ("exercise", world.exercise_a, world.exercise_a1, world.exercise_a2, world.exercise_b),
        ("training", world.training_a, world.training_a1, world.training_a2, world.training_b),
    ):
        assert_access(personas, reverse(f"people:{name}_detail", args=[board.pk]), READS_A)
        assert_access(personas, reverse(f"people:{name}_detail", args=[a1.pk]), READS_A)
        assert_access(personas, reverse(f"people:{name}_detail", args=[a2.pk]), READS_A2)
        assert_access(
            personas, reverse(f"people:{name}_detail", args=[b.pk]), {**NONE, "coordinator_b": 200}
        )
        for action in ("edit", "delete"):
            assert_access(personas, reverse(f"people:{name}_{action}", args=[board.pk]), CHANGES_A)
            assert_access(personas, reverse(f"people:{name}_{action}", args=[a1.pk]), CHANGES_A1)
            assert_access(
                personas,
                reverse(f"people:{name}_{action}", args=[a2.pk]),
                {**CHANGES_A, "school_leader_a": 404},
            )
    assert_access(
        personas, reverse("people:participant_import", args=[world.training_a.pk]), CHANGES_A
    )
    assert_access(
        personas, reverse("people:participant_import", args=[world.training_a1.pk]), CHANGES_A1
    )
    assert_access(personas, reverse("people:finding_create", args=[world.exercise_a.pk]), CHANGES_A)
    assert_access(personas, reverse("people:finding_edit", args=[world.finding_a.pk]), CHANGES_A)
    assert_access(personas, reverse("people:finding_delete", args=[world.finding_a.pk]), CHANGES_A)
    assert_access(
        personas, reverse("people:campaign_delete", args=[world.campaign_a1.pk]), CHANGES_A1
    )


def post_each(personas: Personas, url: str, expected: dict[str, int]) -> None:
    """``assert_access`` for a POST that removes or changes the object: the personas who
    succeed post last, so everyone else meets the object still there."""
    assert set(expected) == set(PERSONA_ROLES)
    got = {}
    for name in sorted(PERSONA_ROLES, key=lambda n: expected[n] == 302):
        got[name] = personas.client(name).post(url).status_code
    assert got == expected, f"POST {url}: expected {expected}, got {got}"


def test_writes_per_persona(personas: Personas, world: World) -> None:
    succeeds = {**CHANGES_A, "coordinator_a": 302}
    post_each(personas, reverse("people:finding_to_plan", args=[world.finding_a.pk]), succeeds)
    assert Finding.objects.get(pk=world.finding_a.pk).plan_measure is not None
    participant = Participant.objects.get(training=world.training_a, email="office@example.test")
    post_each(personas, reverse("people:participant_delete", args=[participant.pk]), succeeds)
    assert not Participant.objects.filter(pk=participant.pk).exists()
    # The school leader of De Eik never sees a participant of De Linde.
    response = personas.client("school_leader_a").post(
        reverse("people:participant_delete", args=[world.participant_a2.pk])
    )
    assert response.status_code == 404
    post_each(personas, reverse("people:exercise_delete", args=[world.exercise_a.pk]), succeeds)
    assert not Exercise.objects.filter(pk=world.exercise_a.pk).exists()
    # The finding went with it, each recorded.
    assert AuditEntry.objects.filter(object_type="people.finding", action="delete").count() == 1
    post_each(personas, reverse("people:training_delete", args=[world.training_a.pk]), succeeds)
    assert not Participant.objects.filter(training_id=world.training_a.pk).exists()
    deleted = AuditEntry.objects.filter(object_type="people.participant", action="delete")
    # Olga (removed above, one entry) and staff A and Kim with the training.
    assert deleted.count() == 3
    # A school's items: its school leader removes them.
    leader = personas.client("school_leader_a")
    assert (
        leader.post(reverse("people:campaign_delete", args=[world.campaign_a1.pk])).status_code
        == 302
    )
    assert (
        leader.post(reverse("people:exercise_delete", args=[world.exercise_a1.pk])).status_code
        == 302
    )
    assert not PhishingCampaign.objects.filter(pk=world.campaign_a1.pk).exists()


def test_create_exercise_through_the_page(personas: Personas, world: World) -> None:
    client = personas.client("school_leader_a")
    url = reverse("people:exercise_create")
    page = client.get(url)
    # The school leader adds exercises for their own school only.
    choices = [org.pk for org in page.context["form"].fields["organisation"].queryset]
    assert choices == [personas.tree.school_a1.pk]
    bad = client.post(
        url,
        {
            **EXERCISE_POST,
            "organisation": personas.tree.school_a1.pk,
            "held_on": "31-02-2026",
            "title": "",
        },
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"held_on", "title"}
    assert 'aria-describedby="id_title_error"' in bad.content.decode()
    sibling = client.post(url, {**EXERCISE_POST, "organisation": personas.tree.school_a2.pk})
    assert "organisation" in sibling.context["form"].errors
    response = client.post(url, {**EXERCISE_POST, "organisation": personas.tree.school_a1.pk})
    made = Exercise.objects.get(title="Nieuwe oefening")
    assert response.status_code == 302 and made.organisation == personas.tree.school_a1
    assert made.participants == [
        {"name": "Bram Jansen", "role": "IBP-coördinator"},
        {"name": "Servicedesk", "role": "ICT-leverancier"},
    ]
    edit = client.post(
        reverse("people:exercise_edit", args=[made.pk]),
        {**EXERCISE_POST, "observations": "Het crisisteam was snel compleet."},
    )
    assert edit.status_code == 302
    made.refresh_from_db()
    assert made.observations == "Het crisisteam was snel compleet."
    assert AuditEntry.objects.filter(object_type="people.exercise", action="update").count() == 1


def test_findings_through_the_page(personas: Personas, world: World) -> None:
    tree = personas.tree
    own = Measure.objects.create(organisation=tree.school_a1, title="MFA invoeren")
    board = Measure.objects.create(organisation=tree.board_a, title="Back-up testen")
    sibling = Measure.objects.create(organisation=tree.school_a2, title="Anders")
    client = personas.client("school_leader_a")
    url = reverse("people:finding_create", args=[world.exercise_a1.pk])
    offered = {m.pk for m in client.get(url).context["form"].fields["plan_measure"].queryset}
    assert offered == {own.pk, board.pk}
    refused = client.post(url, {"title": "X", "plan_measure": sibling.pk})
    assert "plan_measure" in refused.context["form"].errors
    client.post(url, {"title": "Back-ups onbekend", "plan_measure": board.pk})
    finding = Finding.objects.get(title="Back-ups onbekend")
    assert finding.plan_measure == board
    client.post(url, {"title": "Telefoonlijst", "description": "Offline bewaren."})
    loose = Finding.objects.get(title="Telefoonlijst")
    response = client.post(reverse("people:finding_to_plan", args=[loose.pk]))
    assert response.status_code == 302
    loose.refresh_from_db()
    assert loose.plan_measure is not None
    assert loose.plan_measure.organisation == tree.school_a1
    assert "Offline bewaren." in loose.plan_measure.description
    again = client.post(reverse("people:finding_to_plan", args=[loose.pk]))
    assert again.status_code == 403
    detail = client.get(reverse("people:exercise_detail", args=[world.exercise_a1.pk]))
    assert (
        "Telefoonlijst" in detail.content.decode() and "Back-up testen" in detail.content.decode()
    )


def test_list_query_counts_and_htmx(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for number in range(30):
        exercise = services.create_exercise(
            SYSTEM,
            tree.school_a1 if number % 2 else tree.board_a,
            title=f"Oefening {number:02d}",
            kind="live" if number % 3 else "tabletop",
            held_on=world.today,
            scenario="S",
        )
        services.add_finding(SYSTEM, exercise, title="F")
        made = training(tree.board_a, f"Training {number:02d}")
        services.import_participants(
            SYSTEM, made, "p.csv", csv_bytes("naam;afgerond", "Piet;ja", "Kees;nee")
        )
        PhishingCampaign.objects.create(
            organisation=tree.school_a1, name=f"C{number}", sent_on=world.today, sent=4
        )
    client = personas.client("school_leader_a")
    for name, count in (("exercises", 32), ("trainings", 32), ("campaigns", 31)):
        url = reverse(f"people:{name}")
        client.get(url)
        # A fixed number whatever the size: session, user, scope, count, page, session save.
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.context["page"].paginator.count == count, name
    response = client.get(
        reverse("people:exercises"), {"soort": "tabletop"}, headers={"HX-Request": "true"}
    )
    assert response.templates[0].name == "people/_exercises.html"
    # 10 of the 30 are tabletops, plus board A's and De Eik's (not De Linde's).
    assert response.context["page"].paginator.count == 12
    bad = client.get(reverse("people:trainings"), {"soort": "onbekend"})
    assert "Een filter is ongeldig" in bad.content.decode()
    url = reverse("people:training_detail", args=[Training.objects.get(title="Training 00").pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        assert client.get(url).context["page"].paginator.count == 2
    coverage = reverse("people:coverage")
    client.get(coverage)
    # Grouped in the database: the same number for any count of people or schools.
    with django_assert_max_num_queries(20):
        assert client.get(coverage).status_code == 200


def test_participant_import_page(personas: Personas, world: World) -> None:
    client = personas.client("coordinator_a")
    url = reverse("people:participant_import", args=[world.training_a.pk])
    bad = SimpleUploadedFile(
        "lijst.csv", csv_bytes("e-mail;afgerond", "geen-adres;misschien"), content_type="text/csv"
    )
    response = client.post(url, {"file": bad})
    assert response.status_code == 422
    content = response.content.decode()
    assert "Geen geldig e-mailadres." in content and "Vul ja of nee in." in content
    assert "Er is niets opgeslagen" in content
    good = SimpleUploadedFile(
        "lijst.csv", csv_bytes("e-mail;afgerond", "nieuw@example.test;ja"), content_type="text/csv"
    )
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert Participant.objects.filter(
        training=world.training_a, email="nieuw@example.test"
    ).exists()


def test_phishing_import_page(personas: Personas, world: World) -> None:
    client = personas.client("school_leader_a")
    url = reverse("people:campaign_import")
    form = client.get(url).context["form"]
    assert [o.pk for o in form.fields["organisation"].queryset] == [personas.tree.school_a1.pk]
    upload = SimpleUploadedFile(
        "phishing.csv",
        csv_bytes("campagne;datum;school;verzonden;geklikt", "Winactie;2026-01-10;;20;3"),
        content_type="text/csv",
    )
    response = client.post(url, {"organisation": personas.tree.school_a1.pk, "file": upload})
    assert response.status_code == 302
    made = PhishingCampaign.objects.get(name="Winactie")
    assert (made.organisation, made.sent, made.clicked) == (personas.tree.school_a1, 20, 3)


def test_training_export_neutralises_and_round_trips(personas: Personas, world: World) -> None:
    services.import_participants(
        SYSTEM,
        world.training_a1,
        "gevaar.csv",
        csv_bytes(
            "e-mail;naam;rol;afgerond;datum",
            'formule@example.test;=HYPERLINK("http://x");+rol;ja;2026-01-05',
        ),
    )
    client = personas.client("coordinator_a")
    response = client.get(reverse("people:training_export"), {"zoek": "De Eik"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][6] == '\'=HYPERLINK("http://x")' and rows[1][7] == "'+rol"
    # The exported sheet imports again into another training with the original text.
    services.import_participants(SYSTEM, world.training_a, "export.xlsx", response.content)
    copied = Participant.objects.get(training=world.training_a, email="formule@example.test")
    assert (copied.name, copied.role, copied.completed) == ('=HYPERLINK("http://x")', "+rol", True)
    assert copied.school == personas.tree.school_a1
    assert str(copied.completed_on) == "2026-01-05"


def test_coverage_page_and_headcount(personas: Personas, world: World) -> None:
    tree = personas.tree
    url = reverse("people:coverage")
    assert_access(
        personas,
        url,
        {**CREATES, "coordinator_a": 302, "school_leader_a": 302, "coordinator_b": 422},
        method="post",
        data={"organisation": tree.school_a1.pk, "staff_count": 10},
    )
    content = personas.client("board_member_a").get(url).content.decode()
    # De Eik: staff A trained, of 10 recorded staff: 10%.
    assert "10%" in content and "<svg" in content
    bad = personas.client("coordinator_a").post(
        url, {"organisation": tree.school_a1.pk, "staff_count": "-3"}
    )
    assert bad.status_code == 422
