"""``schildwacht sigma export``: the rule pack as queries for a board's own SIEM.

The maintained pySigma backends do the conversion; nothing here writes a query language. The
bundled rules use the field names of Microsoft's Log Analytics tables (``SigninLogs``,
``AuditLogs``, ``OfficeActivity``) wherever such a field exists, so they mean the same in a
SIEM that keeps those names. Every rule a target cannot take is listed with the reason, never
dropped silently:

* Schildwacht's analytics (impossible travel, new country) need history and distances;
* a rule that reads a field only Schildwacht's normalised events have (for example
  ``forward_external``, which compares the forwarding domain with the user's own);
* a correlation or modifier the target's backend does not support;
* for Kusto, a log source without a Log Analytics table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.backends.elasticsearch import LuceneBackend
from sigma.backends.kusto import KustoBackend
from sigma.backends.opensearch import OpensearchLuceneBackend
from sigma.backends.splunk import SplunkBackend
from sigma.collection import SigmaCollection
from sigma.conditions import ConditionFieldEqualsValueExpression
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.filters import SigmaFilter
from sigma.pipelines.azuremonitor import azure_monitor_pipeline
from sigma.rule import SigmaRule

from schildwacht.detection.engine.analytics import ANALYTICS
from schildwacht.detection.engine.rulepack import BUNDLED_SIGMA
from schildwacht.detection.engine.schema import COLUMN_NAMES

TARGETS = ("opensearch", "elasticsearch", "splunk", "kusto")
# Log Analytics tables for Kusto, by logsource (product, service).
KUSTO_TABLES = {
    ("azure", "signinlogs"): "SigninLogs",
    ("azure", "auditlogs"): "AuditLogs",
    ("m365", "audit"): "OfficeActivity",
    ("windows", "security"): "SecurityEvent",
}


@dataclass(frozen=True)
class Exported:
    rule_id: str
    title: str
    level: str
    queries: list[str]
    note: str = ""


@dataclass
class Export:
    target: str
    rules: list[Exported] = field(default_factory=list)
    not_exported: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "rules": [
                {
                    "rule_id": r.rule_id,
                    "title": r.title,
                    "level": r.level,
                    "queries": r.queries,
                    **({"note": r.note} if r.note else {}),
                }
                for r in self.rules
            ],
            "not_exported": [
                {"rule_id": rule_id, "reason": reason} for rule_id, reason in self.not_exported
            ],
        }


def _backend(target: str, rule: SigmaRule | SigmaCorrelationRule) -> Any:
    factories: dict[str, Callable[[], Any]] = {
        "opensearch": OpensearchLuceneBackend,
        "elasticsearch": LuceneBackend,
        "splunk": SplunkBackend,
    }
    if target != "kusto":
        return factories[target]()
    base = _base_rules(rule)[0]
    table = KUSTO_TABLES.get((base.logsource.product or "", base.logsource.service or ""))
    if table is None:
        raise ValueError("no Log Analytics table for this log source")
    pipeline: Any = azure_monitor_pipeline(query_table=table)
    return KustoBackend(processing_pipeline=pipeline)


def _base_rules(rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaRule]:
    if isinstance(rule, SigmaRule):
        return [rule]
    return [ref.rule for ref in rule.rules or [] if isinstance(ref.rule, SigmaRule)]


def _own_fields(rule: SigmaRule | SigmaCorrelationRule) -> set[str]:
    """Fields that exist only in Schildwacht's normalised events."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, ConditionFieldEqualsValueExpression) and node.field in COLUMN_NAMES:
            found.add(node.field)
        for child in getattr(node, "args", []) or []:
            walk(child)

    for base in _base_rules(rule):
        for condition in base.detection.parsed_condition:
            walk(condition.parsed)
    if isinstance(rule, SigmaCorrelationRule):
        found.update(name for name in rule.group_by or [] if name in COLUMN_NAMES)
    return found


def export_rules(target: str, extra: Iterable[Path] = ()) -> Export:
    """Convert the bundled Sigma rules (and ``extra`` files) for ``target``."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")
    result = Export(target)
    files = sorted(BUNDLED_SIGMA.glob("*.yml")) + list(extra)
    parsed: list[SigmaRule | SigmaCorrelationRule | SigmaFilter] = []
    for path in files:
        # Each file on its own: a broken file is listed, the others still export.
        try:
            loaded = SigmaCollection.from_yaml(
                path.read_text(encoding="utf-8"), collect_errors=True, resolve_references=False
            )
        except (OSError, UnicodeDecodeError, SigmaError, ValueError, yaml.YAMLError) as error:
            result.not_exported.append((path.name, f"cannot read: {error}"))
            continue
        for rule in loaded.rules:
            errors = getattr(rule, "errors", [])
            if errors:
                result.not_exported.append((str(rule.name or rule.id or path.name), str(errors[0])))
            elif isinstance(rule, (SigmaRule, SigmaCorrelationRule)):
                parsed.append(rule)
    collection = SigmaCollection(parsed)
    try:
        collection.resolve_rule_references()
    except SigmaError as error:
        result.not_exported.append(("?", f"unresolved rule reference: {error}"))
        collection = SigmaCollection([r for r in parsed if isinstance(r, SigmaRule)])
    for rule in collection.rules:
        if not isinstance(rule, (SigmaRule, SigmaCorrelationRule)) or not rule._output:
            continue
        rule_id = str(rule.name or rule.id)
        note = ""
        if isinstance(rule, SigmaCorrelationRule):
            # A correlation over several sources travels with the parts the SIEM can take.
            kept = [ref for ref in rule.rules or [] if not _own_fields(ref.rule)]
            left_out = [str(ref.rule.name) for ref in rule.rules or [] if _own_fields(ref.rule)]
            if left_out and kept:
                note = "without " + ", ".join(left_out) + " (uses Schildwacht's own fields)"
                rule.rules = kept
        own = _own_fields(rule)
        if own:
            result.not_exported.append(
                (rule_id, "uses Schildwacht's own fields: " + ", ".join(sorted(own)))
            )
            continue
        try:
            backend = _backend(target, rule)
            parts: list[SigmaRule | SigmaCorrelationRule | SigmaFilter] = [*_base_rules(rule)]
            if isinstance(rule, SigmaCorrelationRule):
                parts.append(rule)
            queries = backend.convert(SigmaCollection(parts))
        except (SigmaError, NotImplementedError, ValueError, KeyError, TypeError) as error:
            result.not_exported.append((rule_id, str(error) or type(error).__name__))
            continue
        level = rule.level.name.lower() if rule.level else "medium"
        result.rules.append(
            Exported(rule_id, str(rule.title), level, [str(q) for q in queries], note)
        )
    for analytic in ANALYTICS:
        result.not_exported.append(
            (
                analytic.rule_id,
                "Schildwacht analytic: needs the account's history and distances between "
                "places, which Sigma cannot express",
            )
        )
    return result
