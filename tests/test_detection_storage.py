"""The event store: Parquet per board, source and day, listed in a manifest; uploads that add
nothing the second time; refusals named; compaction and the purge never pull a file from under
a reader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from schildwacht.detection.engine import storage
from schildwacht.detection.engine.ingest import connect
from schildwacht.detection.engine.sources import source
from schildwacht.detection.engine.storage import EventStore
from tests.test_detection_engine import START, graph_signin, write_lines

pytestmark = pytest.mark.dbless

SIGNIN = source("entra-signin")


def signins(first: int, count: int, *, days: int = 3) -> list[dict[str, object]]:
    return [
        graph_signin(n, at=START + dt.timedelta(days=n % days, minutes=n))
        for n in range(first, first + count)
    ]


def stored_count(store: EventStore) -> int:
    con = connect()
    store.events_view(con)
    row = con.execute("SELECT count(*) FROM events").fetchone()
    return int(row[0]) if row else 0


def test_one_file_per_upload_and_day_and_nothing_twice(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "board")
    con = connect()
    path = write_lines(tmp_path / "a.jsonl", signins(0, 30))
    report, counts = store.ingest(con, path, SIGNIN, "upload-1")
    assert (report.events, report.refused) == (30, 0)
    assert counts == {"2026-03-02": 10, "2026-03-03": 10, "2026-03-04": 10}
    files = store.files()
    assert sorted(item.day.isoformat() for item in files) == sorted(counts)
    assert all(item.path.startswith("entra-signin/") for item in files)
    assert not (tmp_path / "board" / ".incoming" / "upload-1").exists()
    # The same file again, and a file overlapping it: only the new events are added.
    again, counts = store.ingest(con, path, SIGNIN, "upload-2")
    assert (again.events, again.duplicates, counts) == (0, 30, {})
    overlap = write_lines(tmp_path / "b.jsonl", signins(20, 20))
    more, counts = store.ingest(con, overlap, SIGNIN, "upload-3")
    assert (more.events, more.duplicates, sum(counts.values())) == (10, 10, 10)
    assert stored_count(store) == 40
    assert store.latest() == {"entra-signin": dt.date(2026, 3, 4)}


def test_refused_lines_are_named_and_the_rest_stored(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "board")
    lines = [json.dumps(record) for record in signins(0, 4)]
    lines.insert(2, '{"broken": ')
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, counts = store.ingest(connect(), path, SIGNIN, "upload-1")
    assert [(item.record_no, item.code) for item in report.refusals] == [(3, "invalid_json")]
    assert report.events == 4 and sum(counts.values()) == 4
    assert stored_count(store) == 4


def test_other_formats_take_the_careful_path(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "board")
    document = tmp_path / "page.json"
    document.write_text(json.dumps({"value": signins(0, 6)}), encoding="utf-8")
    report, counts = store.ingest(connect(), document, SIGNIN, "upload-1")
    assert report.events == 6 and sum(counts.values()) == 6 and report.shapes == {"graph": 6}


def test_compaction_merges_a_days_files_and_keeps_readers_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EventStore(tmp_path / "board")
    con = connect()
    for upload in range(3):
        path = write_lines(tmp_path / f"{upload}.jsonl", signins(upload * 9, 9))
        store.ingest(con, path, SIGNIN, f"upload-{upload}")
    before = store.files()
    assert len(before) == 9
    # A reader lists the files before compaction ...
    reader = connect()
    store.events_view(reader)
    assert store.compact(con) == 9
    after = store.files()
    assert len(after) == 3 and {item.day for item in after} == {item.day for item in before}
    # ... and still reads all of them: the merged-away files wait out the grace period.
    assert reader.execute("SELECT count(*) FROM events").fetchone() == (27,)
    assert stored_count(store) == 27
    assert all((store.root / item.path).exists() for item in before)
    # The purge deletes them once the grace period has passed.
    monkeypatch.setattr(storage, "GRACE_SECONDS", 0)
    assert store.purge({}, 3650, dt.date(2026, 3, 10)) == 0
    assert not any((store.root / item.path).exists() for item in before)
    assert stored_count(store) == 27


def test_a_failing_compaction_keeps_what_it_merged_and_leaves_no_stray_file(
    tmp_path: Path,
) -> None:
    store = EventStore(tmp_path / "board")
    con = connect()
    for upload in range(2):
        path = write_lines(tmp_path / f"{upload}.jsonl", signins(upload * 9, 9))
        store.ingest(con, path, SIGNIN, f"upload-{upload}")
    # The last day's first file is gone (a disk error): merging that day fails.
    days = sorted({item.day for item in store.files()})
    broken = next(item for item in store.files() if item.day == days[-1])
    (store.root / broken.path).unlink()
    with pytest.raises(duckdb.Error):
        store.compact(con)
    after = store.files()
    # The days before it were merged, listed and their old files retired; nothing else.
    assert sorted(item.day for item in after) == [days[0], days[1], days[2], days[2]]
    listed = {str(store.root / item.path) for item in after}
    on_disk = {str(path) for path in store.root.rglob("*.parquet*")}
    retired = {str(store.root / item["path"]) for item in store._read_manifest()["retired"]}
    assert on_disk - listed == retired - {str(store.root / broken.path)}
    assert not list(store.root.rglob("*.tmp"))


def test_retention_per_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EventStore(tmp_path / "board")
    store.ingest(connect(), write_lines(tmp_path / "a.jsonl", signins(0, 30)), SIGNIN, "u1")
    # Retention of 2 days on 2026-03-06: 2 and 3 March are older than 4 March and go.
    retired = store.purge({"entra-signin": 2}, 180, dt.date(2026, 3, 6))
    assert retired == 2
    assert [item.day for item in store.files()] == [dt.date(2026, 3, 4)]
    assert stored_count(store) == 10
    # The files stay on disk until the grace period is over.
    monkeypatch.setattr(storage, "GRACE_SECONDS", 0)
    store.purge({"entra-signin": 2}, 180, dt.date(2026, 3, 6))
    assert len(list((store.root / "entra-signin").rglob("*.parquet"))) == 1


def test_an_empty_store_reads_as_no_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "nothing")
    con = connect()
    assert store.events_view(con) == 0
    assert con.execute("SELECT count(*) FROM events").fetchone() == (0,)
