"""The Windows Security source: binary EVTX files (a real one, and copies damaged here) and
events exported as JSON, all flattened so Sigma's Windows field names sit at the top of raw."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import struct
from pathlib import Path
from typing import Any

import duckdb
import evtx
import pytest

from schildwacht.detection.engine.ingest import connect, create_events_table, read_file
from schildwacht.detection.engine.reading import FileReport
from schildwacht.detection.engine.sources import source

pytestmark = pytest.mark.dbless

LOGS = Path(__file__).parent / "data" / "logs"
# A real EVTX file: five events written with Write-EventLog to a log of its own (see README).
REAL_EVTX = LOGS / "windows" / "TestLogX.evtx"
DUMP = LOGS / "windows" / "security-evtx-dump.jsonl"
FLAT = LOGS / "windows" / "security-flat.json"
WINDOWS = source("windows-security")
HEADER, CHUNK = 4096, 65536


def fresh() -> duckdb.DuckDBPyConnection:
    con = connect()
    create_events_table(con)
    return con


def events(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = con.execute("SELECT * FROM events ORDER BY event_time, event_key")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def refusals(report: FileReport) -> list[tuple[int | None, str]]:
    """The refusals in file order (reading's own come before the normaliser's)."""
    found = [(item.record_no, item.code) for item in report.refusals]
    return sorted(found, key=lambda item: (item[0] is not None, item[0] or 0))


def notices(report: FileReport) -> list[tuple[int | None, str]]:
    """The warnings about records that were kept, in file order."""
    found = [(item.record_no, item.code) for item in report.notices]
    return sorted(found, key=lambda item: (item[0] is not None, item[0] or 0))


def read(path: Path) -> tuple[FileReport, list[dict[str, Any]]]:
    con = fresh()
    report = read_file(con, path, WINDOWS)
    return report, events(con)


def record_offset(data: bytes, record_id: int) -> int:
    """Where the record with ``record_id`` starts in the first chunk (records follow the
    chunk's 512-byte header, each with its size and id after the ``**`` signature)."""
    position = HEADER + 512
    while True:
        assert data[position : position + 4] == b"\x2a\x2a\x00\x00"
        size, number = struct.unpack_from("<IQ", data, position + 4)
        if number == record_id:
            return position
        position += size


def test_the_real_evtx_file_normalises_every_record() -> None:
    parsed = list(evtx.PyEvtxParser(str(REAL_EVTX)).records_json())
    report, rows = read(REAL_EVTX)
    assert report.records == len(parsed) == 5
    assert report.events == report.records - report.refused == 5
    assert report.shapes == {"event": 5}
    first = rows[0]
    assert first["source"] == "windows-security"
    assert first["log_type"] == "windows_security"
    assert first["event_time"] == dt.datetime(2021, 7, 22, 15, 44, 21, 416718)
    # The log is not Security, so its name is part of the key (record ids count per log).
    assert first["event_key"] == "DESKTOP-PJOQLJS:TestLogX:1"
    assert (first["action"], first["event_code"]) == ("1", "1")
    assert first["device"] == "DESKTOP-PJOQLJS"
    assert [row["event_code"] for row in rows] == ["1", "2", "3", "65534", "5"]
    raw = json.loads(first["raw"])
    assert raw["EventID"] == "1"
    assert raw["Channel"] == "TestLogX"
    assert raw["Provider"] == raw["Provider_Name"] == "TestAppX"
    assert raw["TimeCreated"] == "2021-07-22T15:44:21.416718Z"
    assert raw["EventRecordID"] == 1
    assert raw["Data"] == "Test log message, information"
    assert "Event" not in raw


def test_a_damaged_record_is_refused_and_the_others_kept(tmp_path: Path) -> None:
    data = bytearray(REAL_EVTX.read_bytes())
    start = record_offset(bytes(data), 3)
    data[start + 30 : start + 70] = b"\xff" * 40  # inside record 3's event data
    damaged = tmp_path / "damaged.evtx"
    damaged.write_bytes(bytes(data))
    report, rows = read(damaged)
    assert report.records == 5
    assert report.events == 4
    # The damage changed the chunk under its checksum: the records kept from it are named.
    assert refusals(report) == [(3, "damaged")]
    assert notices(report) == [(1, "checksum")]
    assert "record number 3" in report.refusals[0].detail
    assert [json.loads(row["raw"])["EventRecordID"] for row in rows] == [1, 2, 4, 5]


def test_a_damaged_chunk_is_refused_and_the_next_chunk_read(tmp_path: Path) -> None:
    data = REAL_EVTX.read_bytes()
    assert len(data) == HEADER + CHUNK
    chunk = data[HEADER:]
    broken = b"XXXXXXXX" + chunk[8:]  # the chunk's signature overwritten
    two_chunks = tmp_path / "two-chunks.evtx"
    two_chunks.write_bytes(data[:HEADER] + broken + chunk)
    report, _ = read(two_chunks)
    assert report.events == 5  # the second, intact chunk
    assert [code for _, code in refusals(report)] == ["damaged"]
    assert "chunk" in report.refusals[0].detail


def test_a_cut_off_evtx_file_is_reported_as_truncated(tmp_path: Path) -> None:
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(REAL_EVTX.read_bytes()[: HEADER + 2300])
    report, rows = read(cut)
    # Record 1 lies before the cut and is kept; 2 is cut, 3-5 are beyond the end.
    assert [json.loads(row["raw"])["EventRecordID"] for row in rows] == [1]
    assert (report.records, report.refused) == (5, 4)
    assert refusals(report) == [(2, "truncated")]


def test_a_gzipped_evtx_file_reads_like_the_plain_one(tmp_path: Path) -> None:
    packed = tmp_path / "TestLogX.evtx.gz"
    packed.write_bytes(gzip.compress(REAL_EVTX.read_bytes()))
    _, plain = read(REAL_EVTX)
    report, zipped = read(packed)
    assert (report.events, report.refused) == (5, 0)
    assert zipped == plain


def test_security_events_in_the_evtx_packages_json() -> None:
    report, rows = read(DUMP)
    assert (report.records, report.events, report.refused) == (5, 5, 0)
    logon, failed, created, added, cleared = rows

    assert logon["event_time"] == dt.datetime(2026, 10, 5, 7, 31, 12, 318265)
    assert logon["event_key"] == "DC01.ad.schoolbestuur-voorbeeld.nl:1048213"  # Security
    assert (logon["action"], logon["result"]) == ("4624", "success")
    assert logon["user_name"] == "j.devries"
    assert logon["source_ip"] == "10.20.30.41"  # ::ffff: of an IPv4 client dropped
    assert logon["process"] is None  # "-"
    assert logon["device"] == "DC01.ad.schoolbestuur-voorbeeld.nl"
    raw = json.loads(logon["raw"])
    assert raw["TargetUserName"] == "J.deVries"  # as Sigma's rules name it, at the top
    assert raw["LogonType"] == 3
    assert raw["IpAddress"] == "::ffff:10.20.30.41"
    assert raw["EventID"] == "4624"
    assert raw["Provider_Name"] == "Microsoft-Windows-Security-Auditing"

    assert (failed["result"], failed["failure_code"]) == ("failure", "0xc000006a")
    assert failed["user_name"] == "administrator"
    assert failed["source_ip"] == "203.0.113.77"
    assert failed["process"] == "C:\\Windows\\System32\\svchost.exe"

    # Account management: the administrator acted, the account or group was acted upon.
    assert created["user_name"] == "beheerder.ict"
    assert (created["target_user"], created["target"]) == ("stagiair01", "stagiair01")
    assert created["result"] is None
    assert added["user_name"] == "beheerder.ict"
    assert (added["target_user"], added["target"]) == (None, "Administrators")

    # 1102 keeps its fields under UserData: flattened all the same.
    assert cleared["event_code"] == "1102"
    assert cleared["user_name"] == "beheerder.ict"


def test_flat_exported_events() -> None:
    report, rows = read(FLAT)
    assert (report.records, report.events, report.refused) == (2, 2, 0)
    failed, process = rows
    assert failed["event_time"] == dt.datetime(2026, 10, 5, 7, 31, 12)  # /Date(ms)/
    assert failed["event_key"] == "SRV-FILE01.ad.schoolbestuur-voorbeeld.nl:77120"
    assert (failed["result"], failed["failure_code"]) == ("failure", "0xc0000064")
    assert failed["user_name"] == "m.jansen"
    assert failed["source_ip"] == "198.51.100.23"
    assert process["event_time"] == dt.datetime(2026, 10, 5, 7, 40, 0, 500000)  # TimeGenerated
    assert process["event_code"] == "4688"
    assert process["process"].endswith("powershell.exe")
    assert process["user_name"] == "j.devries"


def test_another_sources_file_is_refused_as_wrong_source() -> None:
    report, rows = read(LOGS / "m365" / "audit.jsonl")
    assert rows == []
    assert report.records == report.refused == 6
    assert {code for _, code in refusals(report)} == {"wrong_source"}
    text_file, _ = read(LOGS / "syslog" / "auth.log")
    assert text_file.events == 0
    assert [code for _, code in refusals(text_file)] == ["invalid_json"]


def test_bad_lines_are_named_and_the_good_ones_kept(tmp_path: Path) -> None:
    lines = DUMP.read_text(encoding="utf-8").splitlines()
    m365 = (LOGS / "m365" / "audit.jsonl").read_text(encoding="utf-8").splitlines()[0]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join([lines[0], "not json at all", m365, lines[1], '"a string"']) + "\n",
        encoding="utf-8",
    )
    report, rows = read(mixed)
    assert report.records == 5
    assert [row["event_code"] for row in rows] == ["4624", "4625"]
    assert refusals(report) == [(2, "invalid_json"), (3, "wrong_source"), (5, "not_object")]


def test_gzipped_json_reads_like_the_plain_file(tmp_path: Path) -> None:
    packed = tmp_path / "dump.jsonl.gz"
    packed.write_bytes(gzip.compress(DUMP.read_bytes()))
    _, plain = read(DUMP)
    report, zipped = read(packed)
    assert (report.events, report.refused) == (5, 0)
    assert zipped == plain


def test_reading_again_adds_nothing_and_counts_duplicates() -> None:
    con = fresh()
    first = read_file(con, REAL_EVTX, WINDOWS)
    again = read_file(con, REAL_EVTX, WINDOWS)
    assert (first.events, first.duplicates) == (5, 0)
    assert (again.events, again.duplicates) == (0, 5)
    dump_first = read_file(con, DUMP, WINDOWS)
    dump_again = read_file(con, DUMP, WINDOWS)
    assert (dump_first.events, dump_again.events, dump_again.duplicates) == (5, 0, 5)
    assert len(events(con)) == 10
