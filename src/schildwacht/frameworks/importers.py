"""Reading and checking the sector curator's import of the official norm list (nothing is written).

A curator uploads an XLSX or CSV file with one norm per row: id, title, domain (number),
description and optionally the criteria of levels 1..5, the part (IB or privacy) and whether the
title is the official one. Header names may be Dutch or English. Everything is checked before
anything is written, and every problem is reported with its row, column, value and reason, so
the curator can fix the whole file at once (ARCHITECTURE.md: imports are all-or-nothing).

``read_norm_rows`` checks the file on its own; ``plan_import`` checks the rows against the
edition they complete and works out the norms of the next edition. ``services.import_norms``
writes that plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from schildwacht.frameworks.models import Confidence, Domain, Framework, Norm, Part
from schildwacht.frameworks.schema import MATURITY_LEVELS, NormData

# The file reading is shared with the other importers; the names stay importable from here.
from schildwacht.lib.tabular import MAX_IMPORT_BYTES as MAX_IMPORT_BYTES
from schildwacht.lib.tabular import MAX_IMPORT_ROWS as MAX_IMPORT_ROWS
from schildwacht.lib.tabular import ImportProblem as ImportProblem
from schildwacht.lib.tabular import ImportRejected as ImportRejected
from schildwacht.lib.tabular import read_table, shown, whole_file
from schildwacht.lib.text import has_control_character

# Columns beyond these are never read, so a sheet with a huge width costs nothing.
MAX_COLUMNS = 50
MAX_TITLE = 200
MAX_TEXT = 4000
NORM_ID = re.compile(r"^[A-Z]{2}\.\d{2}$")
LEVEL_KEYS = tuple(f"level_{level}" for level in MATURITY_LEVELS)
REQUIRED_COLUMNS = ("id", "title", "domain", "description")
SHEET_NAMES = ("normen", "norms")
# Control characters other than tab and newlines cannot be stored (PostgreSQL refuses NUL).

# Normalised header name -> column key. Headers are lower-cased; spaces and hyphens become "_".
_ALIASES: dict[str, str] = {
    "id": "id",
    "norm": "id",
    "norm_id": "id",
    "normid": "id",
    "titel": "title",
    "title": "title",
    "domein": "domain",
    "domain": "domain",
    "deel": "part",
    "part": "part",
    "omschrijving": "description",
    "beschrijving": "description",
    "description": "description",
    "officiele_titel": "official",
    "officiële_titel": "official",
    "official_title": "official",
    "official": "official",
    **{f"niveau_{level}": f"level_{level}" for level in MATURITY_LEVELS},
    **{f"level_{level}": f"level_{level}" for level in MATURITY_LEVELS},
}
_PARTS = {"ib": Part.IB, "informatiebeveiliging": Part.IB, "privacy": Part.PRIVACY}
_YES = {"ja", "yes", "j", "y", "waar", "true", "1", "x"}
_NO = {"nee", "no", "n", "onwaar", "false", "0"}


def column_label(key: str) -> str:
    """The Dutch column name of a column key, as the export writes it."""
    if key.startswith("level_"):
        return f"niveau_{key.removeprefix('level_')}"
    return {
        "id": "id",
        "title": "titel",
        "domain": "domein",
        "part": "deel",
        "description": "omschrijving",
        "official": "officiele_titel",
    }[key]


@dataclass(frozen=True)
class ImportedNorm:
    """One checked row of the file."""

    line: int
    norm_id: str
    title: str
    official: bool
    part: str | None
    domain: int
    description: str
    criteria: dict[str, str]
    columns: dict[str, str]


def _normalise_header(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _columns(header_line: int, header: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    """Column key -> index, and the problems with the header (missing or doubled columns)."""
    found: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for index, raw in enumerate(header):
        key = _ALIASES.get(_normalise_header(raw))
        if key is None:
            continue  # Extra columns (notes, a status) are allowed and ignored.
        if key in found:
            problems.append(
                ImportProblem(header_line, raw, raw, _("Deze kolom komt twee keer voor."))
            )
            continue
        found[key] = index
    for key in REQUIRED_COLUMNS:
        if key not in found:
            problems.append(
                ImportProblem(
                    header_line, column_label(key), "", _("Deze verplichte kolom ontbreekt.")
                )
            )
    return found, problems


def _check_row(line: int, cells: dict[str, str]) -> tuple[ImportedNorm | None, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def problem(key: str, reason: str) -> None:
        problems.append(ImportProblem(line, column_label(key), shown(cells.get(key)), reason))

    for key, value in cells.items():
        if has_control_character(value):
            problem(key, _("De waarde bevat een ongeldig (onzichtbaar) teken."))
    norm_id = cells.get("id", "")
    if not norm_id:
        problem("id", _("Het id ontbreekt."))
    elif not NORM_ID.match(norm_id):
        problem("id", _("Het id heeft niet de vorm AA.00 (twee hoofdletters, punt, twee cijfers)."))
    title = cells.get("title", "")
    if not title:
        problem("title", _("De titel is leeg."))
    elif len(title) > MAX_TITLE:
        problem("title", _("De titel is langer dan %(max)d tekens.") % {"max": MAX_TITLE})
    domain: int | None = None
    raw_domain = cells.get("domain", "")
    if not raw_domain:
        problem("domain", _("Het domeinnummer ontbreekt."))
    elif not raw_domain.isdigit():
        problem("domain", _("Het domein is geen geheel getal."))
    else:
        domain = int(raw_domain)
    part: str | None = None
    if cells.get("part"):
        part = _PARTS.get(cells["part"].lower())
        if part is None:
            problem("part", _("Het deel is IB (informatiebeveiliging) of privacy."))
    official = True
    if cells.get("official"):
        answer = cells["official"].lower()
        if answer in _NO:
            official = False
        elif answer not in _YES:
            problem("official", _("Vul ja of nee in."))
    description = cells.get("description", "")
    if len(description) > MAX_TEXT:
        problem(
            "description", _("De omschrijving is langer dan %(max)d tekens.") % {"max": MAX_TEXT}
        )
    criteria = {key.removeprefix("level_"): cells[key] for key in LEVEL_KEYS if cells.get(key)}
    if criteria and len(criteria) != len(LEVEL_KEYS):
        for key in LEVEL_KEYS:
            if not cells.get(key):
                problem(key, _("Vul de criteria van alle vijf niveaus in, of van geen enkel."))
    for key in LEVEL_KEYS:
        if len(cells.get(key, "")) > MAX_TEXT:
            problem(key, _("De tekst is langer dan %(max)d tekens.") % {"max": MAX_TEXT})
    if problems or domain is None:
        return None, problems
    return (
        ImportedNorm(
            line=line,
            norm_id=norm_id,
            title=title,
            official=official,
            part=part,
            domain=domain,
            description=description,
            criteria=criteria,
            columns=cells,
        ),
        [],
    )


def parse_norm_rows(name: str, content: bytes) -> tuple[list[ImportedNorm], list[ImportProblem]]:
    """Read and check the rows of an uploaded file: the good rows and the problems of the rest.

    Checks here need no database: the file's form, its columns and every row on its own, and
    ids that occur twice. A file that cannot be read at all (too large, empty, not UTF-8, not
    a real XLSX, missing columns, too many rows) raises ``ImportRejected`` at once.
    ``plan_import`` checks the good rows against the catalogue and reports everything together.
    """
    table = read_table(name, content, sheet_names=SHEET_NAMES, max_columns=MAX_COLUMNS)
    columns, problems = _columns(table.header_line, table.header)
    if problems:
        # Without the right columns the rows cannot be read; report the header's problems.
        raise ImportRejected(problems)
    if not table.rows:
        raise whole_file(_("Het bestand bevat geen normen, alleen een kopregel."))
    norms: list[ImportedNorm] = []
    first_line: dict[str, int] = {}
    for line, row in table.rows:
        cells = {key: row[index] if index < len(row) else "" for key, index in columns.items()}
        norm, row_problems = _check_row(line, cells)
        problems += row_problems
        if norm is None:
            continue
        if norm.norm_id in first_line:
            problems.append(
                ImportProblem(
                    line,
                    column_label("id"),
                    norm.norm_id,
                    _("Dit id staat ook al op regel %(line)d.")
                    % {"line": first_line[norm.norm_id]},
                )
            )
            continue
        first_line[norm.norm_id] = line
        norms.append(norm)
    return norms, problems


def read_norm_rows(name: str, content: bytes) -> list[ImportedNorm]:
    """The checked rows of a file; ``ImportRejected`` with every problem of the file itself."""
    norms, problems = parse_norm_rows(name, content)
    if problems:
        raise ImportRejected(problems)
    return norms


DomainKey = tuple[str, int]


@dataclass
class ImportPlan:
    """What the next edition holds: every norm's values by id, and prefixes newly set.

    ``created`` and ``updated`` name the norms the import adds or changes; when both are empty
    and no prefix is new, the import changes nothing and no edition is made.
    """

    base: Framework
    norms: dict[str, dict[str, Any]] = field(default_factory=dict)
    prefixes: dict[DomainKey, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated or self.prefixes)

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for values in self.norms.values():
            part = values["domain"][0]
            totals[part] = totals.get(part, 0) + 1
        return totals


def _norm_values(norm: Norm, domain: Domain) -> dict[str, Any]:
    return {
        "domain": (domain.part, domain.number),
        "title": norm.title,
        "title_is_official": norm.title_is_official,
        "confidence": norm.confidence,
        "source_url": norm.source_url,
        "description": norm.description,
        "criteria": dict(norm.criteria),
        "references": list(norm.references),
    }


def _resolve_domain(
    row: ImportedNorm, domains: Iterable[Domain]
) -> tuple[Domain | None, str | None]:
    """The domain a row belongs to, or the reason it cannot be told."""
    candidates = [
        d for d in domains if d.number == row.domain and (row.part is None or d.part == row.part)
    ]
    if not candidates:
        return None, _("Onbekend domein.")
    if len(candidates) == 1:
        return candidates[0], None
    # Domain numbers repeat across the two parts. Without a part, the number means the one
    # domain that can take this id: the one with its prefix, else the one still without one.
    by_prefix = [d for d in candidates if d.prefix == row.norm_id[:2]]
    if len(by_prefix) == 1:
        return by_prefix[0], None
    open_domains = [d for d in candidates if not d.prefix]
    if len(open_domains) == 1:
        return open_domains[0], None
    return None, _("Dit domeinnummer bestaat in beide delen; vul de kolom deel in (IB of privacy).")


def plan_import(
    base: Framework, rows: list[ImportedNorm], problems_so_far: Iterable[ImportProblem] = ()
) -> ImportPlan:
    """Check ``rows`` against edition ``base`` and work out the next edition's norms.

    Raises ``ImportRejected`` with every problem, those of ``parse_norm_rows`` included. Imported titles become official (confidence
    ``imported``) unless the row says the title is not official; an unchanged official title
    keeps its confidence. Empty description or criteria cells keep what the norm already has.
    """
    domains = list(base.domains.all())
    existing = {n.norm_id: n for n in base.norms.all()}
    plan = ImportPlan(base=base)
    domains_by_pk = {d.pk: d for d in domains}
    for norm in existing.values():
        plan.norms[norm.norm_id] = _norm_values(norm, domains_by_pk[norm.domain_id])
    problems: list[ImportProblem] = list(problems_so_far)
    taken_prefixes = {d.prefix: (d.part, d.number) for d in domains if d.prefix}
    first_prefix_line: dict[DomainKey, int] = {}

    def problem(row: ImportedNorm, key: str, reason: str) -> None:
        problems.append(
            ImportProblem(row.line, column_label(key), shown(row.columns.get(key)), reason)
        )

    for row in rows:
        found, reason = _resolve_domain(row, domains)
        if found is None:
            problem(row, "domain", reason or "")
            continue
        domain = found
        key = (domain.part, domain.number)
        prefix = row.norm_id[:2]
        known_prefix = domain.prefix or plan.prefixes.get(key)
        if known_prefix and prefix != known_prefix:
            if domain.prefix:
                message = _(
                    "Het id past niet bij dit domein: de normen ervan beginnen met %(prefix)s."
                )
            else:
                message = _(
                    "Alle normen van één domein hebben hetzelfde voorvoegsel; op regel %(line)d "
                    "begint dit domein met %(prefix)s."
                )
            problem(
                row, "id", message % {"prefix": known_prefix, "line": first_prefix_line.get(key, 0)}
            )
            continue
        if not known_prefix:
            owner = taken_prefixes.get(prefix)
            if owner is not None and owner != key:
                problem(
                    row,
                    "id",
                    _("Het voorvoegsel %(prefix)s hoort al bij domein %(number)d (%(part)s).")
                    % {"prefix": prefix, "number": owner[1], "part": owner[0]},
                )
                continue
            plan.prefixes[key] = prefix
            taken_prefixes[prefix] = key
            first_prefix_line[key] = row.line
        current = plan.norms.get(row.norm_id)
        if current is not None and current["domain"] != key:
            problem(row, "domain", _("Deze norm staat in een ander domein."))
            continue
        values = _planned_values(row, key, current)
        if not values["description"]:
            problem(row, "description", _("Een nieuwe norm heeft een omschrijving nodig."))
            continue
        try:
            NormData.model_validate(schema_norm(row.norm_id, values))
        except ValidationError as exc:
            problem(row, "id", "; ".join(str(e["msg"]) for e in exc.errors()))
            continue
        if current is None:
            plan.created.append(row.norm_id)
        elif values != current:
            plan.updated.append(row.norm_id)
        plan.norms[row.norm_id] = values
    declared: dict[str, int] = base.declared_counts or {}
    for part, count in sorted(plan.counts().items()):
        if count > declared.get(part, 0):
            problems.append(
                ImportProblem(
                    None,
                    "",
                    str(count),
                    _(
                        "Na de import heeft het deel %(part)s %(count)d normen, meer dan de "
                        "%(declared)d van het officiële normenkader."
                    )
                    % {"part": part, "count": count, "declared": declared.get(part, 0)},
                )
            )
    if problems:
        # In file order: whole-file problems first, then by row.
        problems.sort(key=lambda p: p.line or 0)
        raise ImportRejected(problems)
    return plan


def _planned_values(
    row: ImportedNorm, key: DomainKey, current: dict[str, Any] | None
) -> dict[str, Any]:
    current = current or {}
    if row.official:
        unchanged = current.get("title_is_official") and current.get("title") == row.title
        confidence = current["confidence"] if unchanged else Confidence.IMPORTED.value
    else:
        # A title marked as not official is our own description: the norm is known by id only.
        confidence = Confidence.ID_ONLY.value
    return {
        "domain": key,
        "title": row.title,
        "title_is_official": row.official,
        "confidence": confidence,
        "source_url": current.get("source_url", ""),
        "description": row.description or current.get("description", ""),
        "criteria": dict(row.criteria) or dict(current.get("criteria", {})),
        "references": list(current.get("references", [])),
    }


def schema_norm(norm_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A norm's values in the shape of the framework file schema (used to check and export)."""
    official = values["title_is_official"]
    return {
        "id": norm_id,
        "title": values["title"] if official else None,
        "title_is_official": official,
        "descriptive_title": None if official else values["title"],
        "confidence": values["confidence"],
        "source_url": values["source_url"] or None,
        "description": values["description"],
        "criteria": {int(level): text for level, text in sorted(values["criteria"].items())},
        "references": values["references"],
    }
