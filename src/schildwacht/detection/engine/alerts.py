"""Running the rule pack over ``events`` and collecting alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from schildwacht.detection.engine.rulepack import Rule, RulePack

# The columns of an alert's sample events; the raw record stays in storage.
SAMPLE_COLUMNS = (
    "event_time",
    "source",
    "action",
    "result",
    "failure_code",
    "user_name",
    "target_user",
    "target",
    "source_ip",
    "country",
    "city",
    "application",
    "client_app",
    "device",
    "forward_to",
    "event_key",
)


@dataclass(frozen=True)
class Alert:
    """One alert: which rule, about whom, when (first and last event, UTC), how many events
    and the keys of the first ones."""

    rule_id: str
    title: str
    severity: str
    kind: str
    entity: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    count: int
    event_keys: tuple[str, ...]
    # The rule's window: alerts of one rule and entity closer than this belong together.
    # Not part of ``as_dict`` (the CLI's output stays as CONTRACT.md has it).
    window_seconds: int = 3600

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity,
            "kind": self.kind,
            "entity": self.entity,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "count": self.count,
            "event_keys": list(self.event_keys),
        }


def _iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def run_rules(
    con: duckdb.DuckDBPyConnection, pack: RulePack, sources: Iterable[str] | None = None
) -> list[Alert]:
    """Every rule of ``pack`` that reads one of ``sources`` (all when None), over the relation
    ``events``; alerts ordered by first event, then rule."""
    wanted = set(sources) if sources is not None else None
    alerts: list[Alert] = []
    for rule in pack.rules:
        if wanted is not None and not wanted.intersection(rule.sources):
            continue
        alerts.extend(_run(con, rule))
    alerts.sort(key=lambda alert: (alert.first_seen, alert.rule_id, alert.entity))
    return alerts


def _run(con: duckdb.DuckDBPyConnection, rule: Rule) -> list[Alert]:
    rows = con.execute(rule.sql).fetchall()
    return [
        Alert(
            rule_id=rule.rule_id,
            title=rule.title,
            severity=rule.level,
            kind=rule.kind,
            entity=str(entity),
            first_seen=first_seen,
            last_seen=last_seen,
            count=int(count),
            event_keys=tuple(str(key) for key in keys if key is not None),
            window_seconds=rule.window_seconds,
        )
        for entity, first_seen, last_seen, count, keys in rows
    ]


def sample_events(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> list[dict[str, Any]]:
    """The normalised columns of the events with these keys, oldest first."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    columns = ", ".join(f'"{name}"' for name in SAMPLE_COLUMNS)
    cursor = con.execute(
        f"SELECT {columns} FROM events WHERE event_key IN (SELECT unnest(?)) "
        "ORDER BY event_time, event_key",
        [wanted],
    )
    return [dict(zip(SAMPLE_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
