"""From a file to normalised events: read, pick the shape, normalise, refuse what cannot be
read, and drop events already seen."""

from __future__ import annotations

from pathlib import Path

import duckdb

from schildwacht.detection.engine.reading import FileReport, load_records
from schildwacht.detection.engine.schema import COLUMN_NAMES, create_table_sql
from schildwacht.detection.engine.sources import Source


def connect(
    *,
    database: str = ":memory:",
    memory_limit: str = "1GB",
    threads: int = 2,
    temp_directory: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB with its memory and threads set explicitly: a board's server is
    small and shared with the application."""
    con = duckdb.connect(database)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET TimeZone = 'UTC'")
    if temp_directory:
        con.execute("SET temp_directory = ?", [temp_directory])
    return con


def create_events_table(con: duckdb.DuckDBPyConnection, name: str = "events") -> str:
    con.execute(f'DROP TABLE IF EXISTS "{name}"')
    con.execute(create_table_sql(name))
    return name


def read_file(
    con: duckdb.DuckDBPyConnection, path: Path, source: Source, into: str = "events"
) -> FileReport:
    """Normalise ``path`` as ``source`` and append its events to table ``into``; events whose
    key is already there (or twice in the file) are counted as duplicates, not added."""
    report = FileReport(path=str(path), source=source.name)
    records = load_records(con, path, report, source.reader)
    normalised = ""
    try:
        normalised = _normalise(con, records, source)
        if _count(con, f"SELECT count(*) FROM {normalised} WHERE NOT keep") and _count(
            con, f"SELECT count(*) FROM {normalised} WHERE record_no IS NULL"
        ):
            # The fast path does not number lines; read again, slowly, to name them.
            con.execute(f"DROP TABLE {normalised}")
            con.execute(f"DROP TABLE {records}")
            report = FileReport(path=str(path), source=source.name)
            records = load_records(con, path, report, "json-numbered")
            normalised = _normalise(con, records, source)
        _report_refusals(con, normalised, source, report)
        for shape, count in con.execute(
            f"SELECT shape, count(*) FROM {normalised} WHERE keep GROUP BY shape ORDER BY shape"
        ).fetchall():
            report.shapes[str(shape)] = int(count)
        _insert_new(con, normalised, into, report)
    finally:
        if normalised:
            con.execute(f"DROP TABLE IF EXISTS {normalised}")
        con.execute(f"DROP TABLE IF EXISTS {records}")
    return report


def _insert_new(
    con: duckdb.DuckDBPyConnection, normalised: str, into: str, report: FileReport
) -> None:
    columns = ", ".join(f'"{name}"' for name in COLUMN_NAMES)
    kept = _count(con, f"SELECT count(*) FROM {normalised} WHERE keep")
    # Duplicates are rare: look for them on the keys alone, and only then pay for picking one
    # row per key.
    repeated = _count(
        con,
        f"SELECT count(*) FROM (SELECT event_key FROM {normalised} WHERE keep "
        f'GROUP BY event_key HAVING count(*) > 1 UNION ALL SELECT n.event_key FROM "{into}" '
        f"AS e JOIN {normalised} AS n ON e.source = n.source AND e.event_key = n.event_key "
        "AND n.keep)",
    )
    if not repeated:
        con.execute(f'INSERT INTO "{into}" SELECT {columns} FROM {normalised} WHERE keep')
        report.events = kept
        return
    before = _count(con, f'SELECT count(*) FROM "{into}"')
    con.execute(
        f'INSERT INTO "{into}" SELECT {columns} FROM {normalised} AS n WHERE keep '
        f'AND NOT EXISTS (SELECT 1 FROM "{into}" AS e WHERE e.source = n.source '
        "AND e.event_key = n.event_key) "
        "QUALIFY row_number() OVER (PARTITION BY n.event_key ORDER BY n.record_no) = 1"
    )
    report.events = _count(con, f'SELECT count(*) FROM "{into}"') - before
    report.duplicates = kept - report.events


def _normalise(con: duckdb.DuckDBPyConnection, records: str, source: Source) -> str:
    table = f"{records}_n"
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT * REPLACE "
        # Sources without their own key (syslog) are de-duplicated on their content.
        "(COALESCE(event_key, md5(raw)) AS event_key), "
        "shape IS NOT NULL AND event_time IS NOT NULL AS keep "
        f"FROM ({source.select_sql(records)})"
    )
    return table


def _report_refusals(
    con: duckdb.DuckDBPyConnection, table: str, source: Source, report: FileReport
) -> None:
    rows = con.execute(
        f"SELECT record_no, shape IS NULL FROM {table} WHERE NOT keep ORDER BY record_no"
    ).fetchall()
    for record_no, wrong_shape in rows:
        report.refuse(record_no, "wrong_source" if wrong_shape else "no_time", source.name)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
