"""Reading and ingest after review: duplicates across many files of one batch counted with one
join per file, the same ``raw`` (and so the same content key) whichever path read a record,
and JSON arrays read by DuckDB without holding the document."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from schildwacht.detection.engine import ingest, storage
from schildwacht.detection.engine.ingest import Batch, connect
from schildwacht.detection.engine.reading import FileReport, json_lines_relation
from schildwacht.detection.engine.sources import source
from schildwacht.detection.engine.storage import EventStore
from tests.test_detection_engine import START, graph_signin

pytestmark = pytest.mark.dbless

SIGNIN = source("entra-signin")


def refusals(report: FileReport) -> list[tuple[int | None, str]]:
    return [(item.record_no, item.code) for item in report.refusals]


def no_careful_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make reading record by record fail: the file must go the fast path."""

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("read the careful way")

    monkeypatch.setattr(ingest, "load_records", refuse)


# Many files in one batch ----------------------------------------------------------------------


def test_many_files_in_one_batch_count_duplicates_against_every_earlier_file(
    tmp_path: Path,
) -> None:
    files: list[list[dict[str, Any]]] = []
    for index in range(60):
        at = START + dt.timedelta(minutes=index)
        records = [graph_signin(0, at=at) | {"id": f"own-{index}-{n}"} for n in range(3)]
        if index >= 30:
            # An event of a file thirty files back, under another user: the first copy stays.
            records.append(
                graph_signin(0, at=at, user="later@school.nl") | {"id": f"own-{index - 30}-0"}
            )
        if index % 7 == 0:
            records.append(records[0])  # repeated within the file
        if index in (10, 20, 40):
            # One key in several earlier files is one duplicate, not one per earlier file.
            records.append(graph_signin(0, at=at) | {"id": "shared"})
        files.append(records)

    con = connect()
    batch = Batch(con)
    seen: set[str] = set()
    for index, records in enumerate(files):
        path = tmp_path / f"{index:02}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
        report = batch.read(path, SIGNIN)
        keys = [record["id"] for record in records]
        within = len(keys) - len(set(keys))
        earlier = len(set(keys) & seen)
        seen |= set(keys)
        assert (report.records, report.duplicates, report.events, report.refused) == (
            len(keys),
            within + earlier,
            len(keys) - within - earlier,
            0,
        ), index
    assert batch.repeated
    batch.view()
    assert con.execute("SELECT count(*), count(DISTINCT event_key) FROM events").fetchone() == (
        len(seen),
        len(seen),
    )
    assert con.execute(
        "SELECT count(*) FROM events WHERE user_name = 'later@school.nl'"
    ).fetchone() == (0,)
    batch.close()


# The same raw on the fast and the careful path ---------------------------------------------------

# Records as exporters write them: escaped and plain non-ASCII, escaped slashes, nested objects,
# numbers in several spellings, odd spacing, and one record without an id (its key is its
# content).
RECORDS = [
    '{"id": "a", "createdDateTime": "2026-03-02T08:00:00Z", '
    '"userPrincipalName": "jos\\u00e9@school.nl", "url": "https:\\/\\/login.example\\/x"}',
    '{ "createdDateTime" : "2026-03-02T08:01:00Z",  "userPrincipalName":"zoë@school.nl", '
    '"n": 1.0, "m": 1e3, "nested": {"b": [1, {"c": null}], "a": "\\"q\\" \\\\ \\t"} }',
    '{"id": "c", "createdDateTime": "2026-03-02T08:02:00Z", "userPrincipalName": "x@school.nl", '
    '"big": 12345678901234567890123, "pi": 3.141592653589793238, "e": "\\ud83d\\ude00 😀"}',
]


def as_lines(records: list[str], broken: bool) -> bytes:
    lines = [f"  {record} \t" for record in records]
    if broken:
        lines.insert(1, '{"id": "x", "createdDateTime": ')
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def pretty(record: str) -> str:
    """The record spread over lines as a pretty-printer would (outside its strings)."""
    return record.replace('", "', '",\r\n    "').replace(", {", ",\r\n    {")


