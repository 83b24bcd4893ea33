"""The normenkader catalogue files: schema, contents against the reference, and the loader."""

from __future__ import annotations

import copy
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from pydantic import ValidationError

from schildwacht.audit.models import AuditAction, AuditEntry
from schildwacht.audit.services import verify_chain
from schildwacht.demo.services import load_demo
from schildwacht.frameworks.loader import DATA_DIR, CatalogueError, read_catalogues
from schildwacht.frameworks.models import (
    Basismaatregel,
    CatalogueFile,
    Domain,
    Framework,
    Groeipad,
    GroeipadPhase,
    GroeipadSubProject,
    Norm,
)
from schildwacht.frameworks.schema import BasismaatregelenFile, FrameworkFile
from schildwacht.frameworks.services import load_catalogues

NORMENKADER = DATA_DIR / "normenkader-ibp-fo-2024-06-06.yaml"

# The confirmed facts (shared/reference/normenkader-ibp-fo.csv), copied because the reference
# folder is not available in CI: id -> (official short title, confidence).
REFERENCE: dict[str, tuple[str, str]] = {
    "GO.01": ("Strategie informatiebeveiliging", "confirmed"),
    "GO.02": ("Beleid informatiebeveiliging", "confirmed"),
    "GO.03": ("Planning/roadmap informatiebeveiliging", "inferred"),
    "GO.05": ("Onafhankelijke toetsing", "confirmed"),
    "OR.01": ("Eigenaarschap, rollen, verantwoordelijkheden en aansprakelijkheid", "confirmed"),
    "RM.03": (
        "Plan voor behandeling en beperking van risico's (inclusief risicoacceptatie)",
        "confirmed",
    ),
    "ID.01": ("Toegangsrechten toewijzen", "confirmed"),
    "ID.02": ("Administratie van toegangsrechten", "inferred"),
    "ID.05": ("Periodieke beoordeling van toegangsrechten", "inferred"),
    "SM.01": ("Beveiligingsbaselines", "confirmed"),
    "SM.02": ("Authenticatiemechanismes", "inferred"),
    "SM.04": ("Logging systeemactiviteiten", "confirmed"),
    "SM.05": ("Testen, inspectie en toezicht beveiliging", "confirmed"),
    "SM.06": ("Patchmanagement", "confirmed"),
    "SM.07": ("Threat- en vulnerabilitymanagement", "confirmed"),
    "SM.08": ("Beschikbaarheid en bescherming infrastructuur", "confirmed"),
    "SM.09": ("Onderhoud van de infrastructuur", "confirmed"),
    "SM.10": ("Cryptografisch sleutelmanagement", "confirmed"),
    "SM.11": ("Netwerkbeveiliging", "confirmed"),
    "SM.12": ("Beheersing van malware-aanvallen", "confirmed"),
    "SM.13": ("Bescherming van beveiligingstechnologie", "confirmed"),
    "PH.01": ("Fysieke beveiligingsmaatregelen", "confirmed"),
    "OP.02": ("Procedures voor back-up en herstel", "inferred"),
    "BC.03": ("Offsite back-upopslag", "inferred"),
    "RB.03": ("Toestemming", "confirmed"),
    "RB.04": ("Geautomatiseerde besluitvorming en/of profilering", "confirmed"),
    "SW.01": ("AVG-rollen", "confirmed"),
    "SW.03": ("Doorgifte buiten de EER", "confirmed"),
    "GB.02": ("Melding datalekken", "confirmed"),
    "VW.01": ("Rapportage naleving AVG", "confirmed"),
}
ID_ONLY = {"IM.01", "IM.02", "IM.03", "BC.01", "BC.02", "BC.05"}
ALLOWED_IDS = set(REFERENCE) | ID_ONLY
# Prefixes confirmed by the norm ids of the reference; every other prefix stays unknown.
CONFIRMED_PREFIXES = {
    ("IB", 1): "GO",
    ("IB", 2): "OR",
    ("IB", 3): "RM",
    ("IB", 6): "IM",
    ("IB", 10): "ID",
    ("IB", 11): "SM",
    ("IB", 12): "PH",
    ("IB", 13): "OP",
    ("IB", 14): "BC",
    ("privacy", 4): "RB",
    ("privacy", 5): "SW",
    ("privacy", 6): "GB",
    ("privacy", 7): "VW",
}


