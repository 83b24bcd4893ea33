"""Rule files (Sigma YAML) of a board or of the sector, and the rule pack a board runs.

A file is checked with the engine when it is added: every rule is converted to DuckDB SQL and
planned against an empty events table. A file of which no rule can run is refused with the
reasons; a file of which some rules are skipped is kept, and shows which and why. The board's
pack is the bundled rules, then the sector's files, then the board's own; a rule whose name is
already taken by an earlier one is skipped (the bundled rules cannot be replaced this way).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.detection.engine.rulepack import Rule, RulePack, Skipped, load_rule_pack
from schildwacht.detection.models import RuleFile
from schildwacht.detection.services.common import (
    DetectionRefused,
    clean_text,
    may_manage_rules,
    user_of,
    work_folder,
)
from schildwacht.lib.text import has_control_character
from schildwacht.organisations.models import Organisation, OrganisationKind

MAX_RULE_FILE_BYTES = 512 * 1024
MAX_NAME = 200
# Marks a skipped rule whose name an earlier rule already has (the engine knows no such case).
DUPLICATE = "duplicate name"


@dataclass
class RuleCheck:
    """What the engine made of a rule file: the rules taken and the ones skipped, with why."""

    rules: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def _rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "rule_id": clean_text(rule.rule_id, 200),
        "title": clean_text(rule.title, 300),
        "level": rule.level,
        "kind": rule.kind,
        "sources": list(rule.sources),
        "description": clean_text(rule.description, 2000),
    }


def _skip_dict(skipped: Skipped, folder: Path, name: str) -> dict[str, str]:
    # The engine names the temporary file; the user knows the file by its name.
    reason = str(skipped.reason).replace(str(folder), "").replace("/rules.yml", name)
    return {"rule": clean_text(skipped.rule, 200), "reason": clean_text(reason, 1000)}


def _parse_yaml(content: str, errors: dict[str, list[str]]) -> None:
    """Refuse what is not YAML, or YAML that is not a list of mappings (Sigma rules), with the
    line of the first problem."""
    try:
        documents = [doc for doc in yaml.safe_load_all(content) if doc is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = (
            _("regel %(line)s, kolom %(column)s")
            % {"line": mark.line + 1, "column": mark.column + 1}
            if mark is not None
            else _("onbekende plaats")
        )
        problem = getattr(error, "problem", None) or str(error)
        errors["content"] = [
            _("Dit is geen geldige YAML (%(where)s): %(problem)s.")
            % {"where": where, "problem": problem}
        ]
        return
    if not documents:
        errors["content"] = [_("Het bestand bevat geen regels.")]
        return
    for number, document in enumerate(documents, 1):
        if not isinstance(document, dict):
            errors["content"] = [
                _(
                    "Document %(number)s is geen Sigma-regel (een YAML-mapping met title en detection)."
                )
                % {"number": number}
            ]
            return


def check_rule_content(name: str, content: str, taken: Iterable[str] = ()) -> RuleCheck:
    """Check ``content`` with the engine against the bundled pack (so a correlation may build
    on a bundled rule); ``taken`` are rule names already used by other files of the pack.
    Raises ``ValidationError`` on ``content`` when nothing in it can run."""
    errors: dict[str, list[str]] = {}
    _parse_yaml(content, errors)
    if errors:
        raise ValidationError(errors)
    check = RuleCheck()
    with tempfile.TemporaryDirectory(prefix="rules-", dir=work_folder()) as work:
        folder = Path(work)
        path = folder / "rules.yml"
        path.write_text(content, encoding="utf-8")
        pack = load_rule_pack([path], bundled=True)
        used = {rule.rule_id for rule in pack.rules if rule.origin != str(path)} | set(taken)
        for rule in pack.rules:
            if rule.origin != str(path):
                continue
            if rule.rule_id in used:
                check.skipped.append({"rule": clean_text(rule.rule_id, 200), "reason": DUPLICATE})
                continue
            used.add(rule.rule_id)
            check.rules.append(_rule_dict(rule))
        check.skipped.extend(_skip_dict(item, folder, name) for item in pack.skipped)
    if not check.rules:
        raise ValidationError(
            {
                "content": [
                    _("Geen enkele regel in dit bestand is te gebruiken: %(reasons)s")
                    % {
                        "reasons": "; ".join(
                            f"{item['rule']}: {item['reason']}" for item in check.skipped[:10]
                        )
                        or _("geen regels gevonden")
                    }
                ]
            }
        )
    return check


def _clean_input(name: Any, content: Any) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = [_("Geef het regelbestand een naam.")]
    elif len(name) > MAX_NAME or has_control_character(name):
        errors["name"] = [
            _("Gebruik een naam van hoogstens %(max)s gewone tekens.") % {"max": MAX_NAME}
        ]
    if isinstance(content, bytes):
        if len(content) > MAX_RULE_FILE_BYTES:
            errors["content"] = [_("Het bestand is groter dan 512 kB.")]
        else:
            try:
                content = content.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                errors["content"] = [
                    _("Het bestand is geen UTF-8-tekst (byte %(position)s).")
                    % {"position": error.start + 1}
                ]
    if "content" not in errors:
        if not isinstance(content, str) or not content.strip():
            errors["content"] = [_("Het bestand is leeg.")]
        elif len(content.encode("utf-8")) > MAX_RULE_FILE_BYTES:
            errors["content"] = [_("Het bestand is groter dan 512 kB.")]
        elif has_control_character(content):
            errors["content"] = [_("Het bestand bevat een ongeldig (onzichtbaar) teken.")]
    if errors:
        raise ValidationError(errors)
    return name, content


def _names_elsewhere(organisation: Organisation, name: str) -> set[str]:
    """Rule names of the other files that run beside a file of ``organisation``."""
    if organisation.kind == OrganisationKind.BOARD:
        owners = [organisation.pk] + ([organisation.parent_id] if organisation.parent_id else [])
    else:
        owners = [organisation.pk]
    names: set[str] = set()
    for rules in (
        RuleFile.objects.filter(organisation_id__in=owners)
        .exclude(organisation=organisation, name__iexact=name)
        .values_list("rules", flat=True)
    ):
        names.update(str(item.get("rule_id")) for item in rules or [])
    return names


def add_rule_file(actor: Actor, organisation: Organisation, name: Any, content: Any) -> RuleFile:
    """Add a Sigma rule file to a board's pack (or, on the sector node, to every board's), or
    replace the file of that name. Refused with the reasons when none of its rules can run."""
    if not may_manage_rules(actor, organisation):
        raise DetectionRefused(
            _("U mag de regelbestanden van %(name)s niet wijzigen.") % {"name": organisation}
        )
    name, content = _clean_input(name, content)
    check = check_rule_content(name, content, _names_elsewhere(organisation, name))
    existing = RuleFile.objects.filter(organisation=organisation, name__iexact=name).first()
    before = model_snapshot(existing) if existing is not None else None
    rule_file = existing or RuleFile(organisation=organisation)
    rule_file.name = name
    rule_file.content = content
    rule_file.sha256 = hashlib.sha256(content.encode("utf-8")).hexdigest()
    rule_file.rules = check.rules
    rule_file.skipped = check.skipped
    rule_file.checked_at = timezone.now()
    rule_file.uploaded_by = user_of(actor)
    action = AuditAction.CREATE if existing is None else AuditAction.UPDATE
    try:
        with transaction.atomic():
            rule_file.save()
            record_change(actor, change_for(action, rule_file, before, model_snapshot(rule_file)))
    except IntegrityError as error:
        raise ValidationError(
            {"name": [_("Deze naam is zojuist door iemand anders gebruikt; kies een andere.")]}
        ) from error
    return rule_file


def delete_rule_file(actor: Actor, rule_file: RuleFile) -> None:
    """Take a rule file out of the pack; alerts it raised stay."""
    if not may_manage_rules(actor, rule_file.organisation):
        raise DetectionRefused(_("U mag dit regelbestand niet verwijderen."))
    change = change_for(AuditAction.DELETE, rule_file, model_snapshot(rule_file), None)
    with transaction.atomic():
        rule_file.delete()
        record_change(actor, change)


# Packs by the files they were made of (their digests in order): converting and checking
# every rule takes most of a second, and the files rarely change between two uploads.
_PACKS: dict[tuple[str, ...], RulePack] = {}
_PACKS_KEPT = 16


def rule_pack_for(board: Organisation) -> RulePack:
    """The pack a board runs: the bundled rules, the sector's files, the board's files; a rule
    whose name an earlier one has is left out."""
    owners = [board.parent_id, board.pk] if board.parent_id else [board.pk]
    files = sorted(
        RuleFile.objects.filter(organisation_id__in=owners).values_list(
            "organisation_id", "pk", "content", "sha256"
        ),
        key=lambda row: (owners.index(row[0]), row[1]),
    )
    key = tuple(row[3] for row in files)
    if key not in _PACKS:
        if len(_PACKS) >= _PACKS_KEPT:
            _PACKS.clear()
        _PACKS[key] = _build_pack([(row[1], row[2]) for row in files])
    cached = _PACKS[key]
    return RulePack(rules=list(cached.rules), skipped=list(cached.skipped))


def _build_pack(files: list[tuple[int, str]]) -> RulePack:
    with tempfile.TemporaryDirectory(prefix="pack-", dir=work_folder()) as work:
        paths = []
        for index, (pk, content) in enumerate(files):
            path = Path(work) / f"{index:04d}-{pk}.yml"
            path.write_text(content, encoding="utf-8")
            paths.append(path)
        pack = load_rule_pack(paths, bundled=True)
    # The engine lists the analytics after the files' rules; the bundled rules go first, so a
    # file can never stand in for one of them.
    added = {str(path) for path in paths}
    ordered = [rule for rule in pack.rules if rule.origin not in added] + [
        rule for rule in pack.rules if rule.origin in added
    ]
    seen: set[str] = set()
    kept = []
    for rule in ordered:
        if rule.rule_id in seen:
            pack.skipped.append(Skipped(rule.origin, rule.rule_id, DUPLICATE))
            continue
        seen.add(rule.rule_id)
        kept.append(rule)
    pack.rules = kept
    return pack


@cache
def bundled_rules() -> tuple[Rule, ...]:
    """The rules Schildwacht ships, in the order of the pack (loaded once per process)."""
    return tuple(load_rule_pack([], bundled=True).rules)
