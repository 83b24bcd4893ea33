"""The rule pack: the bundled Sigma rules and analytics, plus rule files users add, each
turned into one DuckDB query over ``events`` that yields alert rows.

A rule that cannot be converted or run here (an unknown logsource, a modifier or regular
expression DuckDB cannot take, an unsupported correlation) is reported with its reason and
skipped; one bad rule never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import (
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule, SigmaRuleBase
from sigma.types import SigmaString

from schildwacht.detection.engine.analytics import ANALYTICS
from schildwacht.detection.engine.grouping import grouped_matches, windowed_threshold
from schildwacht.detection.engine.schema import create_table_sql, sql_literal
from schildwacht.detection.engine.sigma_duckdb import DuckDBBackend, field_sql, sources_for

BUNDLED_SIGMA = Path(__file__).resolve().parent.parent / "rules" / "sigma"
DEFAULT_WINDOW_SECONDS = 3600
# Whom an alert of a single-event rule is about when the rule does not say.
DEFAULT_ENTITY = ("user_name", "target_user", "source_ip", "device")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_OPERATORS = {
    SigmaCorrelationConditionOperator.GTE: ">=",
    SigmaCorrelationConditionOperator.GT: ">",
    SigmaCorrelationConditionOperator.EQ: "=",
}


@dataclass(frozen=True)
class Rule:
    """A runnable rule: identity, text, the sources it reads and its alert query."""

    rule_id: str
    title: str
    level: str
    description: str
    kind: str  # "sigma", "correlation" or "analytic"
    origin: str
    sources: tuple[str, ...]
    sql: str
    # How far apart two matches of one entity may lie and still be one alert: the rule's
    # window or timespan. The application merges alerts of later runs by the same gap.
    window_seconds: int = DEFAULT_WINDOW_SECONDS


@dataclass(frozen=True)
class Skipped:
    """A rule that was not taken, and why."""

    origin: str
    rule: str
    reason: str


@dataclass
class RulePack:
    rules: list[Rule] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def load_rule_pack(extra: Iterable[Path] = (), *, bundled: bool = True) -> RulePack:
    """The bundled rules (unless ``bundled`` is false) and the Sigma files in ``extra``
    (files, or folders searched for ``*.yml``/``*.yaml``), checked against DuckDB."""
    pack = RulePack()
    files: list[Path] = sorted(BUNDLED_SIGMA.glob("*.yml")) if bundled else []
    for path in extra:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml")))
        else:
            files.append(path)
    collection = _load_collection(files, pack)
    backend = DuckDBBackend()
    for rule in collection.rules:
        if not rule._output:
            continue  # only a building block of a correlation
        origin = str(rule.source.path) if rule.source and rule.source.path else "?"
        try:
            if isinstance(rule, SigmaCorrelationRule):
                converted = _correlation(backend, rule, origin)
            else:
                assert isinstance(rule, SigmaRule)
                converted = _single(backend, rule, origin)
        except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError) as error:
            pack.skipped.append(Skipped(origin, _rule_id(rule), str(error) or type(error).__name__))
            continue
        pack.rules.append(converted)
    if bundled:
        for analytic in ANALYTICS:
            pack.rules.append(
                Rule(
                    analytic.rule_id,
                    analytic.title,
                    analytic.level,
                    analytic.description,
                    "analytic",
                    "schildwacht",
                    ("entra-signin", "google-login"),
                    analytic.sql,
                    analytic.window_seconds,
                )
            )
    _check_against_duckdb(pack)
    return pack


def _load_collection(files: list[Path], pack: RulePack) -> SigmaCollection:
    """Every file parsed on its own, so a broken file is reported and the rest still load;
    then one collection, so correlations find the rules they name in any file."""
    rules: list[SigmaRule | SigmaCorrelationRule | SigmaFilter] = []
    for path in files:
        try:
            loaded = SigmaCollection.from_yaml(
                path.read_text(encoding="utf-8"),
                collect_errors=True,
                source=SigmaRuleLocation(path),
                resolve_references=False,
            )
        except (OSError, UnicodeDecodeError, SigmaError, ValueError, yaml.YAMLError) as error:
            pack.skipped.append(Skipped(str(path), path.name, f"cannot read: {error}"))
            continue
        for rule in loaded.rules:
            if not isinstance(rule, (SigmaRule, SigmaCorrelationRule)):
                continue  # Sigma filters are not supported here
            errors = getattr(rule, "errors", [])
            if errors:
                pack.skipped.append(Skipped(str(path), _rule_id(rule), str(errors[0])))
                continue
            rules.append(rule)
    collection = SigmaCollection(rules)
    try:
        collection.resolve_rule_references()
    except SigmaError as error:
        # A correlation naming a rule that is not there: skip the correlations, keep the rest.
        pack.skipped.append(Skipped("?", "?", f"unresolved rule reference: {error}"))
        kept: list[SigmaRule | SigmaCorrelationRule | SigmaFilter] = [
            rule for rule in rules if not isinstance(rule, SigmaCorrelationRule)
        ]
        collection = SigmaCollection(kept)
    return collection


def _rule_id(rule: SigmaRuleBase) -> str:
    return str(rule.name or rule.id or rule.title)


def _seconds(text: object, default: int) -> int:
    if text is None:
        return default
    value = str(text).strip()
    if len(value) < 2 or value[-1] not in _UNITS or not value[:-1].isdigit():
        raise ValueError(f"window {value!r} is not a number followed by s, m, h or d")
    return int(value[:-1]) * _UNITS[value[-1]]


def _sources(rule: SigmaRule) -> tuple[str, ...]:
    sources = sources_for(rule.logsource)
    if not sources:
        logsource = rule.logsource
        described = ", ".join(
            f"{key}: {value}"
            for key, value in (
                ("product", logsource.product),
                ("service", logsource.service),
                ("category", logsource.category),
            )
            if value
        )
        raise ValueError(f"logsource not ingested by Schildwacht ({described or 'none'})")
    return tuple(sources)


def _condition(backend: DuckDBBackend, rule: SigmaRule) -> str:
    backend.convert_rule(rule)
    # A rule that only feeds a correlation converts without output; its result is kept.
    queries = rule.get_conversion_result()
    if len(queries) != 1 or not isinstance(queries[0], str):
        raise NotImplementedError("rule converts to more than one query")
    return queries[0]


def _where(rule: SigmaRule, backend: DuckDBBackend) -> tuple[tuple[str, ...], str]:
    sources = _sources(rule)
    listed = ", ".join(sql_literal(source) for source in sources)
    return sources, f"source IN ({listed}) AND ({_condition(backend, rule)})"


def _single(backend: DuckDBBackend, rule: SigmaRule, origin: str) -> Rule:
    sources, where = _where(rule, backend)
    entity_field = rule.custom_attributes.get("entity")
    entity = (
        field_sql(str(entity_field))
        if entity_field
        else "COALESCE(" + ", ".join(f'"{name}"' for name in DEFAULT_ENTITY) + ")"
    )
    window = _seconds(rule.custom_attributes.get("window"), DEFAULT_WINDOW_SECONDS)
    # An event without the entity is an alert of its own, never lumped with other unknowns.
    matches = (
        f"SELECT COALESCE(CAST({entity} AS VARCHAR), '? ' || event_key) AS entity, event_time, "
        f"event_key FROM events WHERE {where}"
    )
    return Rule(
        _rule_id(rule),
        str(rule.title),
        _level(rule),
        str(rule.description or ""),
        "sigma",
        origin,
        sources,
        grouped_matches(matches, window),
        window,
    )


def _correlation(backend: DuckDBBackend, rule: SigmaCorrelationRule, origin: str) -> Rule:
    if rule.aliases and rule.aliases.aliases:
        raise NotImplementedError("correlation field aliases are not supported")
    condition = rule.condition
    operator = _OPERATORS.get(getattr(condition, "op", None))  # type: ignore[arg-type]
    if operator is None:
        raise NotImplementedError(
            "only 'at least' thresholds (gte, gt, eq) raise alerts; lt/lte/neq are not supported"
        )
    group = [field_sql(name) for name in rule.group_by or []]
    entity = (
        "concat_ws(' / ', " + ", ".join(f"CAST({sql} AS VARCHAR)" for sql in group) + ")"
        if group
        else "'*'"
    )
    # As in SIEMs, an event without a value for a group-by field belongs to no group: failures
    # of unknown accounts must not add up as if they were one account.
    grouped = " AND ".join(f"{sql} IS NOT NULL" for sql in group) or "true"
    value = "NULL"
    if rule.type == SigmaCorrelationType.EVENT_COUNT:
        measure, threshold = "count(*)", int(condition.count)  # type: ignore[union-attr]
    elif rule.type == SigmaCorrelationType.VALUE_COUNT:
        fieldref = getattr(condition, "fieldref", None)
        if not fieldref:
            raise ValueError("value_count needs condition.field")
        value = field_sql(str(fieldref))
        measure, threshold = "count(DISTINCT value)", int(condition.count)  # type: ignore[union-attr]
    elif rule.type == SigmaCorrelationType.TEMPORAL:
        measure = "count(DISTINCT rule_name)"
        threshold = len(rule.rules or [])
        operator = ">="
    else:
        raise NotImplementedError(f"correlation type {rule.type.name.lower()} is not supported")
    parts = []
    sources: list[str] = []
    for reference in rule.rules or []:
        base = reference.rule
        if not isinstance(base, SigmaRule):
            raise NotImplementedError("correlations of correlations are not supported")
        base_sources, where = _where(base, backend)
        sources.extend(base_sources)
        parts.append(
            f"SELECT {entity} AS entity, event_time, event_key, "
            f"CAST({value} AS VARCHAR) AS value, {sql_literal(_rule_id(base))} AS rule_name "
            f"FROM events WHERE {where} AND {grouped}"
        )
    if not parts:
        raise ValueError("correlation names no rules")
    matches = " UNION ALL ".join(parts)
    span = int(rule.timespan.seconds)
    return Rule(
        _rule_id(rule),
        str(rule.title),
        _level(rule),
        str(rule.description or ""),
        "correlation",
        origin,
        tuple(dict.fromkeys(sources)),
        windowed_threshold(matches, measure, operator, threshold, span),
        span,
    )


def _level(rule: SigmaRuleBase) -> str:
    return rule.level.name.lower() if rule.level else "medium"


def _check_against_duckdb(pack: RulePack) -> None:
    """Plan every query against an empty events table: a function or regular expression
    DuckDB does not know fails here, with DuckDB's reason, instead of during a run."""
    con = duckdb.connect(":memory:")
    con.execute(create_table_sql("events"))
    kept = []
    for rule in pack.rules:
        try:
            con.execute(f"SELECT * FROM ({rule.sql}) LIMIT 0").fetchall()
        except duckdb.Error as error:
            pack.skipped.append(Skipped(rule.origin, rule.rule_id, f"DuckDB: {error}"))
            continue
        kept.append(rule)
    pack.rules = kept
    con.close()


__all__ = ["Rule", "RulePack", "SigmaString", "Skipped", "load_rule_pack"]
