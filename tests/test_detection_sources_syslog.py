"""The syslog source: RFC 3164 (with and without <PRI>, and rsyslog's ISO-time variant) and
RFC 5424 lines, the year of a time that has none, refused lines, users and addresses."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from schildwacht.detection.engine.ingest import connect, create_events_table, read_file
from schildwacht.detection.engine.reading import FileReport
from schildwacht.detection.engine.sources import source
from schildwacht.detection.engine.sources.syslog import NotSyslog, parse_line

pytestmark = pytest.mark.dbless

LOGS = Path(__file__).parent / "data" / "logs"
SYSLOG = source("syslog")
# The sample's lines are from October; the file was last written on 13 October 2026.
WRITTEN = dt.datetime(2026, 10, 13, 12, 0, tzinfo=dt.UTC)


def fresh() -> duckdb.DuckDBPyConnection:
    con = connect()
    create_events_table(con)
    return con


def events(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = con.execute("SELECT * FROM events ORDER BY event_time, message")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def refusals(report: FileReport) -> list[tuple[int | None, str]]:
    return sorted((item.record_no or 0, item.code) for item in report.refusals)


def copy(name: str, folder: Path, written: dt.datetime = WRITTEN) -> Path:
    """A sample copied with the modification time the year rule reads."""
    path = folder / name
    shutil.copyfile(LOGS / "syslog" / name, path)
    os.utime(path, (written.timestamp(), written.timestamp()))
    return path


def read(path: Path) -> tuple[FileReport, list[dict[str, Any]]]:
    con = fresh()
    report = read_file(con, path, SYSLOG)
    return report, events(con)


def test_rfc3164_lines_as_rsyslog_writes_them(tmp_path: Path) -> None:
    report, rows = read(copy("auth.log", tmp_path))
    assert (report.records, report.events, report.refused) == (9, 9, 0)
    assert report.shapes == {"rfc3164": 9}
    by_message = {row["message"]: row for row in rows}

    rotate = rows[0]  # "Oct  2", a day padded with a space
    assert rotate["event_time"] == dt.datetime(2026, 10, 2, 3, 0, 0)
    assert (rotate["action"], rotate["process"]) == ("systemd", "systemd")
    assert rotate["result"] is None

    su = by_message["'su root' failed for lonvick on /dev/pts/8"]
    assert su["event_time"] == dt.datetime(2026, 10, 11, 22, 14, 15)
    assert su["source"] == "syslog"
    assert su["log_type"] == "syslog"
    assert su["device"] == "mymachine"
    assert (su["action"], su["user_name"], su["result"]) == ("su", "lonvick", "failure")

    failed = [row for row in rows if row["message"].startswith("Failed password")]
    # Two identical lines in one second are two events, not a duplicate.
    assert len(failed) == 2
    for row in failed:
        assert (row["user_name"], row["source_ip"], row["result"]) == (
            "admin",
            "203.0.113.77",
            "failure",
        )
        assert row["device"] == "srv-web01"
    assert [json.loads(row["raw"]).get("repeat") for row in failed] == [None, 2]

    invalid = by_message["Invalid user oracle from 203.0.113.77 port 51240"]
    assert (invalid["user_name"], invalid["source_ip"]) == ("oracle", "203.0.113.77")
    pam = next(row for row in rows if row["message"].startswith("pam_unix(sshd:auth)"))
    assert (pam["user_name"], pam["source_ip"], pam["result"]) == (
        "beheerder",
        "198.51.100.23",
        "failure",
    )
    accepted = next(row for row in rows if row["message"].startswith("Accepted publickey"))
    assert (accepted["user_name"], accepted["source_ip"], accepted["result"]) == (
        "beheerder",
        "2001:db8:10::25",
        "success",
    )
    sudo = next(row for row in rows if row["action"] == "sudo")
    assert sudo["user_name"] == "beheerder"
    assert sudo["message"].startswith("beheerder : TTY=pts/0")
    cron = next(row for row in rows if row["action"] == "CRON")
    assert cron["user_name"] is None
    raw = json.loads(cron["raw"])
    assert (raw["format"], raw["host"], raw["app"], raw["pid"]) == (
        "rfc3164",
        "srv-web01",
        "CRON",
        "20311",
    )
    assert "facility" not in raw  # no <PRI> in a file


def test_rfc5424_lines(tmp_path: Path) -> None:
    report, rows = read(copy("rfc5424.log", tmp_path))
    assert (report.records, report.events, report.refused) == (5, 5, 0)
    assert report.shapes == {"rfc5424": 5}
    donuts, su, event_log, no_message, sshd = rows
    # -07:00 becomes UTC; microseconds kept.
    assert donuts["event_time"] == dt.datetime(2003, 8, 24, 12, 14, 15, 3)
    assert (donuts["device"], donuts["action"], donuts["event_code"]) == (
        "192.0.2.1",
        "myproc",
        None,
    )
    raw = json.loads(donuts["raw"])
    assert (raw["facility"], raw["severity"], raw["pid"]) == ("local4", "notice", "8710")

    assert su["event_time"] == dt.datetime(2003, 10, 11, 22, 14, 15, 3000)
    assert (su["event_code"], su["user_name"], su["result"]) == ("ID47", "lonvick", "failure")
    assert json.loads(su["raw"])["facility"] == "auth"

    assert event_log["message"] == "An application event log entry..."  # BOM removed
    assert json.loads(event_log["raw"])["structured_data"] == {
        "exampleSDID@32473": {"iut": "3", "eventSource": "Application", "eventID": "1011"}
    }
    assert no_message["message"] is None
    assert set(json.loads(no_message["raw"])["structured_data"]) == {
        "exampleSDID@32473",
        "examplePriority@32473",
    }

    assert sshd["event_time"] == dt.datetime(2026, 10, 12, 7, 31, 12, 518000)  # +02:00
    assert (sshd["user_name"], sshd["source_ip"], sshd["result"]) == (
        "leraar.jansen",
        "145.100.12.40",
        "success",
    )
    assert json.loads(sshd["raw"])["structured_data"]["meta"] == {
        "note": 'quote "inside" and ] bracket'
    }


def test_rsyslog_high_precision_times(tmp_path: Path) -> None:
    report, rows = read(copy("debian-auth.log", tmp_path))
    assert (report.events, report.refused) == (3, 0)
    failed, closed, sudo = rows
    assert failed["event_time"] == dt.datetime(2026, 10, 12, 7, 31, 12, 518302)
    assert (failed["user_name"], failed["source_ip"], failed["result"]) == (
        "root",
        "203.0.113.77",
        "failure",
    )
    assert closed["result"] is None
    assert (sudo["user_name"], sudo["result"]) == ("jan", "failure")


@pytest.mark.parametrize(
    ("line", "written", "expected"),
    [
        # A file last written on New Year's morning holds December's lines of the year before.
        ("Dec 31 23:59:58 h app: x", dt.datetime(2027, 1, 1, 8, 0), "2026-12-31T23:59:58Z"),
        ("Jan  1 00:00:03 h app: x", dt.datetime(2027, 1, 1, 8, 0), "2027-01-01T00:00:03Z"),
        # Less than a day after the file's time (clocks and zones differ): still this year.
        ("Jan  2 07:59:00 h app: x", dt.datetime(2027, 1, 1, 8, 0), "2027-01-02T07:59:00Z"),
        ("Jan  2 08:00:01 h app: x", dt.datetime(2027, 1, 1, 8, 0), "2026-01-02T08:00:01Z"),
        # 29 February only fits the year before.
        ("Feb 29 10:00:00 h app: x", dt.datetime(2029, 3, 1, 0, 0), "2028-02-29T10:00:00Z"),
    ],
)
def test_the_year_of_a_time_without_one(line: str, written: dt.datetime, expected: str) -> None:
    assert parse_line(line, written.replace(tzinfo=dt.UTC))["timestamp"] == expected


def test_the_year_comes_from_the_files_modification_time(tmp_path: Path) -> None:
    path = tmp_path / "syslog.1"
    path.write_text(
        "Dec 31 23:59:58 srv-web01 sshd[1]: Accepted password for jan from 192.0.2.5 port 1 ssh2\n"
        "Jan  1 00:00:03 srv-web01 sshd[2]: Failed password for jan from 192.0.2.5 port 2 ssh2\n",
        encoding="utf-8",
    )
    new_year = dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.UTC).timestamp()
    os.utime(path, (new_year, new_year))
    _, rows = read(path)
    assert [row["event_time"] for row in rows] == [
        dt.datetime(2026, 12, 31, 23, 59, 58),
        dt.datetime(2027, 1, 1, 0, 0, 3),
    ]


def test_lines_that_are_not_syslog_are_refused_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.log"
    path.write_bytes(
        b"<38>Oct 12 07:31:12 srv-web01 sshd[1]: Accepted password for jan from 192.0.2.5 port 1 ssh2\n"
        b"this is not a syslog line\n"
        b"Oct 12 07:31:13 srv-web01 app: caf\xe9 in Latin-1\n"
        b"<999>Oct 12 07:31:14 srv-web01 app: priority out of range\n"
        b"<165>1 2003-10-11T22:14:15.003Z host app - - [broken sd\n"
        b"\n"
        b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com app - ID47 - fine\n"
    )
    os.utime(path, (WRITTEN.timestamp(), WRITTEN.timestamp()))
    report, rows = read(path)
    assert report.records == 6  # the empty line is no record
    assert [row["message"] for row in rows] == [
        "fine",
        "Accepted password for jan from 192.0.2.5 port 1 ssh2",
    ]
    assert refusals(report) == [
        (2, "invalid_syslog"),
        (3, "not_utf8"),
        (4, "invalid_syslog"),
        (5, "invalid_syslog"),
    ]
    with pytest.raises(NotSyslog):
        parse_line("this is not a syslog line", WRITTEN)


def test_a_json_file_is_no_syslog() -> None:
    report, rows = read(LOGS / "m365" / "audit.jsonl")
    assert rows == []
    assert report.records == report.refused == 6
    assert {code for _, code in refusals(report)} == {"invalid_syslog"}


def test_a_gzipped_rotated_log_reads_like_the_plain_one(tmp_path: Path) -> None:
    plain = copy("auth.log", tmp_path)
    packed = tmp_path / "auth.log.2.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    os.utime(packed, (WRITTEN.timestamp(), WRITTEN.timestamp()))
    _, expected = read(plain)
    report, rows = read(packed)
    assert (report.events, report.refused) == (9, 0)
    assert rows == expected


def test_reading_again_adds_nothing_and_counts_duplicates(tmp_path: Path) -> None:
    path = copy("auth.log", tmp_path)
    con = fresh()
    first = read_file(con, path, SYSLOG)
    again = read_file(con, path, SYSLOG)
    assert (first.events, first.duplicates) == (9, 0)
    assert (again.events, again.duplicates) == (0, 9)
    assert len(events(con)) == 9
