"""Normalised events on disk: Parquet files per board, source and day, listed in a manifest.

Layout under a board's folder::

    <source>/<YYYY-MM-DD>/<upload>.parquet     one file per upload and day
    manifest.json                              the files readers may read, and retired ones

Files are written under a temporary name and renamed into place, so no reader ever sees half a
file. Readers take the file list from the manifest (replaced atomically), never from a folder
listing. Compaction and the retention purge take files out of the manifest and delete them
only after ``GRACE_SECONDS``, so a query that started earlier still finds every file it
listed. Writers (ingest, compaction, purge) must not run at the same time for one board: the
application holds a lock in its database around them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from schildwacht.detection.engine.ingest import Batch, count_rows, normalised_sql
from schildwacht.detection.engine.reading import FileReport, json_lines_relation
from schildwacht.detection.engine.schema import (
    COLUMNS_SQL,
    create_table_sql,
    sql_list,
    sql_literal,
)
from schildwacht.detection.engine.sources import Source

MANIFEST = "manifest.json"
_DAY = re.compile(r"day=\d{4}-\d{2}-\d{2}")
GRACE_SECONDS = 3600
# Small row groups: a partitioned write buffers rows per day being written, and the raw
# records make rows large (1-2 kB). With DuckDB's defaults the buffers outgrow the memory
# limit and spill; 4,096 rows (with the flush threshold ``connect`` sets) halved the time of
# a million sign-ins and its memory (bench/README.md). zstd's level 1 compresses the raw
# records nearly as small as its default and in less time, while the upload waits.
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 4096"
# Compaction writes one file per day, read by every later run: larger row groups (fewer to
# open per query) and zstd's default level (smaller files), since it runs in the background.
COMPACTED_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768"


@dataclass(frozen=True)
class StoredFile:
    source: str
    day: dt.date
    path: str  # relative to the store's root

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "day": self.day.isoformat(), "path": self.path}


class EventStore:
    """One board's stored events."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # The manifest.

    def _read_manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.exists():
            return {"files": [], "retired": []}
        with path.open(encoding="utf-8") as handle:
            data: dict[str, Any] = json.load(handle)
        return data

    def _write_manifest(self, data: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{MANIFEST}.{uuid.uuid4().hex}"
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.root / MANIFEST)

    def files(self, sources: list[str] | None = None) -> list[StoredFile]:
        return [
            StoredFile(item["source"], dt.date.fromisoformat(item["day"]), item["path"])
            for item in self._read_manifest()["files"]
            if sources is None or item["source"] in sources
        ]

    # Reading.

    def events_view(self, con: duckdb.DuckDBPyConnection, sources: list[str] | None = None) -> int:
        """Make ``events`` in ``con`` the stored events (of ``sources``); returns the number of
        files. With no files, ``events`` is an empty table of the right shape."""
        paths = [str(self.root / item.path) for item in self.files(sources)]
        con.execute("DROP VIEW IF EXISTS events")
        con.execute("DROP TABLE IF EXISTS events")
        if not paths:
            con.execute(create_table_sql("events"))
            return 0
        # A view cannot take parameters: the paths are written into it, quoted.
        con.execute(
            f"CREATE VIEW events AS SELECT {COLUMNS_SQL} "
            f"FROM read_parquet({sql_list(paths)}, union_by_name = true)"
        )
        return len(paths)

    # Writing.

    def add(self, con: duckdb.DuckDBPyConnection, relation: str, upload: str) -> dict[str, int]:
        """Store the events of ``relation`` (a table or view of normalised events) that are not
        stored yet (same source and key), one file per source and day; returns how many events
        each day received."""
        new = f'SELECT * FROM "{relation}"{self._not_stored(con, relation)}'
        incoming = self.root / ".incoming" / upload
        if incoming.exists():
            shutil.rmtree(incoming)
        incoming.mkdir(parents=True)
        counts: dict[str, int] = {}
        try:
            con.execute(
                f"CREATE TEMP TABLE _days AS SELECT source, CAST(event_time AS DATE) AS day, "
                f"count(*) AS n FROM ({new}) GROUP BY ALL ORDER BY ALL"
            )
            rows = con.execute("SELECT source, day, n FROM _days").fetchall()
            con.execute("DROP TABLE _days")
            if not rows:
                return counts
            con.execute(
                f"COPY (SELECT {COLUMNS_SQL}, CAST(event_time AS DATE) AS day FROM ({new})) "
                f"TO {sql_literal(incoming)} ({PARQUET_OPTIONS}, PARTITION_BY (source, day), "
                "WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true)"
            )
            manifest = self._read_manifest()
            for source, day, count in rows:
                written = sorted((incoming / f"source={source}" / f"day={day}").glob("*.parquet"))
                for index, part in enumerate(written):
                    name = upload if index == 0 else f"{upload}-{index}"
                    relative = Path(source) / day.isoformat() / f"{name}.parquet"
                    (self.root / relative).parent.mkdir(parents=True, exist_ok=True)
                    part.replace(self.root / relative)
                    manifest["files"].append(StoredFile(source, day, str(relative)).as_dict())
                counts[day.isoformat()] = counts.get(day.isoformat(), 0) + int(count)
            self._write_manifest(manifest)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        return counts

    def ingest(
        self, con: duckdb.DuckDBPyConnection, path: Path, source: Source, upload: str
    ) -> tuple[FileReport, dict[str, int]]:
        """Read ``path`` as ``source`` and store its new events; returns the file's report
        and the events stored per day.

        A clean JSON-lines file streams from the file into Parquet in one pass: DuckDB reads,
        normalises and writes without holding the events in memory. Anything else (a line
        DuckDB refuses, refused records to name, repeated events, other formats) goes the
        careful way: ``Batch`` in memory, then ``add``.
        """
        fast = json_lines_relation(path) if source.reader == "json" else None
        if fast is not None:
            streamed = self._stream(con, fast, path, source, upload)
            if streamed is not None:
                return streamed
        batch = Batch(con, f"incoming_{uuid.uuid4().hex[:12]}")
        try:
            report = batch.read(path, source)
            counts = self.add(con, batch.name, upload)
        finally:
            batch.close()
        report.duplicates += report.events - sum(counts.values())
        report.events = sum(counts.values())
        return report, counts

    def _stream(
        self,
        con: duckdb.DuckDBPyConnection,
        records: str,
        path: Path,
        source: Source,
        upload: str,
    ) -> tuple[FileReport, dict[str, int]] | None:
        """The one-pass path; None when the file must go the careful way."""
        incoming = self.root / ".incoming" / upload
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir(parents=True)
        done = False
        try:
            try:
                con.execute(
                    f"COPY (SELECT {COLUMNS_SQL}, _shape, CASE WHEN _keep THEN "
                    "CAST(event_time AS DATE) END AS day "
                    f"FROM ({normalised_sql(source, records)})) TO {sql_literal(incoming)} "
                    f"({PARQUET_OPTIONS}, PARTITION_BY (_shape, day), OVERWRITE_OR_IGNORE true)"
                )
            except duckdb.Error:
                return None
            parts = sorted(incoming.glob("_shape=*/day=*/*.parquet"))
            # Refused records land in DuckDB's partition for NULL (no shape, or no day).
            good = [
                part
                for part in parts
                if _DAY.fullmatch(part.parent.name)
                and part.parent.parent.name != "_shape=__HIVE_DEFAULT_PARTITION__"
            ]
            if len(good) != len(parts) or not good:
                return None  # refused records (or none at all) to name by line
            listed = sql_list(good)
            relation = f"read_parquet({listed})"
            # Rows per written file from the files' footers, without reading them.
            per_file = dict(
                con.execute(
                    f"SELECT file_name, num_rows FROM parquet_file_metadata({listed})"
                ).fetchall()
            )
            repeated = count_rows(
                con, f"SELECT count(*) - count(DISTINCT event_key) FROM {relation}"
            ) or count_rows(
                con, f"SELECT count(*) FROM {relation}{self._stored_only(con, relation)}"
            )
            if repeated:
                return None
            report = FileReport(path=str(path), source=source.name)
            counts: dict[str, int] = {}
            manifest = self._read_manifest()
            for part in good:
                shape = part.parent.parent.name.removeprefix("_shape=")
                day = part.parent.name.removeprefix("day=")
                count = int(per_file[str(part)])
                report.shapes[shape] = report.shapes.get(shape, 0) + count
                counts[day] = counts.get(day, 0) + count
                relative = Path(source.name) / day / f"{upload}-{shape}-{part.stem}.parquet"
                (self.root / relative).parent.mkdir(parents=True, exist_ok=True)
                part.replace(self.root / relative)
                manifest["files"].append(
                    StoredFile(source.name, dt.date.fromisoformat(day), str(relative)).as_dict()
                )
            self._write_manifest(manifest)
            report.records = report.events = sum(counts.values())
            done = True
            return report, counts
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
            if not done:
                con.execute("SELECT 1")  # the connection stays usable after a failed COPY

    def _stored_only(self, con: duckdb.DuckDBPyConnection, relation: str) -> str:
        """A WHERE clause keeping only events of ``relation`` that are already stored."""
        clause = self._not_stored(con, relation)
        return clause.replace(" NOT IN ", " IN ", 1) if clause else " WHERE false"

    def _not_stored(self, con: duckdb.DuckDBPyConnection, relation: str) -> str:
        """A WHERE clause leaving out events already stored (same source and key), looked up
        only in the files of the days and sources the new events cover; empty when none."""
        quoted = relation if relation.startswith("read_parquet(") else f'"{relation}"'
        bounds = con.execute(
            "SELECT min(CAST(event_time AS DATE)), max(CAST(event_time AS DATE)), "
            f"list(DISTINCT source) FROM {quoted}"
        ).fetchone()
        if not bounds or bounds[0] is None:
            return ""
        first, last, sources = bounds
        paths = [
            str(self.root / item.path)
            for item in self.files(list(sources))
            if first <= item.day <= last
        ]
        if not paths:
            return ""
        return (
            " WHERE source || chr(31) || event_key NOT IN (SELECT source || chr(31) || event_key "
            f"FROM read_parquet({sql_list(paths)}, union_by_name = true))"
        )

    def compact(self, con: duckdb.DuckDBPyConnection, min_files: int = 2) -> int:
        """Merge the files of each source and day that has at least ``min_files`` into one;
        returns how many files were merged away."""
        manifest = self._read_manifest()
        groups: dict[tuple[str, str], list[dict[str, str]]] = {}
        for item in manifest["files"]:
            groups.setdefault((item["source"], item["day"]), []).append(item)
        merged = 0
        now = time.time()
        try:
            for (source, day), items in sorted(groups.items()):
                if len(items) < min_files:
                    continue
                name = f"compacted-{uuid.uuid4().hex[:12]}"
                relative = Path(source) / day / f"{name}.parquet"
                temporary = self.root / source / day / f".{name}.parquet.tmp"
                paths = [str(self.root / item["path"]) for item in items]
                try:
                    con.execute(
                        f"COPY (SELECT {COLUMNS_SQL} FROM read_parquet(?, union_by_name = true) "
                        f"ORDER BY event_time) TO {sql_literal(temporary)} ({COMPACTED_OPTIONS})",
                        [paths],
                    )
                except BaseException:
                    # Disk full or out of memory: no half-written file stays behind in the store.
                    temporary.unlink(missing_ok=True)
                    raise
                temporary.replace(self.root / relative)
                manifest["files"] = [item for item in manifest["files"] if item not in items]
                manifest["files"].append({"source": source, "day": day, "path": str(relative)})
                manifest["retired"].extend({"path": item["path"], "at": now} for item in items)
                merged += len(items)
        finally:
            # Groups merged before a failure stay merged: their new files are listed and the
            # old ones retired, so no compacted file is left that the manifest does not name.
            if merged:
                self._write_manifest(manifest)
        return merged

    def purge(self, retention_days: dict[str, int], default_days: int, today: dt.date) -> int:
        """Retire the files of days older than each source's retention, and delete retired
        files once no query can still be reading them; returns how many files were retired."""
        manifest = self._read_manifest()
        now = time.time()
        kept, retired = [], 0
        for item in manifest["files"]:
            days = retention_days.get(item["source"], default_days)
            if dt.date.fromisoformat(item["day"]) < today - dt.timedelta(days=days):
                manifest["retired"].append({"path": item["path"], "at": now})
                retired += 1
            else:
                kept.append(item)
        manifest["files"] = kept
        waiting = []
        for item in manifest["retired"]:
            if now - float(item["at"]) >= GRACE_SECONDS:
                (self.root / item["path"]).unlink(missing_ok=True)
            else:
                waiting.append(item)
        manifest["retired"] = waiting
        self._write_manifest(manifest)
        return retired

    def latest(self) -> dict[str, dt.date]:
        """The newest day stored per source."""
        newest: dict[str, dt.date] = {}
        for item in self.files():
            if item.source not in newest or item.day > newest[item.source]:
                newest[item.source] = item.day
        return newest
