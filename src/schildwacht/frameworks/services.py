"""Writing the catalogue: loading the shipped files into the database, recorded in the audit trail.

``load_catalogues`` is idempotent: a file whose checksum is unchanged since the last load writes
nothing and adds no audit entries. A changed file brings its own rows up to date (created,
changed and removed rows each recorded); a new framework version is a new file and a new row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Max

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, diff, record_changes, snapshot
from schildwacht.frameworks.importers import ImportPlan, parse_norm_rows, plan_import
from schildwacht.frameworks.loader import DATA_DIR, Catalogues, Loaded, read_catalogues
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
from schildwacht.frameworks.schema import BasismaatregelenFile, FrameworkFile, GroeipadFile

CATALOGUE_ACTOR = Actor.system("catalogus")

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class FileResult:
    """What loading one file did: ``changes`` audit entries written (0 = unchanged)."""

    name: str
    changes: int


@dataclass
class _Sync:
    """Rows brought up to date by ``_sync``; ``stale`` rows are for the caller to delete."""

    rows: dict[Any, Any]
    stale: list[Any]
    changes: list[Change]


def _sync(
    model: type[_M],
    existing: Mapping[Any, _M],
    wanted: Mapping[Any, dict[str, Any]],
    fixed: dict[str, Any],
) -> _Sync:
    """Create the missing rows (in bulk), update the changed ones, return the stale ones.

    ``wanted`` maps each natural key to the row's full values (the key fields included).
    """
    rows: dict[Any, Any] = {}
    changes: list[Change] = []
    new: list[tuple[Hashable, _M]] = []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            new.append((key, model(**fixed, **values)))
            continue
        before = snapshot(row)
        for name, value in values.items():
            setattr(row, name, value)
        after = snapshot(row)
        if diff(before, after):
            row.save()
            changes.append(change_for(AuditAction.UPDATE, row, before, after))
        rows[key] = row
    created = model._default_manager.bulk_create([row for _key, row in new])
    for (key, _row), row in zip(new, created, strict=True):
        rows[key] = row
        changes.append(change_for(AuditAction.CREATE, row, None, snapshot(row)))
    stale = [row for key, row in existing.items() if key not in wanted]
    return _Sync(rows, stale, changes)


def _delete(rows: list[Any]) -> list[Change]:
    changes = [change_for(AuditAction.DELETE, row, snapshot(row), None) for row in rows]
    for row in rows:
        row.delete()
    return changes


def _unchanged(loaded: Loaded[Any]) -> bool:
    return CatalogueFile.objects.filter(name=loaded.name, checksum=loaded.checksum).exists()


def _mark_loaded(loaded: Loaded[Any]) -> list[Change]:
    row = CatalogueFile.objects.filter(name=loaded.name).first()
    if row is None:
        row = CatalogueFile.objects.create(name=loaded.name, checksum=loaded.checksum)
        return [change_for(AuditAction.CREATE, row, None, snapshot(row))]
    before = snapshot(row)
    row.checksum = loaded.checksum
    row.save()
    return [change_for(AuditAction.UPDATE, row, before, snapshot(row))]


def _framework_values(loaded: Loaded[FrameworkFile]) -> dict[str, Any]:
    data = loaded.data
    return {
        "name": data.name,
        "locale": data.locale,
        "publisher": data.source.publisher,
        "source_url": data.source.url,
        "completeness_note": data.completeness.note,
        "declared_norm_count": data.completeness.declared_total,
        "declared_counts": dict(data.completeness.declared),
        "is_complete": data.completeness.complete,
        "notes": data.notes,
        "maturity_levels": [level.model_dump(mode="json") for level in data.maturity.levels],
        "target_level": data.maturity.target_level,
        "checksum": loaded.checksum,
    }


def load_framework(actor: Actor, loaded: Loaded[FrameworkFile]) -> FileResult:
    """Bring the edition loaded from this file up to date with it (edition 1 when new)."""
    data = loaded.data
    version = data.version.isoformat()
    with transaction.atomic():
        if _unchanged(loaded):
            return FileResult(loaded.name, 0)
        framework = Framework.objects.filter(
            slug=data.id, version=version, loaded_from=loaded.name
        ).first()
        values = _framework_values(loaded)
        if framework is None:
            latest = Framework.objects.filter(slug=data.id, version=version).aggregate(
                Max("edition")
            )["edition__max"]
            framework = Framework.objects.create(
                slug=data.id,
                version=version,
                edition=(latest or 0) + 1,
                loaded_from=loaded.name,
                **values,
            )
            changes = [change_for(AuditAction.CREATE, framework, None, snapshot(framework))]
        else:
            changes = _sync(Framework, {0: framework}, {0: values}, {}).changes
        domains = _sync(
            Domain,
            {(d.part, d.number): d for d in framework.domains.all()},
            {
                (d.part, d.number): {
                    "part": d.part,
                    "number": d.number,
                    "prefix": d.prefix or "",
                    "name": d.name or "",
                    "description": d.description,
                    "raci": d.raci.model_dump(mode="json"),
                }
                for d in data.domains
            },
            {"framework": framework},
        )
        wanted_norms = {
            norm.id: {
                "norm_id": norm.id,
                "domain": domains.rows[(domain.part, domain.number)],
                "title": norm.display_title,
                "title_is_official": norm.title_is_official,
                "confidence": norm.confidence,
                "source_url": norm.source_url or "",
                "description": norm.description,
                "criteria": {str(level): text for level, text in sorted(norm.criteria.items())},
                "references": list(norm.references),
            }
            for domain in data.domains
            for norm in domain.norms
        }
        norms = _sync(
            Norm,
            {n.norm_id: n for n in framework.norms.all()},
            wanted_norms,
            {"framework": framework},
        )
        changes += domains.changes + norms.changes
        changes += _delete(norms.stale) + _delete(domains.stale)
        changes += _mark_loaded(loaded)
        record_changes(actor, changes)
    return FileResult(loaded.name, len(changes))


def load_groeipad(actor: Actor, loaded: Loaded[GroeipadFile]) -> FileResult:
    """Bring the groeipad of this file (phases and sub-projects) up to date with it."""
    data = loaded.data
    with transaction.atomic():
        if _unchanged(loaded):
            return FileResult(loaded.name, 0)
        values = {"name": data.name, "official": data.official, "description": data.description}
        groeipad = Groeipad.objects.filter(slug=data.id).first()
        if groeipad is None:
            groeipad = Groeipad.objects.create(slug=data.id, **values)
            changes = [change_for(AuditAction.CREATE, groeipad, None, snapshot(groeipad))]
        else:
            changes = _sync(Groeipad, {0: groeipad}, {0: values}, {}).changes
        phases = _sync(
            GroeipadPhase,
            {p.number: p for p in groeipad.phases.all()},
            {
                p.number: {"number": p.number, "name": p.name, "description": p.description}
                for p in data.phases
            },
            {"groeipad": groeipad},
        )
        subprojects = _sync(
            GroeipadSubProject,
            {s.code: s for s in GroeipadSubProject.objects.filter(phase__groeipad=groeipad)},
            {
                sub.code: {
                    "code": sub.code,
                    "phase": phases.rows[phase.number],
                    "position": position,
                    "title": sub.title,
                    "description": sub.description,
                    "official": sub.official,
                }
                for phase in data.phases
                for position, sub in enumerate(phase.subprojects, start=1)
            },
            {},
        )
        changes += phases.changes + subprojects.changes
        changes += _delete(subprojects.stale) + _delete(phases.stale)
        changes += _mark_loaded(loaded)
        record_changes(actor, changes)
    return FileResult(loaded.name, len(changes))


def load_basismaatregelen(actor: Actor, loaded: Loaded[BasismaatregelenFile]) -> FileResult:
    """Bring the eleven basismaatregelen up to date with the file."""
    data = loaded.data
    with transaction.atomic():
        if _unchanged(loaded):
            return FileResult(loaded.name, 0)
        measures = _sync(
            Basismaatregel,
            {b.number: b for b in Basismaatregel.objects.all()},
            {
                m.number: {
                    "number": m.number,
                    "title": m.title,
                    "description": m.description,
                    "framework_slug": data.framework,
                    "norm_ids": list(m.norms),
                    "groeipad_codes": list(m.groeipad),
                    "indicator": m.indicator,
                }
                for m in data.measures
            },
            {},
        )
        changes = measures.changes + _delete(measures.stale) + _mark_loaded(loaded)
        record_changes(actor, changes)
    return FileResult(loaded.name, len(changes))


def load_catalogues(
    actor: Actor = CATALOGUE_ACTOR,
    data_dir: Path = DATA_DIR,
    catalogues: Catalogues | None = None,
) -> list[FileResult]:
    """Load every catalogue file under ``data_dir``: check them all first, then one transaction
    per file. Raises ``CatalogueError`` (nothing written) when any file is invalid."""
    catalogues = catalogues or read_catalogues(data_dir)
    results = [load_groeipad(actor, loaded) for loaded in catalogues.groeipaden]
    results += [load_framework(actor, loaded) for loaded in catalogues.frameworks]
    if catalogues.basismaatregelen is not None:
        results.append(load_basismaatregelen(actor, catalogues.basismaatregelen))
    return results


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``framework`` is the new edition, or the current one when the file
    changed nothing (``created`` false)."""

    framework: Framework
    created: bool
    new_norms: list[str] = field(default_factory=list)
    changed_norms: list[str] = field(default_factory=list)


