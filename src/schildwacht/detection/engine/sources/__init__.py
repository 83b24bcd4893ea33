"""The log sources: how each one's records become normalised events.

A source is a set of SQL expressions over one JSON record: DuckDB parses each record once,
extracting every JSON path the source asks for (``Extract``), and the column expressions pick
from those values. A source that comes in several shapes (the Entra sign-in log comes in three)
names each shape by a marker path; a record that matches none is rejected as "not this source".
Non-JSON formats (EVTX, syslog) are turned into JSON records by their reader first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from schildwacht.detection.engine.schema import (
    COLUMN_NAMES,
    COLUMN_TYPES,
    sql_list,
    sql_literal,
)


class Extract:
    """Collects the JSON paths a source reads, so the record is parsed once.

    ``value(path, ...)`` is the first of the paths present in the record, as text: a string's
    content, a number's or boolean's text, an object's or array's JSON.
    """

    def __init__(self, column: str = "v") -> None:
        self.column = column
        self.paths: list[str] = []

    def _index(self, path: str) -> int:
        if path not in self.paths:
            self.paths.append(path)
        return self.paths.index(path) + 1  # DuckDB lists count from 1

    def value(self, *paths: str) -> str:
        parts = [f"{self.column}[{self._index(path)}]" for path in paths]
        return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"

    def within(self, parents: tuple[str, ...], path: str) -> str:
        """``path`` inside the first of ``parents`` present, whether that parent is an object
        or a string holding JSON (Log Analytics exports write nested columns either way)."""
        parent = self.value(*parents)
        # A damaged nested string must not fail the whole file: it reads as absent.
        return f"CASE WHEN json_valid({parent}) THEN json_extract_string({parent}, '{path}') END"

    def paths_sql(self) -> str:
        return sql_list(self.paths)


# Small SQL pieces the sources share.


def utc_time(sql: str) -> str:
    """An ISO 8601 text as a UTC timestamp; text without a zone is taken as UTC."""
    return f"(TRY_CAST({sql} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"


def lower(sql: str) -> str:
    return f"NULLIF(lower(trim({sql})), '')"


def upper(sql: str) -> str:
    return f"NULLIF(upper(trim({sql})), '')"


def number(sql: str) -> str:
    return f"TRY_CAST({sql} AS DOUBLE)"


def text(sql: str) -> str:
    """Empty text as NULL, so "not given" is one thing in every rule."""
    return f"NULLIF(trim({sql}), '')"


def external_forward(forward_sql: str, user_sql: str) -> str:
    """Whether an address goes to a domain other than the user's own (and its subdomains)."""
    domain = f"lower(regexp_extract({forward_sql}, '@([A-Za-z0-9.-]+)', 1))"
    own = f"lower(regexp_extract({user_sql}, '@([A-Za-z0-9.-]+)', 1))"
    return (
        f"CASE WHEN {forward_sql} IS NULL OR {domain} = '' THEN NULL "
        f"WHEN {own} = '' THEN TRUE "
        f"ELSE NOT ({domain} = {own} OR {domain} LIKE '%.' || {own}) END"
    )


@dataclass(frozen=True)
class Shape:
    """One shape a source's records come in, recognised by a path only it has (and, when
    ``values`` is given, by that path holding one of them)."""

    name: str
    marker: str
    values: tuple[str, ...] = ()

    def condition(self, extract: Extract) -> str:
        value = extract.value(self.marker)
        if not self.values:
            return f"{value} IS NOT NULL"
        listed = ", ".join(sql_literal(item) for item in self.values)
        return f"{value} IN ({listed})"


@dataclass(frozen=True)
class Source:
    """A log source: its name (``schildwacht detect --source``), log type, shapes, reader and
    column expressions.

    ``columns`` receives an ``Extract`` and returns SQL per normalised column; columns it leaves
    out are NULL. ``event_key`` is required: it de-duplicates re-uploaded events.
    ``reader`` is ``json`` (JSON lines, a JSON array, or an object with a ``value`` or
    ``items`` array; gzip allowed), ``evtx`` or ``syslog``.
    """

    name: str
    log_type: str
    description: str
    shapes: tuple[Shape, ...]
    columns: Callable[[Extract], dict[str, str]]
    reader: str = "json"
    extensions: tuple[str, ...] = field(default=(".json", ".jsonl", ".ndjson", ".gz"))

    def select_sql(self, records: str) -> str:
        """SQL selecting the normalised columns plus ``shape`` and ``record_no`` from
        ``records`` (columns ``record_no`` and ``raw``)."""
        extract = Extract()
        shape_cases = " ".join(
            f"WHEN {shape.condition(extract)} THEN '{shape.name}'" for shape in self.shapes
        )
        columns = self.columns(extract)
        unknown = set(columns) - set(COLUMN_NAMES)
        if unknown:
            raise ValueError(f"{self.name}: unknown columns {sorted(unknown)}")
        selected = []
        for name in COLUMN_NAMES:
            if name == "source":
                expression = f"'{self.name}'"
            elif name == "log_type":
                expression = f"'{self.log_type}'"
            elif name == "raw":
                expression = "raw"
            else:
                expression = columns.get(name, "NULL")
            selected.append(f'CAST({expression} AS {COLUMN_TYPES[name]}) AS "{name}"')
        return (
            f"SELECT {', '.join(selected)}, CASE {shape_cases} END AS shape, record_no "
            f"FROM (SELECT record_no, raw, json_extract_string(raw, {extract.paths_sql()}) AS v "
            f"FROM {records})"
        )


_REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    _REGISTRY[source.name] = source
    return source


def sources() -> dict[str, Source]:
    """Every source by name (importing the modules registers them)."""
    from schildwacht.detection.engine.sources import entra  # noqa: F401

    for module in ("microsoft365", "google", "windows", "syslog"):
        try:
            __import__(f"schildwacht.detection.engine.sources.{module}")
        except ModuleNotFoundError as error:
            if error.name != f"schildwacht.detection.engine.sources.{module}":
                raise
    return dict(sorted(_REGISTRY.items()))


def source(name: str) -> Source:
    known = sources()
    if name not in known:
        raise KeyError(name)
    return known[name]
