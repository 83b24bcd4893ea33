"""The Microsoft 365 unified audit log source (m365-audit): AuditData records and
Search-UnifiedAuditLog rows with AuditData nested as a string, both normalised alike."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from schildwacht.detection.engine.ingest import connect, create_events_table, read_file
from schildwacht.detection.engine.reading import FileReport
from schildwacht.detection.engine.sources import source

pytestmark = pytest.mark.dbless

LOGS = Path(__file__).parent / "data" / "logs"
AUDIT = LOGS / "m365" / "audit.jsonl"
POWERSHELL = LOGS / "m365" / "search-unifiedauditlog.json"
M365 = source("m365-audit")


def fresh() -> duckdb.DuckDBPyConnection:
    con = connect()
    create_events_table(con)
    return con


def events(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = con.execute("SELECT * FROM events")
    names = [column[0] for column in cursor.description]
    return {
        row[names.index("event_key")]: dict(zip(names, row, strict=True))
        for row in cursor.fetchall()
    }


def refusals(report: FileReport) -> list[tuple[int | None, str]]:
    """The refusals in file order (reading's own come before the normaliser's)."""
    found = [(item.record_no, item.code) for item in report.refusals]
    return sorted(found, key=lambda item: (item[0] is not None, item[0] or 0))


def test_audit_data_records_normalise() -> None:
    con = fresh()
    report = read_file(con, AUDIT, M365)
    assert (report.records, report.events, report.refused) == (6, 6, 0)
    assert report.shapes == {"audit": 6}
    found = events(con)

    rule = found["4f0c1a2e-8b7d-4c3e-9a51-0d2f6e7b8c90"]
    assert rule["event_time"] == dt.datetime(2026, 10, 5, 7, 31, 12)  # CreationTime is UTC
    assert rule["source"] == "m365-audit"
    assert rule["log_type"] == "office_activity"
    assert rule["action"] == "New-InboxRule"
    assert rule["result"] == "success"  # ResultStatus "True"
    assert rule["user_name"] == "j.devries@schoolbestuur-voorbeeld.nl"
    assert rule["source_ip"] == "145.100.12.34"  # the port is gone
    assert rule["target"] == "j.devries@schoolbestuur-voorbeeld.nl\\Doorsturen"
    assert rule["application"] == "Exchange"
    assert rule["forward_to"] == "Jan.Extern@Gmail.com"  # without "smtp:"
    assert rule["forward_external"] is True

    mailbox = found["7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"]
    assert mailbox["source_ip"] == "2001:db8:10::25"  # [IPv6]:port
    assert mailbox["forward_to"] == "secretariaat@schoolbestuur-voorbeeld.nl"  # "SMTP:" too
    assert mailbox["forward_external"] is False  # the board's own domain
    assert mailbox["target"] == "administratie"

    download = found["c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"]
    assert download["action"] == "FileDownloaded"
    assert download["target"] == "Leerlingen 2026.xlsx"  # SourceFileName before ObjectId
    assert download["application"] == "SharePoint"
    assert download["user_agent"].startswith("Mozilla/5.0 (Windows NT 10.0")
    assert download["result"] is None  # SharePoint writes no ResultStatus
    assert download["forward_to"] is None
    assert download["forward_external"] is None

    failed = found["9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0"]
    assert failed["result"] == "failure"
    assert failed["failure_reason"] == "InvalidUserNameOrPassword"
    assert failed["user_name"] == "p.bakker@schoolbestuur-voorbeeld.nl"
    assert failed["source_ip"] == "203.0.113.77"
    assert failed["user_agent"] == "python-requests/2.31.0"  # from ExtendedProperties

    accessed = found["2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6f"]
    assert accessed["source_ip"] == "145.100.12.34"  # ClientIPAddress
    assert accessed["user_agent"] == "Client=OWA;Action=ViaProxy"
    assert accessed["result"] == "success"

    outlook_rule = found["5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"]
    assert outlook_rule["action"] == "UpdateInboxRules"
    assert outlook_rule["source_ip"] == "203.0.113.77"
    assert outlook_rule["target"] == "."  # the rule's name: ObjectId is empty
    assert outlook_rule["forward_to"] == "Extern.Bakker@outlook.com"
    assert outlook_rule["forward_external"] is True


def test_powershell_rows_give_the_events_of_their_audit_data() -> None:
    direct = fresh()
    read_file(direct, AUDIT, M365)
    con = fresh()
    report = read_file(con, POWERSHELL, M365)
    assert (report.records, report.events, report.refused) == (2, 2, 0)
    assert report.shapes == {"powershell": 2}
    nested = events(con)
    expected = events(direct)
    assert set(nested) == {
        "4f0c1a2e-8b7d-4c3e-9a51-0d2f6e7b8c90",
        "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
    }
    for key, row in nested.items():
        # The row's own CreationDate is the exporter's local time; the nested UTC one counts.
        assert {k: v for k, v in row.items() if k != "raw"} == {
            k: v for k, v in expected[key].items() if k != "raw"
        }


def test_a_damaged_nested_audit_data_is_refused_not_fatal(tmp_path: Path) -> None:
    rows = json.loads(POWERSHELL.read_text(encoding="utf-8"))
    rows[0]["AuditData"] = rows[0]["AuditData"][:80]
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    report = read_file(fresh(), path, M365)
    assert report.events == 1
    assert refusals(report) == [(1, "no_time")]


def test_another_sources_file_is_refused_as_wrong_source() -> None:
    report = read_file(fresh(), LOGS / "google" / "login.json", M365)
    assert (report.records, report.events, report.refused) == (5, 0, 5)
    assert refusals(report) == [(number, "wrong_source") for number in range(1, 6)]
    # And the other way round: these records are no Entra sign-ins.
    entra = read_file(fresh(), AUDIT, source("entra-signin"))
    assert (entra.events, entra.refused) == (0, 6)
    assert {code for _, code in refusals(entra)} == {"wrong_source"}


def test_bad_lines_are_named_and_the_good_ones_kept(tmp_path: Path) -> None:
    lines = AUDIT.read_text(encoding="utf-8").splitlines()
    google = (LOGS / "google" / "admin.jsonl").read_text(encoding="utf-8").splitlines()[0]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join([lines[0], '{"Operation": "Set-Mailbox", "Id": ', google, lines[2], "[1, 2]"])
        + "\n",
        encoding="utf-8",
    )
    con = fresh()
    report = read_file(con, mixed, M365)
    assert report.records == 5
    assert report.events == 2
    assert refusals(report) == [(2, "invalid_json"), (3, "wrong_source"), (5, "not_object")]
    assert set(events(con)) == {
        "4f0c1a2e-8b7d-4c3e-9a51-0d2f6e7b8c90",
        "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
    }


def test_gzip_reads_like_the_plain_file(tmp_path: Path) -> None:
    packed = tmp_path / "audit.jsonl.gz"
    packed.write_bytes(gzip.compress(AUDIT.read_bytes()))
    plain, zipped = fresh(), fresh()
    read_file(plain, AUDIT, M365)
    report = read_file(zipped, packed, M365)
    assert (report.events, report.refused) == (6, 0)
    assert events(zipped) == events(plain)


def test_reading_again_adds_nothing_and_counts_duplicates() -> None:
    con = fresh()
    first = read_file(con, AUDIT, M365)
    again = read_file(con, AUDIT, M365)
    assert (first.events, first.duplicates) == (6, 0)
    assert (again.events, again.duplicates) == (0, 6)
    # The same records exported through PowerShell are the same events.
    nested = read_file(con, POWERSHELL, M365)
    assert (nested.events, nested.duplicates) == (0, 2)
    row = con.execute("SELECT count(*) FROM events").fetchone()
    assert row is not None and row[0] == 6
