"""The world the people tests share: exercises, trainings with participants and phishing results
of board A (board, school A1, school A2) and of board B, and the access tables per persona."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.people import services
from schildwacht.people.models import Exercise, Finding, Participant, PhishingCampaign, Training
from tests.personas import PERSONA_ROLES, Personas

SYSTEM = Actor.system("tests")

NONE = dict.fromkeys(PERSONA_ROLES, 404)
# Board A's exercises and trainings: everyone who reads board A's items of area "all". The FG
# reads privacy items only; staff see only their own trainings.
READS_A = {
    **NONE,
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "school_leader_a": 200,
    "auditor_a": 200,
}
# Changing a board-level item: the coordinator; readers are refused with the reason.
CHANGES_A = {
    **READS_A,
    "board_member_a": 403,
    "privacy_officer_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# Changing an item of school A1: the coordinator and A1's school leader.
CHANGES_A1 = {**CHANGES_A, "school_leader_a": 200}
# Items of school A2: the school leader of A1 never sees them.
READS_A2 = {**READS_A, "school_leader_a": 404}
# Pages of the active organisation: board B's coordinator sees their own board's.
OWN_BOARD = {**READS_A, "coordinator_b": 200}
CREATES = {**CHANGES_A1, "coordinator_b": 200}


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


@dataclass
class World:
    personas: Personas
    today: dt.date
    exercise_a: Exercise
    finding_a: Finding
    exercise_a1: Exercise
    exercise_a2: Exercise
    exercise_b: Exercise
    training_a: Training
    training_a1: Training
    training_a2: Training
    training_b: Training
    participant_a2: Participant
    campaign_a1: PhishingCampaign
    campaign_b: PhishingCampaign


def exercise(organisation: object, title: str, days_ago: int = 30) -> Exercise:
    return services.create_exercise(
        SYSTEM,
        organisation,  # type: ignore[arg-type]
        title=title,
        kind="tabletop",
        held_on=timezone.localdate() - dt.timedelta(days=days_ago),
        scenario="Ransomware op maandagochtend.",
        participants=[{"name": "Anna de Vries", "role": "bestuurder"}],
    )


def training(
    organisation: object, title: str, days_ago: int = 60, kind: str = "elearning"
) -> Training:
    return services.create_training(
        SYSTEM,
        organisation,  # type: ignore[arg-type]
        title=title,
        kind=kind,
        held_on=timezone.localdate() - dt.timedelta(days=days_ago),
        target_group="Alle medewerkers",
    )


def build_world(personas: Personas) -> World:
    tree = personas.tree
    today = timezone.localdate()
    exercise_a = exercise(tree.board_a, "Oefening bestuur A")
    finding_a = services.add_finding(SYSTEM, exercise_a, title="Contactlijst ontbreekt")
    training_a = training(tree.board_a, "E-learning bestuur A")
    services.import_participants(
        SYSTEM,
        training_a,
        "a.csv",
        csv_bytes(
            "e-mail;naam;rol;school;afgerond;datum",
            "staff_a@example.test;Staf A;leerkracht;11AA00;ja;",
            "kim@example.test;Kim Twee;leerkracht;De Linde;ja;",
            "office@example.test;Olga Kantoor;administratie;;nee;",
        ),
    )
    training_b = training(tree.board_b, "E-learning bestuur B")
    services.import_participants(
        SYSTEM,
        training_b,
        "b.csv",
        csv_bytes("e-mail;naam;afgerond", "staff_a@example.test;Staf A elders;ja"),
    )
    campaign_a1, campaign_b = (
        PhishingCampaign.objects.create(
            organisation=org, name="Pakketje", sent_on=today, sent=10, opened=5, clicked=2
        )
        for org in (tree.school_a1, tree.board_b)
    )
    return World(
        personas=personas,
        today=today,
        exercise_a=exercise_a,
        finding_a=finding_a,
        exercise_a1=exercise(tree.school_a1, "Oefening De Eik"),
        exercise_a2=exercise(tree.school_a2, "Oefening De Linde"),
        exercise_b=exercise(tree.board_b, "Oefening bestuur B"),
        training_a=training_a,
        training_a1=training(tree.school_a1, "Training De Eik"),
        training_a2=training(tree.school_a2, "Training De Linde"),
        training_b=training_b,
        participant_a2=Participant.objects.get(training=training_a, email="kim@example.test"),
        campaign_a1=campaign_a1,
        campaign_b=campaign_b,
    )


@pytest.fixture(name="world")
def world_fixture(personas: Personas) -> World:
    return build_world(personas)
