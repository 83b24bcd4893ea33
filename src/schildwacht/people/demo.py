"""The demo exercise, trainings, phishing results and headcounts of a board, from
``data/demo.yaml`` (idempotent).

Everything goes through the services: the exercise and its findings (two of them put in the
plan), the trainings with their participants and the phishing results through the same
importers a user uploads to, so the demo is audited and a re-run changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.people import services
from schildwacht.people.importers import PARTICIPANT_COLUMNS, PHISHING_COLUMNS
from schildwacht.people.models import Exercise, StaffHeadcount, Training

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


@cache
def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return data


def _schools(board: Organisation) -> list[Organisation]:
    return list(
        Organisation.objects.filter(parent=board, kind=OrganisationKind.SCHOOL).order_by("path")
    )


def _school_cell(schools: list[Organisation], index: int | None) -> str:
    if index is None or index >= len(schools):
        return ""
    school = schools[index]
    return school.brin6 or school.name


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _load_exercise(actor: Actor, board: Organisation, today: dt.date) -> int:
    item = demo_data()["exercise"]
    if Exercise.objects.filter(organisation=board, title=item["title"]).exists():
        return 0
    exercise = services.create_exercise(
        actor,
        board,
        title=item["title"],
        kind=item["kind"],
        held_on=today - dt.timedelta(days=item["days_ago"]),
        scenario=item["scenario"],
        participants=item["participants"],
        observations=item["observations"],
    )
    for found in item["findings"]:
        finding = services.add_finding(
            actor, exercise, title=found["title"], description=found["description"]
        )
        if found["to_plan"]:
            services.create_plan_measure(actor, finding)
    return 1


def _participant_rows(
    item: dict[str, Any], schools: list[Organisation], board: Organisation, today: dt.date
) -> list[list[str]]:
    rows = [[column.header for column in PARTICIPANT_COLUMNS]]
    generate = item.get("generate")
    if generate:
        domain = f"{board.bevoegd_gezag_number or board.pk}.demo.example"
        roles = generate["roles"]
        for number, school in enumerate(schools):
            for person in range(generate["per_school"]):
                done = person < generate["completed"]
                rows.append(
                    [
                        f"medewerker{person + 1}.school{number + 1}@{domain}",
                        f"Medewerker {person + 1} ({school.name})",
                        roles[person % len(roles)],
                        _school_cell(schools, number),
                        "ja" if done else "nee",
                        "",
                    ]
                )
    for person in item.get("participants", []):
        days = person.get("days_ago")
        rows.append(
            [
                person["email"],
                person["name"],
                person["role"],
                _school_cell(schools, person.get("school")),
                "ja" if person["completed"] else "nee",
                (today - dt.timedelta(days=days)).isoformat()
                if days and person["completed"]
                else "",
            ]
        )
    return rows


def _load_trainings(actor: Actor, board: Organisation, today: dt.date) -> int:
    schools = _schools(board)
    made = 0
    for item in demo_data()["trainings"]:
        if Training.objects.filter(organisation=board, title=item["title"]).exists():
            continue
        training = services.create_training(
            actor,
            board,
            title=item["title"],
            kind=item["kind"],
            held_on=today - dt.timedelta(days=item["days_ago"]),
            target_group=item["target_group"],
            provider=item["provider"],
        )
        content = _csv(_participant_rows(item, schools, board, today))
        services.import_participants(actor, training, "demo.csv", content)
        made += 1
    return made


def _load_phishing(actor: Actor, board: Organisation, today: dt.date) -> None:
    item = demo_data()["phishing"]
    schools = _schools(board)
    rows = [[column.header for column in PHISHING_COLUMNS]]
    sent_on = (today - dt.timedelta(days=item["days_ago"])).isoformat()
    for index, (sent, opened, clicked, reported) in enumerate(item["results"][: len(schools)]):
        rows.append(
            [
                item["name"],
                sent_on,
                _school_cell(schools, index),
                *(str(n) for n in (sent, opened, clicked, reported)),
            ]
        )
    # Re-running on a later day would add a second campaign: only load it once.
    if (
        len(rows) > 1
        and not board.phishing_campaigns.exists()
        and not any(school.phishing_campaigns.exists() for school in schools)
    ):
        services.import_phishing(actor, board, "demo.csv", _csv(rows))


def load_demo_people(actor: Actor, board: Organisation) -> int:
    """One tabletop exercise with findings, three trainings with participants, one phishing
    campaign and the schools' headcounts for ``board``; returns how many exercises and
    trainings were added (0 on a re-run)."""
    today = timezone.localdate()
    made = _load_exercise(actor, board, today) + _load_trainings(actor, board, today)
    _load_phishing(actor, board, today)
    for school, count in zip(_schools(board), demo_data()["headcounts"], strict=False):
        if not StaffHeadcount.objects.filter(organisation=school).exists():
            services.set_headcount(actor, school, count)
    return made