def as_array(records: list[str], broken: bool) -> bytes:
    elements = [pretty(record) for record in records]
    if broken:
        elements.insert(1, '{"id": "x", "createdDateTime" :: 1}')
    return ("\ufeff[\r\n  " + ",\r\n  ".join(elements) + "\r\n]\r\n").encode()


def raw_by_key(path: Path, *, fast: bool = False) -> dict[str, str]:
    """The ``raw`` of each event read from ``path``, by event key; ``fast``: read only by
    DuckDB, else by Python record by record (the file has one refused record)."""
    with pytest.MonkeyPatch.context() as patch:
        if fast:
            no_careful_path(patch)
        con = connect()
        batch = Batch(con)
        report = batch.read(path, SIGNIN)
        batch.view()
    assert (report.events, report.refused) == (3, 0 if fast else 1)
    rows = con.execute("SELECT event_key, raw FROM events").fetchall()
    return {str(key): str(raw) for key, raw in rows}


@pytest.mark.parametrize(
    ("shape", "compressed"), [(shape, gz) for shape in ("lines", "array") for gz in (False, True)]
)
def test_a_record_has_the_same_raw_whichever_path_read_it(
    tmp_path: Path, shape: str, compressed: bool
) -> None:
    write = as_lines if shape == "lines" else as_array
    texts = RECORDS if shape == "lines" else [pretty(record) for record in RECORDS]
    paths = []
    for broken in (False, True):
        content = write(RECORDS, broken)
        path = tmp_path / f"{shape}-{broken}.json{'.gz' if compressed else ''}"
        path.write_bytes(gzip.compress(content) if compressed else content)
        paths.append(path)
    fast = raw_by_key(paths[0], fast=True)
    careful = raw_by_key(paths[1])
    assert careful == fast
    # The record's own text, without the blank space around it: no re-encoding either way.
    assert sorted(fast.values()) == sorted(texts)
    keyless = texts[1]
    # md5 as the engine keys such records: not for security.
    assert fast[hashlib.md5(keyless.encode(), usedforsecurity=False).hexdigest()] == keyless


@pytest.mark.parametrize("shape", ["lines", "array"])
def test_a_damaged_re_upload_adds_nothing_not_even_records_without_a_key(
    tmp_path: Path, shape: str
) -> None:
    write = as_lines if shape == "lines" else as_array
    store = EventStore(tmp_path / "board")
    con = connect()
    clean = tmp_path / "clean.json"
    clean.write_bytes(write(RECORDS, False))
    first, counts = store.ingest(con, clean, SIGNIN, "upload-1")
    assert (first.events, sum(counts.values())) == (3, 3)
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(write(RECORDS, True))
    again, counts = store.ingest(con, damaged, SIGNIN, "upload-2")
    assert (again.events, again.duplicates, again.refused, counts) == (0, 3, 1, {})
    assert refusals(again) == [(2, "invalid_json")]


def test_records_of_api_pages_keep_their_own_text(tmp_path: Path) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(as_lines(RECORDS, False))
    page = tmp_path / "page.json"
    # One response of the Graph API as it comes, with a decoy in a string before the records.
    page.write_text(
        '{"@odata.context": "x\\"value\\": [", "value" : [ '
        + ", ".join(RECORDS)
        + ' ], "@odata.nextLink": "y"}',
        encoding="utf-8",
    )
    per_line = tmp_path / "pages.jsonl"
    per_line.write_text(
        "".join('{"@odata.context": "x", "value": [' + record + "]}\n" for record in RECORDS),
        encoding="utf-8",
    )
    expected = raw_by_key(lines, fast=True)
    for path in (page, per_line):
        con = connect()
        batch = Batch(con)
        assert batch.read(path, SIGNIN).events == 3
        batch.view()
        assert dict(con.execute("SELECT event_key, raw FROM events").fetchall()) == expected


