"""The sector curator's import of the official norm list: all-or-nothing, every problem named."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.frameworks.importers import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportProblem,
    ImportRejected,
)
from schildwacht.frameworks.models import Domain, Framework, Norm
from schildwacht.frameworks.services import import_norms, load_catalogues
from tests.personas import PERSONA_ROLES, Personas, assert_access

pytestmark = pytest.mark.django_db

HEADER = "id;titel;domein;omschrijving"
LEVELS = ";".join(f"Niveau {n} in eigen woorden" for n in range(1, 6))


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues()
    return Framework.objects.get()


def _actor(personas: Personas) -> Any:
    from schildwacht.audit.services import Actor

    return Actor.for_user(personas["sector_curator"])


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


GOOD_CSV = _csv(
    "id;titel;domein;omschrijving;niveau_1;niveau_2;niveau_3;niveau_4;niveau_5",
    f"PB.01;Screening van personeel;4;Het bestuur screent nieuwe medewerkers.;{LEVELS}",
    "PB.02;Bewustwording;4;Medewerkers kennen de regels.;;;;;",
    "GO.04;Beleid vastgesteld;1;Het bestuur stelt het beleid vast.;;;;;",
    "IM.01;Melden van incidenten;6;;;;;;",
)


def _reject(personas: Personas, framework: Framework, name: str, content: bytes) -> list[Any]:
    before = (Framework.objects.count(), Norm.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ImportRejected) as caught:
        import_norms(_actor(personas), framework, name, content)
    # Nothing is written when anything is wrong.
    assert (Framework.objects.count(), Norm.objects.count(), AuditEntry.objects.count()) == before
    return caught.value.problems


def _problem(problems: list[ImportProblem], line: int | None, column: str) -> ImportProblem:
    found = [p for p in problems if p.line == line and p.column == column]
    assert found, f"no problem at row {line}, column {column!r} in {problems}"
    return found[0]


def test_good_csv_makes_edition_two_and_carries_the_old_norms(
    personas: Personas, framework: Framework
) -> None:
    old = set(framework.norms.values_list("norm_id", flat=True))
    audit_before = AuditEntry.objects.count()
    result = import_norms(_actor(personas), framework, "normen.csv", GOOD_CSV)
    assert result.created
    new = result.framework
    assert (new.slug, new.version, new.edition) == (framework.slug, framework.version, 2)
    assert result.new_norms == ["GO.04", "PB.01", "PB.02"]
    assert result.changed_norms == ["IM.01"]
    ids = set(new.norms.values_list("norm_id", flat=True))
    assert ids == old | {"GO.04", "PB.01", "PB.02"}
    assert new.domains.count() == framework.domains.count() == 22
    # Edition 1 is untouched: metingen made on it keep pointing at it.
    assert framework.norms.count() == 36
    assert framework.domains.get(part="IB", number=4).prefix == ""
    # The domain without prefix takes the prefix of its imported norms.
    assert new.domains.get(part="IB", number=4).prefix == "PB"
    pb1 = new.norms.get(norm_id="PB.01")
    assert (pb1.title, pb1.title_is_official, pb1.confidence) == (
        "Screening van personeel",
        True,
        "imported",
    )
    assert pb1.criteria["3"] == "Niveau 3 in eigen woorden"
    assert new.norms.get(norm_id="PB.02").criteria == {}
    # A norm known by id only gets its official title; its description and criteria stay.
    im1_old = framework.norms.get(norm_id="IM.01")
    im1 = new.norms.get(norm_id="IM.01")
    assert (im1.title, im1.title_is_official, im1.confidence) == (
        "Melden van incidenten",
        True,
        "imported",
    )
    assert im1.description == im1_old.description
    assert im1.criteria == im1_old.criteria
    # Unchanged norms keep their confidence.
    assert new.norms.get(norm_id="GO.01").confidence == "confirmed"
    assert not new.is_complete
    assert "39 van de 94" in new.completeness_note
    # Every new row is in the audit trail, with the curator as actor.
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("-pk")[: 1 + 22 + 39]
    assert AuditEntry.objects.count() - audit_before == 1 + 22 + 39
    assert {e.actor_label for e in entries} == {"sector_curator@example.test"}


def test_re_running_the_same_import_changes_nothing(
    personas: Personas, framework: Framework
) -> None:
    first = import_norms(_actor(personas), framework, "normen.csv", GOOD_CSV)
    counts = (Framework.objects.count(), Norm.objects.count(), AuditEntry.objects.count())
    again = import_norms(_actor(personas), framework, "normen.csv", GOOD_CSV)
    assert not again.created
    assert again.framework == first.framework
    assert (Framework.objects.count(), Norm.objects.count(), AuditEntry.objects.count()) == counts
    # From edition 2 itself too: the import always completes the newest edition.
    assert not import_norms(_actor(personas), first.framework, "normen.csv", GOOD_CSV).created


def test_good_xlsx_with_english_headers(personas: Personas, framework: Framework) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Norm", "Title", "Domain", "Description", "Part"])
    sheet.append(["PB.01", "Screening van personeel", 4, "Screening.", "IB"])
    sheet.append(["XA.01", "Grondslag", 1, "Een grondslag.", "privacy"])
    sheet.append([None, None, None, None, None])  # blank rows are skipped
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_norms(_actor(personas), framework, "Normen.XLSX", buffer.getvalue())
    assert result.created and result.new_norms == ["PB.01", "XA.01"]
    assert result.framework.domains.get(part="privacy", number=1).prefix == "XA"
    assert result.framework.norms.get(norm_id="XA.01").domain.part == "privacy"


def test_comma_separated_csv_with_bom(personas: Personas, framework: Framework) -> None:
    content = '\ufeffid,title,domain,description\nPB.01,"Screening, vooraf",4,Tekst.\n'
    result = import_norms(_actor(personas), framework, "n.csv", content.encode())
    assert result.framework.norms.get(norm_id="PB.01").title == "Screening, vooraf"


def test_every_bad_row_and_field_is_named(personas: Personas, framework: Framework) -> None:
    problems = _reject(
        personas,
        framework,
        "normen.csv",
        _csv(
            HEADER,
            "PB.01;Screening;4;Tekst.",  # fine
            "pb.02;Kleine letters;4;Tekst.",  # bad id
            "PB.03;;4;Tekst.",  # empty title
            "PB.04;Titel;99;Tekst.",  # unknown domain
            "PB.05;Titel;vier;Tekst.",  # domain not a number
            "PB.01;Dubbel;4;Tekst.",  # duplicate id
            "ZZ.01;Verkeerd voorvoegsel;11;Tekst.",  # SM is domain 11's prefix
            "QQ.01;Ander voorvoegsel;4;Tekst.",  # domain 4 already takes PB on row 2
            "PB.06;Nieuw zonder omschrijving;4;",
            "OR.09;Voorvoegsel van een ander domein;5;Tekst.",
            "XA.01;Privacy zonder deel;1;Tekst.",  # fine: privacy 1 is the one without prefix
            "XB.01;Tweede voorvoegsel;1;Tekst.",  # privacy 1 now has XA
        ),
    )
    assert _problem(problems, 3, "id").value == "pb.02"
    assert "AA.00" in _problem(problems, 3, "id").reason
    assert _problem(problems, 4, "titel").reason == "De titel is leeg."
    assert _problem(problems, 5, "domein").reason == "Onbekend domein."
    assert _problem(problems, 5, "domein").value == "99"
    assert "geen geheel getal" in _problem(problems, 6, "domein").reason
    assert "regel 2" in _problem(problems, 7, "id").reason
    assert "SM" in _problem(problems, 8, "id").reason
    assert "PB" in _problem(problems, 9, "id").reason
    assert "omschrijving" in _problem(problems, 10, "omschrijving").reason
    assert "domein 2" in _problem(problems, 11, "id").reason
    assert "XA" in _problem(problems, 13, "id").reason
    assert len(problems) == 10
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_missing_columns(personas: Personas, framework: Framework) -> None:
    problems = _reject(personas, framework, "n.csv", _csv("id;titel", "PB.01;Screening"))
    assert {(p.line, p.column) for p in problems} == {(1, "domein"), (1, "omschrijving")}
    assert all(p.reason == "Deze verplichte kolom ontbreekt." for p in problems)


def test_partial_criteria_name_the_missing_levels(personas: Personas, framework: Framework) -> None:
    problems = _reject(
        personas,
        framework,
        "n.csv",
        _csv("id;titel;domein;omschrijving;level_1;level_2", "PB.01;T;4;O;een;"),
    )
    assert {p.column for p in problems} == {"niveau_2", "niveau_3", "niveau_4", "niveau_5"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("leeg.csv", b"", "Het bestand is leeg."),
        ("leeg.csv", b"\n\n  \n", "Het bestand is leeg."),
        ("kop.csv", HEADER.encode() + b"\n", "Het bestand bevat geen normen, alleen een kopregel."),
        ("latin1.csv", f"{HEADER}\nPB.01;Scholing één;4;x\n".encode("latin-1"), "UTF-8"),
        ("nep.xlsx", b"id;titel;domein;omschrijving\n", "geen geldig XLSX-bestand"),
        ("kapot.xlsx", b"PK\x03\x04 dit is geen zip", "geen geldig XLSX-bestand"),
        ("oud.xls", b"\xd0\xcf\x11\xe0", "Alleen XLSX- en CSV-bestanden"),
        ("groot.csv", b"x" * (MAX_IMPORT_BYTES + 1), "groter dan 5 MB"),
    ],
)
def test_unusable_files_are_refused_whole(
    personas: Personas, framework: Framework, name: str, content: bytes, reason: str
) -> None:
    problems = _reject(personas, framework, name, content)
    assert len(problems) == 1
    assert problems[0].line is None
    assert reason in problems[0].reason


def test_too_many_rows(personas: Personas, framework: Framework) -> None:
    rows = [f"PB.{n % 100:02d};Titel {n};4;Tekst" for n in range(MAX_IMPORT_ROWS + 1)]
    problems = _reject(personas, framework, "veel.csv", _csv(HEADER, *rows))
    assert "meer dan 2000 regels" in problems[0].reason


def test_a_sheet_padded_with_blank_rows_is_refused(
    personas: Personas, framework: Framework
) -> None:
    rows = ["PB.01;Titel;4;Tekst", *([";;;"] * (5 * MAX_IMPORT_ROWS))]
    problems = _reject(personas, framework, "leeg.csv", _csv(HEADER, *rows))
    assert "meer dan 2000 regels" in problems[0].reason


def test_bad_part_and_official_flag(personas: Personas, framework: Framework) -> None:
    problems = _reject(
        personas,
        framework,
        "n.csv",
        _csv(
            "id;titel;domein;omschrijving;deel;officiele_titel", "PB.01;T;4;x;onderwijs;misschien"
        ),
    )
    assert "IB" in _problem(problems, 2, "deel").reason
    assert _problem(problems, 2, "officiele_titel").reason == "Vul ja of nee in."


def test_more_norms_than_declared(personas: Personas, framework: Framework) -> None:
    # Privacy declares 25 norms and ships 6; one more prefix-less domain of 20 is too many.
    rows = [f"XA.{n:02d};Titel {n};1;Tekst" for n in range(1, 21)]
    problems = _reject(
        personas, framework, "n.csv", _csv(HEADER + ";deel", *(r + ";privacy" for r in rows))
    )
    assert problems[0].line is None
    assert "26 normen" in problems[0].reason and "25" in problems[0].reason


def test_a_control_character_is_refused(personas: Personas, framework: Framework) -> None:
    problems = _reject(personas, framework, "n.csv", _csv(HEADER, "PB.01;Tit\x00el;4;Tekst"))
    assert _problem(problems, 2, "titel").reason.startswith("De waarde bevat een ongeldig")


def test_completing_the_list_marks_the_edition_complete(
    personas: Personas, framework: Framework
) -> None:
    existing = {n.norm_id: n for n in framework.norms.select_related("domain")}
    rows = [f"{n.norm_id};{n.title};{n.domain.part};{n.domain.number};x" for n in existing.values()]
    ib_free = iter(
        f"{prefix}.{i:02d}" for prefix in ("PB", "CM", "CH", "SO", "DM", "KB") for i in range(1, 20)
    )
    counts = {"IB": 0, "privacy": 0}
    for n in existing.values():
        counts[n.domain.part] += 1
    numbers = {"PB": 4, "CM": 5, "CH": 7, "SO": 8, "DM": 9, "KB": 15}
    while counts["IB"] < 69:
        norm_id = next(ib_free)
        rows.append(f"{norm_id};Titel {norm_id};IB;{numbers[norm_id[:2]]};x")
        counts["IB"] += 1
    privacy_free = iter(f"{p}.{i:02d}" for p, n in (("XA", 1), ("XB", 2)) for i in range(1, 20))
    while counts["privacy"] < 25:
        norm_id = next(privacy_free)
        rows.append(f"{norm_id};Titel;privacy;{1 if norm_id.startswith('XA') else 2};x")
        counts["privacy"] += 1
    result = import_norms(
        _actor(personas), framework, "alles.csv", _csv("id;titel;deel;domein;omschrijving", *rows)
    )
    assert result.framework.norms.count() == 94
    assert result.framework.is_complete


# --- pages -----------------------------------------------------------------------------------

CURATOR_ONLY = {**dict.fromkeys(PERSONA_ROLES, 404), "sector_curator": 200}


def test_only_the_curator_reaches_the_import_page(personas: Personas, framework: Framework) -> None:
    assert_access(personas, reverse("frameworks:import", args=[framework.pk]), CURATOR_ONLY)


def test_only_the_curator_may_post_an_import(personas: Personas, framework: Framework) -> None:
    url = reverse("frameworks:import", args=[framework.pk])
    bad = _csv(HEADER, "pb.01;;4;x")

    def data() -> dict[str, Any]:
        return {"file": SimpleUploadedFile("n.csv", bad, content_type="text/csv")}

    # A fresh upload per persona: the table's POST runs once per persona.
    expected = {**dict.fromkeys(PERSONA_ROLES, 404), "sector_curator": 422}
    got = {}
    for name in PERSONA_ROLES:
        got[name] = personas.client(name).post(url, data()).status_code
    assert got == expected
    assert_access(
        personas,
        url,
        {**dict.fromkeys(PERSONA_ROLES, 404), "sector_curator": 200},  # no file: the form again
        method="post",
        data={},
    )
    no_file = personas.client("sector_curator").post(url, {})
    assert "Dit veld is verplicht." in no_file.content.decode()
    assert Framework.objects.count() == 1


def test_import_page_reports_every_problem(personas: Personas, framework: Framework) -> None:
    client = personas.client("sector_curator")
    url = reverse("frameworks:import", args=[framework.pk])
    upload = SimpleUploadedFile("n.csv", _csv(HEADER, "pb.01;;4;x", "PB.02;T;99;x"))
    response = client.post(url, {"file": upload})
    assert response.status_code == 422
    html = response.content.decode()
    assert "3 fouten" in html
    assert "pb.01" in html and "De titel is leeg." in html and "Onbekend domein." in html
    assert "<td>3</td>" in html
    assert Framework.objects.count() == 1


def test_import_page_makes_the_edition_and_says_so(
    personas: Personas, framework: Framework
) -> None:
    client = personas.client("sector_curator")
    url = reverse("frameworks:import", args=[framework.pk])
    response = client.post(url, {"file": SimpleUploadedFile("n.csv", GOOD_CSV)})
    new = Framework.objects.get(edition=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("frameworks:detail", args=[new.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Editie 2 is gemaakt: 3 nieuwe en 1 gewijzigde normen." in page
    again = client.post(url, {"file": SimpleUploadedFile("n.csv", GOOD_CSV)}, follow=True)
    assert "De import verandert niets" in again.content.decode()
    assert Framework.objects.count() == 2


def test_oversized_uploads_are_refused_clearly(personas: Personas, framework: Framework) -> None:
    client = personas.client("sector_curator")
    url = reverse("frameworks:import", args=[framework.pk])
    # Over the importer's 5 MB limit but under the request cap: the report says why.
    six_mb = SimpleUploadedFile("groot.csv", _csv(HEADER) + b"x" * (6 * 1024 * 1024))
    response = client.post(url, {"file": six_mb})
    assert response.status_code == 422
    assert "groter dan 5 MB" in response.content.decode()
    # 50 MB is over the request cap: refused before it is read, with a clear message.
    fifty_mb = SimpleUploadedFile("enorm.csv", b"x" * (50 * 1024 * 1024))
    response = client.post(url, {"file": fifty_mb})
    assert response.status_code == 413
    assert "te groot" in response.content.decode()
    assert Framework.objects.count() == 1


def test_new_edition_shows_on_the_list(personas: Personas, framework: Framework) -> None:
    import_norms(_actor(personas), framework, "normen.csv", GOOD_CSV)
    html = personas.client("staff_a").get(reverse("frameworks:list")).content.decode()
    assert "39 van 94 normen" in html
    assert Domain.objects.filter(framework__edition=2, prefix="PB").exists()