def latest_edition(framework: Framework) -> Framework:
    """The newest edition of the same framework version as ``framework``."""
    return (
        Framework.objects.filter(slug=framework.slug, version=framework.version)
        .order_by("-edition")
        .first()
    ) or framework


def _completeness_note(edition: int, count: int, declared: int) -> str:
    # Stored with the framework, in the framework's own language (the catalogue is Dutch).
    if count == declared:
        return (
            f"Editie {edition} bevat alle {declared} normen; de sectorbeheerder heeft de "
            "officiële lijst met een import aangevuld."
        )
    return (
        f"Editie {edition} bevat {count} van de {declared} normen; de sectorbeheerder heeft de "
        "officiële lijst met een import aangevuld. De overige normen zijn nog niet opgenomen."
    )


def _write_edition(actor: Actor, plan: ImportPlan, source: str, checksum: str) -> Framework:
    base = plan.base
    count = len(plan.norms)
    edition = base.edition + 1
    values = {name: getattr(base, name) for name in Framework.audit_fields}
    values.update(
        edition=edition,
        loaded_from=source[:200],
        checksum=checksum,
        is_complete=count == base.declared_norm_count,
        completeness_note=_completeness_note(edition, count, base.declared_norm_count),
    )
    framework = Framework.objects.create(**values)
    changes = [change_for(AuditAction.CREATE, framework, None, snapshot(framework))]
    domains = Domain.objects.bulk_create(
        [
            Domain(
                framework=framework,
                part=domain.part,
                number=domain.number,
                prefix=domain.prefix or plan.prefixes.get((domain.part, domain.number), ""),
                name=domain.name,
                description=domain.description,
                raci=domain.raci,
            )
            for domain in base.domains.order_by("part", "number")
        ]
    )
    by_key = {(domain.part, domain.number): domain for domain in domains}
    norms = Norm.objects.bulk_create(
        [
            Norm(
                framework=framework,
                domain=by_key[values["domain"]],
                norm_id=norm_id,
                **{name: value for name, value in values.items() if name != "domain"},
            )
            for norm_id, values in sorted(plan.norms.items())
        ]
    )
    changes += [change_for(AuditAction.CREATE, row, None, snapshot(row)) for row in domains]
    changes += [change_for(AuditAction.CREATE, row, None, snapshot(row)) for row in norms]
    record_changes(actor, changes)
    return framework


def import_norms(actor: Actor, framework: Framework, name: str, content: bytes) -> ImportResult:
    """Complete a framework version from the curator's XLSX or CSV file, as a new edition.

    Everything is checked first (``ImportRejected`` names every bad row and field; nothing is
    written). The new edition copies the newest edition of the version, its domains and all its
    norms, and adds or updates the imported norms, in one transaction with every new row in the
    audit trail. A file that would change nothing makes no edition (re-running is idempotent).
    """
    rows, problems = parse_norm_rows(name, content)
    checksum = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        # Lock the newest edition so two imports of the same version cannot both make edition n+1.
        base = Framework.objects.select_for_update().filter(pk=latest_edition(framework).pk).get()
        plan = plan_import(base, rows, problems)
        if not plan.changes_anything:
            return ImportResult(framework=base, created=False)
        edition = _write_edition(actor, plan, f"import: {name}", checksum)
    return ImportResult(
        framework=edition,
        created=True,
        new_norms=sorted(plan.created),
        changed_norms=sorted(plan.updated),
    )
