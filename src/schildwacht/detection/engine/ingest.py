"""From files to normalised events: read, pick the shape, normalise, refuse what cannot be
read, and leave out events already seen.

A ``Batch`` holds the events of one or more files without copying them: each file becomes one
table of normalised events (plus bookkeeping columns), and the batch's view joins them. Large
files are read by DuckDB straight from disk in parallel (the fast path); a file DuckDB refuses
is read again record by record so every refused line can be named.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb

from schildwacht.detection.engine.reading import (
    FileReport,
    json_lines_relation,
    load_records,
)
from schildwacht.detection.engine.schema import (
    COLUMN_NAMES,
    COLUMN_TYPES,
    COLUMNS_SQL,
    create_table_sql,
)
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
    # DuckDB draws a progress bar on stdout for long queries; stdout carries the alerts.
    con.execute("SET enable_progress_bar = false")
    # A partitioned COPY (one Parquet file per day) keeps rows per day in memory until this
    # many have gathered; DuckDB's default (half a million) holds the raw records of a whole
    # upload and spills. Matches the row group size of ``storage.PARQUET_OPTIONS``.
    con.execute("SET partitioned_write_flush_threshold = 4096")
    if temp_directory:
        con.execute("SET temp_directory = ?", [temp_directory])
    return con


class Batch:
    """The normalised events of the files read so far, as the view ``name``.

    Events are de-duplicated on (source, event key): within a file, and against the files read
    before; a repeated event counts as a duplicate in its file's report.

    The view is brought up to date when it is asked for (``view()`` or ``name``), not after
    every file: rebuilding a union of hundreds of files after each of them took most of the
    time of such a batch.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str = "events") -> None:
        self.con = con
        self._name = name
        self._stale = True
        self.tables: list[str] = []
        self.repeated = False
        # The (source, event key) of the events kept from every file before the last one,
        # each once: what a new file's events are duplicates of (with the last file's).
        self._keys = f"keys_{uuid.uuid4().hex[:12]}"
        self.con.execute(f"CREATE TABLE {self._keys} (source VARCHAR, event_key VARCHAR)")

    @property
    def name(self) -> str:
        """The view's name, with the view up to date."""
        return self.view()

    def view(self) -> str:
        """Define the view over the files read so far (when they changed); its name."""
        if self._stale:
            self._define_view()
            self._stale = False
        return self._name

    def read(self, path: Path, source: Source) -> FileReport:
        report = FileReport(path=str(path), source=source.name)
        table = f"file_{uuid.uuid4().hex[:12]}"
        records = ""
        try:
            fast = json_lines_relation(path) if source.reader == "json" else None
            numbered = fast is None
            if fast is not None:
                try:
                    self._normalise(table, fast, source, len(self.tables))
                except duckdb.Error:
                    numbered = True  # a line DuckDB cannot read: name it the slow way
                else:
                    if self._count(f"SELECT count(*) FROM {table} WHERE NOT _keep"):
                        numbered = True  # refusals to report by line number
                        self.con.execute(f"DROP TABLE {table}")
            if numbered:
                self.con.execute(f"DROP TABLE IF EXISTS {table}")
                records = load_records(self.con, path, report, source.reader)
                self._normalise(table, records, source, len(self.tables))
            else:
                report.records = self._count(f"SELECT count(*) FROM {table}")
            self._report(table, source, report)
        finally:
            if records:
                self.con.execute(f"DROP TABLE IF EXISTS {records}")
        self.tables.append(table)
        self._stale = True
        return report

    def _normalise(self, table: str, records: str, source: Source, order: int) -> None:
        self.con.execute(
            f"CREATE TABLE {table} AS SELECT *, {order} AS _file "
            f"FROM ({normalised_sql(source, records)})"
        )

    def _report(self, table: str, source: Source, report: FileReport) -> None:
        rows = self.con.execute(
            f"SELECT _record_no, _shape IS NULL FROM {table} WHERE NOT _keep ORDER BY _record_no"
        ).fetchall()
        for record_no, wrong_shape in rows:
            report.refuse(record_no, "wrong_source" if wrong_shape else "no_time", source.name)
        report.refusals.sort(key=lambda item: item.record_no or 0)
        for shape, count in self.con.execute(
            f"SELECT _shape, count(*) FROM {table} WHERE _keep GROUP BY 1 ORDER BY 1"
        ).fetchall():
            report.shapes[str(shape)] = int(count)
        kept = sum(report.shapes.values())
        # Keys alone first: duplicates are rare, and only then does the view pay for them.
        within = self._count(
            f"SELECT count(*) - count(DISTINCT event_key) FROM {table} WHERE _keep"
        )
        if self.tables:
            # The file before this one adds its keys only now, so a batch of one file (an
            # upload read the careful way) never collects them.
            self.con.execute(
                f"INSERT INTO {self._keys} SELECT DISTINCT source, event_key "
                f"FROM {self.tables[-1]} AS n WHERE _keep AND NOT EXISTS (SELECT 1 "
                f"FROM {self._keys} AS k WHERE k.source = n.source AND k.event_key = n.event_key)"
            )
        # One join with the keys of all earlier files, not one per earlier file: a batch of
        # many small files would otherwise cost a number of joins that grows with its square.
        earlier = self._count(
            f"SELECT count(DISTINCT n.event_key) FROM {table} AS n JOIN {self._keys} AS k "
            "ON n.source = k.source AND n.event_key = k.event_key WHERE n._keep"
        )
        report.duplicates = within + earlier
        report.events = kept - report.duplicates
        if report.duplicates:
            self.repeated = True

    def _define_view(self) -> None:
        name = self._name
        self.con.execute(f'DROP VIEW IF EXISTS "{name}"')
        self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        if not self.tables:
            self.con.execute(
                f'CREATE VIEW "{name}" AS SELECT * FROM (SELECT {_typed_nulls()}) WHERE false'
            )
            return
        union = " UNION ALL ".join(
            f"SELECT {COLUMNS_SQL}, _file FROM {table} WHERE _keep" for table in self.tables
        )
        dedupe = (
            # The first file's copy of a repeated event wins; within a file they are the same.
            " QUALIFY row_number() OVER (PARTITION BY source, event_key ORDER BY _file) = 1"
            if self.repeated
            else ""
        )
        self.con.execute(f'CREATE VIEW "{name}" AS SELECT {COLUMNS_SQL} FROM ({union}){dedupe}')

    def _count(self, sql: str) -> int:
        return count_rows(self.con, sql)

    def close(self) -> None:
        self.con.execute(f'DROP VIEW IF EXISTS "{self._name}"')
        for table in self.tables:
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.execute(f"DROP TABLE IF EXISTS {self._keys}")
        self.tables = []