def _raw(path: Path = NORMENKADER) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _norms(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [norm for domain in raw["domains"] for norm in domain["norms"]]


# Schema and contents of the shipped files ----------------------------------------------------


def test_every_shipped_file_is_valid() -> None:
    catalogues = read_catalogues()
    assert [f.name for f in catalogues.frameworks] == ["normenkader-ibp-fo-2024-06-06.yaml"]
    assert [g.name for g in catalogues.groeipaden] == ["groeipad-schildwacht.yaml"]
    assert catalogues.basismaatregelen is not None
    assert sorted(p.name for p in DATA_DIR.glob("*")) == [
        "basismaatregelen.yaml",
        "groeipad-schildwacht.yaml",
        "normenkader-ibp-fo-2024-06-06.yaml",
    ]


def test_normenkader_holds_exactly_the_known_norms() -> None:
    framework = read_catalogues().frameworks[0].data
    norms = {n.id: n for d in framework.domains for n in d.norms}
    assert set(norms) == ALLOWED_IDS
    assert framework.norm_count == 36
    assert framework.completeness.declared == {"IB": 69, "privacy": 25}
    assert framework.completeness.declared_total == 94
    assert framework.completeness.complete is False
    for norm_id, (title, confidence) in REFERENCE.items():
        norm = norms[norm_id]
        assert (norm.title, norm.confidence, norm.title_is_official) == (title, confidence, True)
        assert norm.source_url and norm.source_url.startswith("https://")
        assert sorted(norm.criteria) == [1, 2, 3, 4, 5], norm_id
    for norm_id in ID_ONLY:
        norm = norms[norm_id]
        assert norm.title is None and norm.title_is_official is False
        assert norm.confidence == "id_only" and norm.descriptive_title


def test_normenkader_domains_and_scale() -> None:
    framework = read_catalogues().frameworks[0].data
    ib = [d for d in framework.domains if d.part == "IB"]
    privacy = [d for d in framework.domains if d.part == "privacy"]
    assert [d.number for d in ib] == list(range(1, 16))
    assert [d.number for d in privacy] == list(range(1, 8))
    assert {(d.part, d.number): d.prefix for d in framework.domains if d.prefix} == (
        CONFIRMED_PREFIXES
    )
    assert [d.name for d in privacy[:3]] == [None, None, None]
    assert ib[5].name == "Incident- en probleemmanagement"
    assert ib[13].name == "Business Continuity Management"
    assert all(d.raci.accountable == "board" for d in framework.domains)
    names = [level.name.nl for level in framework.maturity.levels]
    assert names == ["Ad hoc", "Herhaalbaar", "Bepaald", "Beheerst", "Continu verbeteren"]
    assert framework.maturity.target_level == 3


def test_basismaatregelen_and_groeipad() -> None:
    catalogues = read_catalogues()
    assert catalogues.basismaatregelen is not None
    measures = catalogues.basismaatregelen.data.measures
    assert [m.number for m in measures] == list(range(1, 12))
    assert all(set(m.norms) <= ALLOWED_IDS for m in measures)
    assert {m.indicator for m in measures} == {
        "registers.completeness",
        "suppliers.agreement_coverage",
        "risks.register",
        "access.justified_accounts",
        "surface.findings",
        "evidence.encryption",
        "evidence.backups",
        "evidence.antivirus",
        "evidence.mfa",
        "detection.log_sources",
        "evidence.patching",
    }
    groeipad = catalogues.groeipaden[0].data
    assert groeipad.official is False
    official = {
        sub.code: sub.title
        for phase in groeipad.phases
        for sub in phase.subprojects
        if sub.official
    }
    assert official == {
        "1.6": "Overzicht van systemen en hardware",
        "2.1": "Verwerkingsregister opstellen",
        "2.10": "Bedrijfscontinuïteit",
    }


# Refused files -------------------------------------------------------------------------------


def _framework_error(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        FrameworkFile.model_validate(raw)
    return str(info.value)


def test_schema_refuses_a_duplicate_norm_id() -> None:
    raw = _raw()
    gov = raw["domains"][0]["norms"]
    gov.append(copy.deepcopy(gov[0]))
    assert "duplicate norm id: GO.01" in _framework_error(raw)


def test_schema_refuses_a_bad_norm_id() -> None:
    raw = _raw()
    raw["domains"][0]["norms"][0]["id"] = "GO.1"
    assert "String should match pattern" in _framework_error(raw)
    raw["domains"][0]["norms"][0]["id"] = "go.01"
    assert "String should match pattern" in _framework_error(raw)


def test_schema_refuses_a_prefix_mismatch() -> None:
    raw = _raw()
    raw["domains"][0]["norms"][0]["id"] = "SM.99"
    assert "does not match the prefix GO of IB domain 1" in _framework_error(raw)
    raw = _raw()
    personnel = next(d for d in raw["domains"] if d["part"] == "IB" and d["number"] == 4)
    personnel["norms"] = [copy.deepcopy(raw["domains"][0]["norms"][0])]
    assert "IB domain 4, which has no prefix" in _framework_error(raw)


def test_schema_refuses_counts_that_do_not_add_up() -> None:
    raw = _raw()
    raw["completeness"]["complete"] = True
    assert "ships 36 of 94 declared norms" in _framework_error(raw)
    raw = _raw()
    raw["completeness"]["declared"]["privacy"] = 5
    assert "privacy: 6 norms shipped but only 5 declared" in _framework_error(raw)


def test_schema_refuses_half_known_norms_and_unknown_keys() -> None:
    raw = _raw()
    norm = raw["domains"][0]["norms"][0]
    del norm["criteria"][5]
    assert "criteria must cover every level 1-5" in _framework_error(raw)
    raw = _raw()
    raw["domains"][0]["norms"][0]["title_is_official"] = False
    assert "a title that is not official goes in descriptive_title" in _framework_error(raw)
    raw = _raw()
    raw["domains"][0]["norms"][0]["confidence"] = "id_only"
    assert "confidence id_only means no official title" in _framework_error(raw)
    raw = _raw()
    raw["domains"][0]["norms"][0]["owner"] = "iemand"
    assert "Extra inputs are not permitted" in _framework_error(raw)
    raw = _raw()
    raw["maturity"]["levels"].pop()
    assert "maturity levels must be exactly 1, 2, 3, 4, 5" in _framework_error(raw)


def test_basismaatregel_linking_an_unknown_norm_is_refused() -> None:
    raw = _raw(DATA_DIR / "basismaatregelen.yaml")
    raw["measures"][0]["norms"].append("PB.01")
    context = {
        "norm_ids": ALLOWED_IDS,
        "subprojects": read_catalogues().groeipaden[0].data.codes(),
    }
    with pytest.raises(ValidationError) as info:
        BasismaatregelenFile.model_validate(raw, context=context)
    assert info.value.error_count() == 1
    assert "unknown norm id: PB.01" in str(info.value)
    raw = _raw(DATA_DIR / "basismaatregelen.yaml")
    raw["measures"][1]["groeipad"] = ["9.9"]
    with pytest.raises(ValidationError, match=r"unknown groeipad sub-project: 9\.9"):
        BasismaatregelenFile.model_validate(raw, context=context)
    raw = _raw(DATA_DIR / "basismaatregelen.yaml")
    raw["measures"].pop()
    with pytest.raises(ValidationError, match="numbered 1 to 11"):
        BasismaatregelenFile.model_validate(raw, context=context)


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _write(path: Path, raw: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_loader_names_the_file_and_the_problem(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    raw = _raw(data / "basismaatregelen.yaml")
    raw["measures"][3]["norms"] = ["ID.01", "XX.07"]
    _write(data / "basismaatregelen.yaml", raw)
    with pytest.raises(CatalogueError) as info:
        read_catalogues(data)
    assert "basismaatregelen.yaml" in str(info.value)
    assert "measures.3.norms: unknown norm id: XX.07" in str(info.value)

    data = _copy_data(tmp_path / "b")
    (data / "normenkader-ibp-fo-2024-06-06.yaml").write_bytes(b"id: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"normenkader-ibp-fo-2024-06-06\.yaml: geen geldige"):
        read_catalogues(data)

    data = _copy_data(tmp_path / "c")
    (data / "normenkader-ibp-fo-2024-06-06.yaml").rename(data / "normenkader.yaml")
    with pytest.raises(CatalogueError, match=r"heet normenkader-ibp-fo-2024-06-06\.yaml"):
        read_catalogues(data)


# Loader ---------------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Framework,
            Domain,
            Norm,
            Basismaatregel,
            Groeipad,
            GroeipadPhase,
            GroeipadSubProject,
            CatalogueFile,
            AuditEntry,
        )
    }


@pytest.mark.django_db
def test_loader_is_idempotent() -> None:
    first = load_catalogues()
    assert all(result.changes for result in first)
    counts = _counts()
    assert counts["Framework"] == 1
    assert counts["Norm"] == 36
    assert Domain.objects.filter(part="IB").count() == 15
    assert Domain.objects.filter(part="privacy").count() == 7
    assert counts["Basismaatregel"] == 11
    assert counts["GroeipadSubProject"] == 21
    assert counts["AuditEntry"] == sum(result.changes for result in first)
    assert {e.actor_label for e in AuditEntry.objects.all()} == {"systeem: catalogus"}
    assert {e.organisation_id for e in AuditEntry.objects.all()} == {None}

    second = load_catalogues()
    assert [result.changes for result in second] == [0, 0, 0]
    assert _counts() == counts
    assert verify_chain().intact

    framework = Framework.objects.get()
    assert (framework.slug, framework.version, framework.edition) == (
        "normenkader-ibp-fo",
        "2024-06-06",
        1,
    )
    assert (framework.declared_norm_count, framework.is_complete) == (94, False)
    im01 = Norm.objects.get(norm_id="IM.01")
    assert (im01.title_is_official, im01.confidence, im01.domain.prefix) == (
        False,
        "id_only",
        "IM",
    )
    assert Norm.objects.get(norm_id="GO.01").criteria["3"].startswith("Het bestuur heeft")


@pytest.mark.django_db
def test_changed_file_updates_its_edition_and_records_it(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    load_catalogues(data_dir=data)
    framework = Framework.objects.get()
    raw = _raw(data / NORMENKADER.name)
    raw["domains"][0]["norms"][0]["description"] = "Een nieuwe omschrijving."
    removed = raw["domains"][0]["norms"].pop()  # GO.05
    _write(data / NORMENKADER.name, raw)
    before = AuditEntry.objects.count()

    results = load_catalogues(data_dir=data)

    assert [r.changes for r in results] == [0, 4, 0]  # GO.01, GO.05, framework, file
    assert Framework.objects.get() == framework
    assert Norm.objects.get(norm_id="GO.01").description == "Een nieuwe omschrijving."
    assert not Norm.objects.filter(norm_id=removed["id"]).exists()
    new = AuditEntry.objects.filter(id__gt=before)
    assert set(new.values_list("action", "object_repr")) >= {
        (AuditAction.UPDATE, "GO.01 Strategie informatiebeveiliging"),
        (AuditAction.DELETE, "GO.05 Onafhankelijke toetsing"),
    }
    assert verify_chain().intact


@pytest.mark.django_db
def test_new_version_is_a_new_framework(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    raw = _raw(data / NORMENKADER.name)
    raw["version"] = "2026-01-01"
    _write(data / "normenkader-ibp-fo-2026-01-01.yaml", raw)
    load_catalogues(data_dir=data)
    assert sorted(Framework.objects.values_list("version", "edition")) == [
        ("2024-06-06", 1),
        ("2026-01-01", 1),
    ]
    assert Norm.objects.count() == 72


@pytest.mark.django_db
def test_an_invalid_file_writes_nothing(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    raw = _raw(data / "groeipad-schildwacht.yaml")
    raw["phases"][0]["subprojects"][0]["code"] = "2.1"
    _write(data / "groeipad-schildwacht.yaml", raw)
    with pytest.raises(CatalogueError, match=r"sub-project 2\.1 is not in phase 1"):
        load_catalogues(data_dir=data)
    assert set(_counts().values()) == {0}


@pytest.mark.django_db
def test_command_loads_and_reports() -> None:
    out = io.StringIO()
    call_command("loadcatalogues", stdout=out)
    assert "normenkader-ibp-fo-2024-06-06.yaml: geladen" in out.getvalue()
    out = io.StringIO()
    call_command("loadcatalogues", stdout=out)
    assert out.getvalue().count("ongewijzigd") == 3


@pytest.mark.django_db
def test_demo_loads_the_catalogues() -> None:
    load_demo()
    assert Norm.objects.count() == 36
    assert Basismaatregel.objects.count() == 11
    entries = AuditEntry.objects.count()
    load_demo()
    assert AuditEntry.objects.count() == entries
