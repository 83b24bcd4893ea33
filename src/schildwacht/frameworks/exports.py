"""Exports of a framework edition: YAML (the catalogue file schema), XLSX and OSCAL catalog JSON.

Every export is built from the database rows of one edition:

* YAML validates against ``schema.FrameworkFile`` and could be shipped as a file under ``data/``;
* XLSX has a sheet of norms with exactly the import's columns (export → import changes nothing)
  and a sheet of domains; text cells are guarded against formulas (``lib.spreadsheets``);
* OSCAL is a catalog built and checked with compliance-trestle's models: groups are domains,
  controls are norms (``go.01``), with parts for the description and the level criteria.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import yaml

from schildwacht.frameworks.importers import LEVEL_KEYS, column_label, schema_norm
from schildwacht.frameworks.models import Domain, Framework, Norm
from schildwacht.frameworks.schema import MATURITY_LEVELS, FrameworkFile
from schildwacht.lib.spreadsheets import neutralise_row

EXPORT_FORMATS = ("yaml", "xlsx", "oscal")
NORM_COLUMNS = ("id", "title", "official", "part", "domain", "description", *LEVEL_KEYS)
# Namespace of Schildwacht's own OSCAL props and part names (OSCAL allows others with an ns).
OSCAL_NS = "https://schildwacht.nl/ns/oscal"
_UUID_NAMESPACE = uuid.UUID("6f1c3b1e-5a0c-4a43-9d55-2f3a0a6c1d7e")


@dataclass(frozen=True)
class Export:
    """An export ready to download: file name, media type and bytes."""

    filename: str
    content_type: str
    content: bytes


def _domains(framework: Framework) -> list[tuple[Domain, list[Norm]]]:
    """The edition's domains in order with their norms, in two queries."""
    domains = list(Domain.objects.filter(framework=framework).order_by("part", "number"))
    norms: dict[int, list[Norm]] = {domain.pk: [] for domain in domains}
    for norm in Norm.objects.filter(framework=framework).order_by("norm_id"):
        norms[norm.domain_id].append(norm)
    return [(domain, norms[domain.pk]) for domain in domains]


def _norm_values(norm: Norm) -> dict[str, Any]:
    return {
        "title": norm.title,
        "title_is_official": norm.title_is_official,
        "confidence": norm.confidence,
        "source_url": norm.source_url,
        "description": norm.description,
        "criteria": norm.criteria,
        "references": norm.references,
    }


def framework_file(framework: Framework) -> FrameworkFile:
    """The edition as a validated catalogue file (raises pydantic's ValidationError if not)."""
    return FrameworkFile.model_validate(
        {
            "schema_version": 1,
            "id": framework.slug,
            "version": framework.version,
            "locale": framework.locale,
            "name": framework.name,
            "source": {"publisher": framework.publisher, "url": framework.source_url},
            "completeness": {
                "declared": framework.declared_counts,
                "complete": framework.is_complete,
                "note": framework.completeness_note,
            },
            "notes": framework.notes,
            "maturity": {
                "levels": framework.maturity_levels,
                "target_level": framework.target_level,
            },
            "domains": [
                {
                    "number": domain.number,
                    "part": domain.part,
                    "prefix": domain.prefix or None,
                    "name": domain.name or None,
                    "description": domain.description,
                    "raci": domain.raci,
                    "norms": [schema_norm(norm.norm_id, _norm_values(norm)) for norm in norms],
                }
                for domain, norms in _domains(framework)
            ],
        }
    )


def _basename(framework: Framework) -> str:
    return f"{framework.slug}-{framework.version}"


def export_yaml(framework: Framework) -> Export:
    """The edition as a catalogue file in the schema of the shipped files."""
    # Python mode keeps the criteria's level keys as numbers (JSON mode would make them text,
    # which the schema refuses); the version is written as a quoted date like the shipped files.
    data = framework_file(framework).model_dump(mode="python")
    data["version"] = framework.version
    header = (
        f"# {framework.name}, versie {framework.version}, editie {framework.edition} "
        "(schema: schildwacht/frameworks/schema.py).\n"
    )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    # Named as the loader expects, so the file can be shipped under data/ as it is.
    return Export(f"{_basename(framework)}.yaml", "application/yaml", text.encode())


def norm_rows(
    framework: Framework, domains: list[tuple[Domain, list[Norm]]] | None = None
) -> list[list[object]]:
    """The norms sheet: a header with the import's column names, then one row per norm."""
    rows: list[list[object]] = [[column_label(key) for key in NORM_COLUMNS]]
    for domain, norms in domains if domains is not None else _domains(framework):
        for norm in norms:
            criteria = norm.criteria or {}
            rows.append(
                [
                    norm.norm_id,
                    norm.title,
                    "ja" if norm.title_is_official else "nee",
                    domain.part,
                    domain.number,
                    norm.description,
                    *(criteria.get(str(level), "") for level in MATURITY_LEVELS),
                ]
            )
    return rows