def normalised_sql(source: Source, records: str) -> str:
    """The normalised columns of ``records`` plus ``_shape``, ``_record_no`` and ``_keep``
    (false for a record of another source or without a readable time)."""
    return (
        "SELECT * EXCLUDE (shape, record_no) REPLACE "
        # Sources without their own key (syslog) are de-duplicated on their content.
        "(COALESCE(event_key, md5(raw)) AS event_key), shape AS _shape, "
        "record_no AS _record_no, shape IS NOT NULL AND event_time IS NOT NULL "
        # A time outside any plausible log (a typo'd year) is no readable time either.
        "AND event_time BETWEEN TIMESTAMP '1990-01-01' AND TIMESTAMP '2100-01-01' AS _keep "
        f"FROM ({source.select_sql(records)})"
    )


def _typed_nulls() -> str:
    return ", ".join(f'CAST(NULL AS {COLUMN_TYPES[name]}) AS "{name}"' for name in COLUMN_NAMES)


def create_events_table(con: duckdb.DuckDBPyConnection, name: str = "events") -> str:
    con.execute(f'DROP VIEW IF EXISTS "{name}"')
    con.execute(f'DROP TABLE IF EXISTS "{name}"')
    con.execute(create_table_sql(name))
    return name


def read_file(
    con: duckdb.DuckDBPyConnection, path: Path, source: Source, into: str = "events"
) -> FileReport:
    """Normalise ``path`` as ``source`` and append its new events to the table ``into``
    (created with ``create_events_table``); events whose key is already there are counted as
    duplicates. Copies the events once; ``Batch`` avoids that for large files."""
    batch = Batch(con, name=f"batch_{uuid.uuid4().hex[:12]}")
    try:
        report = batch.read(path, source)
        before = count_rows(con, f'SELECT count(*) FROM "{into}"')
        con.execute(
            f'INSERT INTO "{into}" SELECT {COLUMNS_SQL} FROM "{batch.name}" AS n '
            f'WHERE NOT EXISTS (SELECT 1 FROM "{into}" AS e WHERE e.source = n.source '
            "AND e.event_key = n.event_key)"
        )
        added = count_rows(con, f'SELECT count(*) FROM "{into}"') - before
        report.duplicates += report.events - added
        report.events = added
    finally:
        batch.close()
    return report


def count_rows(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The number a ``SELECT count(*) …`` returns."""
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