# JSON arrays through DuckDB -------------------------------------------------------------------


def signin_array(count: int) -> str:
    return json.dumps(
        [graph_signin(n, at=START + dt.timedelta(minutes=n)) for n in range(count)], indent=2
    )


def test_a_json_array_takes_the_fast_path_plain_or_gzip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = signin_array(50)
    plain = tmp_path / "download.json"
    plain.write_text(" \n" + text + "\n", encoding="utf-8")
    packed = tmp_path / "download.json.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    no_careful_path(monkeypatch)
    for path in (plain, packed):
        relation = json_lines_relation(path)
        assert relation is not None and "format='array'" in relation
        con = connect()
        batch = Batch(con)
        report = batch.read(path, SIGNIN)
        batch.view()
        assert (report.records, report.events, report.refused) == (50, 50, 0)
        first = con.execute("SELECT raw FROM events WHERE event_key = 'id-0'").fetchone()
        assert first is not None
        assert json.loads(first[0]) == graph_signin(0, at=START)


def test_a_clean_array_streams_into_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "download.json"
    path.write_text(signin_array(30), encoding="utf-8")

    def no_batch(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("went the careful way")

    monkeypatch.setattr(storage, "Batch", no_batch)
    report, counts = EventStore(tmp_path / "board").ingest(connect(), path, SIGNIN, "u1")
    assert (report.events, sum(counts.values()), report.shapes) == (30, 30, {"graph": 30})


def test_pages_and_single_documents_stay_on_the_careful_path(tmp_path: Path) -> None:
    records = [graph_signin(n, at=START) for n in range(2)]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"value": records}, indent=2), encoding="utf-8")
    single = tmp_path / "single.json"
    single.write_text(json.dumps(records[0], indent=2), encoding="utf-8")
    assert json_lines_relation(page) is None
    assert json_lines_relation(single) is None
    assert Batch(connect()).read(page, SIGNIN).events == 2
    assert Batch(connect()).read(single, SIGNIN).events == 1


def test_an_array_cut_off_after_a_comma_is_reported(tmp_path: Path) -> None:
    text = signin_array(4)
    cut = text[: text.index("\n  },", text.index('"id-1"')) + 5] + "\n  "
    path = tmp_path / "cut.json"
    path.write_text(cut, encoding="utf-8")
    # DuckDB would take the two records for the whole array and not say it was cut.
    assert json_lines_relation(path) is None
    report = Batch(connect()).read(path, SIGNIN)
    assert (report.events, refusals(report)) == (2, [(3, "truncated")])


def test_refused_array_records_are_named_by_position(tmp_path: Path) -> None:
    elements = [json.dumps(graph_signin(n, at=START)) for n in range(6)]
    elements[1] = elements[1].replace('"ipAddress"', '"ipAddress" ::')  # damaged
    elements[3] = '"not an object"'
    elements[4] = '{"id": "s", "createdDateTime": "2026-03-02T08:00:00Z", "x": "\\ud800"}'
    path = tmp_path / "array.json.gz"
    path.write_bytes(gzip.compress(("[" + ",\n".join(elements) + "]").encode()))
    report = Batch(connect()).read(path, SIGNIN)
    assert report.events == 3
    assert refusals(report) == [(2, "invalid_json"), (4, "not_object"), (5, "invalid_json")]


def test_a_cut_off_gzip_array_keeps_what_came_before(tmp_path: Path) -> None:
    packed = gzip.compress(signin_array(3000).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    report = Batch(connect()).read(path, SIGNIN)
    assert report.events > 1000
    assert report.refusals[-1].code == "truncated"


def test_an_empty_array_has_no_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[\n]\n", encoding="utf-8")
    no_careful_path(monkeypatch)
    report = Batch(connect()).read(path, SIGNIN)
    assert (report.records, report.events, report.refused) == (0, 0, 0)