def export_xlsx(framework: Framework) -> Export:
    """The edition as a workbook: norms (importable as they are) and domains."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "Normen"
    contents = _domains(framework)
    for row in norm_rows(framework, contents):
        sheet.append(neutralise_row(row))
    domains = workbook.create_sheet("Domeinen")
    domains.append(["deel", "domein", "voorvoegsel", "naam", "omschrijving", "normen"])
    for domain, norms in contents:
        domains.append(
            neutralise_row(
                [
                    domain.part,
                    domain.number,
                    domain.prefix,
                    domain.name,
                    domain.description,
                    len(norms),
                ]
            )
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(
        f"{_basename(framework)}-editie-{framework.edition}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        buffer.getvalue(),
    )


def _one_line(text: str) -> str:
    # OSCAL titles are a single line.
    return " ".join(text.split())


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value, "ns": OSCAL_NS}


def _control(norm: Norm) -> dict[str, Any]:
    control_id = norm.norm_id.lower()
    criteria = sorted((norm.criteria or {}).items())
    return {
        "id": control_id,
        "title": _one_line(norm.title),
        "props": [
            {"name": "label", "value": norm.norm_id},
            _prop("confidence", norm.confidence),
            _prop("official-title", "true" if norm.title_is_official else "false"),
        ],
        "parts": [
            {"id": f"{control_id}_smt", "name": "statement", "prose": norm.description},
            *(
                {
                    "id": f"{control_id}_lvl-{level}",
                    "name": "maturity-level",
                    "ns": OSCAL_NS,
                    "title": f"Niveau {level}",
                    "props": [_prop("level", level)],
                    "prose": text,
                }
                for level, text in criteria
            ),
        ],
    }


def _group(domain: Domain, norms: list[Norm]) -> dict[str, Any]:
    group_id = f"{domain.part.lower()}-{domain.number:02d}"
    group: dict[str, Any] = {
        "id": group_id,
        "class": "domain",
        "title": _one_line(domain.name or f"Domein {domain.number} (naam onbekend)"),
        "props": [
            _prop("part", domain.part),
            _prop("number", str(domain.number)),
            *([_prop("prefix", domain.prefix)] if domain.prefix else []),
        ],
        "parts": [{"id": f"{group_id}_ovw", "name": "overview", "prose": domain.description}],
    }
    if norms:  # OSCAL wants a list of at least one control, or none at all.
        group["controls"] = [_control(norm) for norm in norms]
    return group


def oscal_catalog(framework: Framework) -> Any:
    """The edition as a trestle ``Catalog``: groups are domains, controls are norms.

    The document is built as OSCAL JSON data and made into trestle's pydantic models, which
    check every field against the OSCAL catalog schema (ValidationError when anything is off).
    """
    # Imported here: trestle takes a second to import and only this export needs it.
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.catalog import Catalog

    modified = framework.updated_at or dt.datetime.now(tz=dt.UTC)
    metadata: dict[str, Any] = {
        "title": _one_line(framework.name),
        "last-modified": modified.isoformat(),
        "version": f"{framework.version} editie {framework.edition}",
        "oscal-version": OSCAL_VERSION,
        "props": [
            _prop("complete", "true" if framework.is_complete else "false"),
            _prop("declared-norm-count", str(framework.declared_norm_count)),
        ],
    }
    if framework.completeness_note:
        metadata["remarks"] = framework.completeness_note
    identity = f"{framework.slug}/{framework.version}/{framework.edition}"
    data = {
        "uuid": str(uuid.uuid5(_UUID_NAMESPACE, identity)),
        "metadata": metadata,
        "groups": [_group(domain, norms) for domain, norms in _domains(framework)],
    }
    return Catalog.model_validate(data)


def export_oscal(framework: Framework) -> Export:
    """The edition as OSCAL catalog JSON, parsed back through trestle's model as a check."""
    from trestle.oscal.catalog import Catalog

    text = oscal_catalog(framework).oscal_serialize_json(pretty=True)
    Catalog.model_validate(json.loads(text)["catalog"])
    return Export(
        f"{_basename(framework)}-editie-{framework.edition}-oscal.json",
        "application/json",
        text.encode(),
    )


def export_framework(framework: Framework, fmt: str) -> Export:
    """The export of ``framework`` in ``fmt`` (one of ``EXPORT_FORMATS``; KeyError otherwise)."""
    exporters = {"yaml": export_yaml, "xlsx": export_xlsx, "oscal": export_oscal}
    return exporters[fmt](framework)
