"""Participant and phishing imports: every bad row and field named (line, column, value,
reason), nothing written on any error, idempotent re-runs, XLSX and CSV, the formula guard
undone, and the audit entries of what was written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.lib.tabular import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, ImportRejected
from schildwacht.people import services
from schildwacht.people.models import Participant, PhishingCampaign
from tests.personas import Personas
from tests.test_people_world import SYSTEM, World, csv_bytes, training, world_fixture  # noqa: F401

HEADER = "e-mail;naam;rol;school;afgerond;datum"


def problems(call: object, *args: object) -> list[tuple[int | None, str, str, str]]:
    with pytest.raises(ImportRejected) as caught:
        call(*args)  # type: ignore[operator]
    return [(p.line, p.column, p.value, p.reason) for p in caught.value.problems]


def counts() -> tuple[int, int, int]:
    return (
        Participant.objects.count(),
        PhishingCampaign.objects.count(),
        AuditEntry.objects.count(),
    )


def test_participants_every_bad_field_and_nothing_written(personas: Personas, world: World) -> None:
    before = counts()
    content = csv_bytes(
        HEADER,
        "goed@example.test;Goed;leerkracht;De Eik;ja;2026-01-05",
        "geen-adres;;;;ja;",
        ";;;;nee;",
        "x@example.test;X;;Het Baken;ja;",
        "y@example.test;Y;;;misschien;",
        "z@example.test;Z;;;ja;31-02-2026",
        "w@example.test;W;;;ja;2999-01-01",
        "v@example.test;V;;;nee;2026-01-01",
        "GOED@example.test;Dubbel;;;ja;",
        ";Piet;;;ja;",
        ";piet ;;;nee;",
    )
    found = problems(services.import_participants, SYSTEM, world.training_a, "lijst.csv", content)
    assert found == [
        (3, "e-mail", "geen-adres", "Geen geldig e-mailadres."),
        (4, "e-mail", "", "Vul een e-mailadres of een naam in."),
        (5, "school", "Het Baken", "Onbekende school; kies uit: De Eik, De Linde."),
        (6, "afgerond", "misschien", "Vul ja of nee in."),
        (7, "datum", "31-02-2026", "Geen geldige datum; schrijf 2026-03-31 of 31-03-2026."),
        (8, "datum", "2999-01-01", "Deze datum ligt in de toekomst."),
        (9, "datum", "2026-01-01", "Een datum van afronden hoort alleen bij afgerond = ja."),
        (10, "e-mail", "GOED@example.test", "Deze persoon staat ook al op regel 2."),
        (12, "naam", "piet", "Deze persoon staat ook al op regel 11."),
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("leeg.csv", b"", "Het bestand is leeg."),
        (
            "alleen-kop.csv",
            csv_bytes(HEADER),
            "Het bestand bevat alleen een kopregel en geen deelnemers.",
        ),
        (
            "latin1.csv",
            "naam;afgerond\nJos\xe9;ja\n".encode("latin-1"),
            "Het bestand is niet in UTF-8 opgeslagen (ongeldige byte op positie 18). Sla het op als 'CSV UTF-8'.",
        ),
        (
            "groot.csv",
            b"naam;afgerond\n" + b"x" * MAX_IMPORT_BYTES,
            "Het bestand is groter dan 5 MB.",
        ),
        ("lijst.pdf", b"%PDF-1.4", "Alleen XLSX- en CSV-bestanden kunnen worden geïmporteerd."),
        ("nep.xlsx", b"PK\x03\x04rommel", "Het bestand is geen geldig XLSX-bestand."),
    ],
)
def test_participants_whole_file_problems(
    personas: Personas, world: World, name: str, content: bytes, reason: str
) -> None:
    before = counts()
    found = problems(services.import_participants, SYSTEM, world.training_a, name, content)
    assert found == [(None, "", "", reason)]
    assert counts() == before


def test_participants_missing_and_doubled_columns(personas: Personas, world: World) -> None:
    found = problems(
        services.import_participants,
        SYSTEM,
        world.training_a,
        "k.csv",
        csv_bytes("rol;school", "a;b"),
    )
    assert found == [
        (1, "afgerond", "", "Deze verplichte kolom ontbreekt."),
        (1, "e-mail", "", "Het bestand heeft een kolom e-mail of naam nodig."),
    ]
    found = problems(
        services.import_participants,
        SYSTEM,
        world.training_a,
        "k.csv",
        csv_bytes("naam;Name;afgerond", "a;b;ja"),
    )
    assert found == [(1, "Name", "Name", "Deze kolom komt twee keer voor.")]


def test_participants_too_many_rows(personas: Personas, world: World) -> None:
    rows = [f"p{n}@example.test;ja" for n in range(MAX_IMPORT_ROWS + 1)]
    found = problems(
        services.import_participants,
        SYSTEM,
        world.training_a,
        "veel.csv",
        csv_bytes("e-mail;afgerond", *rows),
    )
    assert found == [(None, "", "", f"Het bestand heeft meer dan {MAX_IMPORT_ROWS} regels.")]


def test_participants_import_is_idempotent_and_audited(personas: Personas, world: World) -> None:
    content = csv_bytes(
        "\ufeffE-mail;Naam;Rol;School;Afgerond;Datum",
        "Nieuw@Example.test;Nieuwe Collega;leerkracht;11AA00;ja;05-01-2026",
        "staff_a@example.test;Staf A;directie;De Eik;ja;2026-01-06",
        ";Zonder Adres;conciërge;;nee;",
    )
    result = services.import_participants(SYSTEM, world.training_a, "lijst.csv", content)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    person = Participant.objects.get(training=world.training_a, email="nieuw@example.test")
    assert person.school == personas.tree.school_a1 and str(person.completed_on) == "2026-01-05"
    updated = AuditEntry.objects.get(
        object_type="people.participant",
        action="update",
        object_id=str(
            Participant.objects.get(training=world.training_a, email="staff_a@example.test").pk
        ),
    )
    assert updated.payload.changes == {
        "completed_on": [None, "2026-01-06"],
        "role": ["leerkracht", "directie"],
    }
    assert updated.organisation_id == personas.tree.board_a.pk
    before = counts()
    again = services.import_participants(SYSTEM, world.training_a, "lijst.csv", content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert counts() == before


def test_participants_of_a_school_training(personas: Personas, world: World) -> None:
    # A school's own training: an empty school is that school; another school is refused.
    content = csv_bytes("naam;school;afgerond", "Een;;ja", "Twee;De Linde;ja")
    found = problems(services.import_participants, SYSTEM, world.training_a1, "s.csv", content)
    assert found == [(3, "school", "De Linde", "Onbekende school; kies uit: De Eik.")]
    services.import_participants(
        SYSTEM, world.training_a1, "s.csv", csv_bytes("naam;afgerond", "Een;ja")
    )
    assert Participant.objects.get(training=world.training_a1).school == personas.tree.school_a1


def test_participants_from_xlsx_with_guarded_text(personas: Personas, world: World) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Deelnemers"
    sheet.append(["e-mail", "naam", "afgerond", "datum"])
    sheet.append(["excel@example.test", "'=1+1", "ja", dt.datetime(2026, 2, 1)])
    sheet.append(["", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    services.import_participants(SYSTEM, world.training_a, "lijst.xlsx", buffer.getvalue())
    person = Participant.objects.get(email="excel@example.test")
    assert person.name == "=1+1" and str(person.completed_on) == "2026-02-01"


def test_import_refused_without_grant(personas: Personas, world: World) -> None:
    with pytest.raises(services.PeopleRefused):
        services.import_participants(
            Actor.for_user(personas["school_leader_a"]),
            world.training_a,
            "l.csv",
            csv_bytes("naam;afgerond", "A;ja"),
        )


PHISHING_HEADER = "campagne;datum;school;verzonden;geopend;geklikt;gemeld"


def test_phishing_every_bad_field_and_nothing_written(personas: Personas, world: World) -> None:
    before = counts()
    content = csv_bytes(
        PHISHING_HEADER,
        "Pakket;2026-01-10;De Eik;20;10;4;3",
        ";2026-01-10;;20;1;1;1",
        "Pakket;morgen;;20;;;",
        "Pakket;2026-01-10;Onbekend;20;;;",
        "Pakket;2026-01-10;De Linde;10;11;12;3",
        "Pakket;2026-01-10;De Linde;-4;;;",
        "Pakket;2026-01-10;De Eik;20;10;4;3",
        "Pakket;2026-01-11;;;1;1;1",
    )
    found = problems(services.import_phishing, SYSTEM, personas.tree.board_a, "p.csv", content)
    assert found == [
        (3, "campagne", "", "Dit veld is verplicht."),
        (4, "datum", "morgen", "Geen geldige datum; schrijf 2026-03-31 of 31-03-2026."),
        (5, "school", "Onbekend", "Onbekende school; kies uit: De Eik, De Linde."),
        (6, "geopend", "11", "Dit aantal is groter dan het aantal verzonden e-mails."),
        (6, "geklikt", "12", "Dit aantal is groter dan het aantal verzonden e-mails."),
        (7, "verzonden", "-4", "Vul een heel getal van 0 of meer in."),
        (
            8,
            "campagne",
            "Pakket",
            "Deze campagne voor deze school en datum staat ook al op regel 2.",
        ),
        (9, "verzonden", "", "Dit veld is verplicht."),
    ]
    assert counts() == before


def test_phishing_import_idempotent_and_school_leader_limits(
    personas: Personas, world: World
) -> None:
    content = csv_bytes(
        PHISHING_HEADER, "Pakket;2026-01-10;De Eik;20;10;4;3", "Pakket;2026-01-10;;50;20;8;9"
    )
    result = services.import_phishing(SYSTEM, personas.tree.board_a, "p.csv", content)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert services.import_phishing(SYSTEM, personas.tree.board_a, "p.csv", content).unchanged == 2
    changed = csv_bytes(PHISHING_HEADER, "pakket;10-01-2026;11AA00;20;10;5;3")
    assert services.import_phishing(SYSTEM, personas.tree.board_a, "p.csv", changed).updated == 1
    row = PhishingCampaign.objects.get(organisation=personas.tree.school_a1, name__iexact="Pakket")
    assert row.clicked == 5
    leader = Actor.for_user(personas["school_leader_a"])
    found = problems(
        services.import_phishing,
        leader,
        personas.tree.school_a1,
        "p.csv",
        csv_bytes(PHISHING_HEADER, "Mail;2026-01-10;De Linde;5;;;"),
    )
    assert found == [(2, "school", "De Linde", "Onbekende school; kies uit: De Eik.")]
    with pytest.raises(services.PeopleRefused):
        services.import_phishing(leader, personas.tree.board_a, "p.csv", content)
