"""The Google Workspace sources (Admin SDK Reports API activities): login, admin, drive and
user_accounts, from the API's page or from JSON lines."""

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

GOOGLE = Path(__file__).parent / "data" / "logs" / "google"
FILES = {
    "google-login": GOOGLE / "login.json",
    "google-admin": GOOGLE / "admin.jsonl",
    "google-drive": GOOGLE / "drive.jsonl",
    "google-user-accounts": GOOGLE / "user_accounts.jsonl",
}
COUNTS = {"google-login": 5, "google-admin": 3, "google-drive": 3, "google-user-accounts": 3}


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


def read(name: str, path: Path | None = None) -> tuple[FileReport, list[dict[str, Any]]]:
    con = fresh()
    report = read_file(con, path or FILES[name], source(name))
    return report, events(con)


def test_login_activities_from_the_api_page() -> None:
    report, rows = read("google-login")
    assert (report.records, report.events, report.refused) == (5, 5, 0)
    assert report.shapes == {"reports-api": 5}
    failure, success, challenge_failed, challenge_passed, saml = rows
    assert failure["source"] == "google-login"
    assert failure["log_type"] == "signin"
    assert failure["event_time"] == dt.datetime(2026, 10, 5, 7, 31, 12, 481000)
    assert failure["event_key"] == "2026-10-05T07:31:12.481Z/-4518937461298371203"
    assert failure["action"] == "login_failure"
    assert failure["result"] == "failure"
    assert failure["failure_reason"] == "login_failure_invalid_password"
    assert failure["user_name"] == "j.devries@schoolbestuur-voorbeeld.nl"  # lower case
    assert failure["source_ip"] == "203.0.113.45"
    assert failure["auth_requirement"] == "google_password"  # no is_second_factor: login_type

    # Same time as the failure, told apart by the unique qualifier.
    assert success["event_time"] == failure["event_time"]
    assert success["event_key"] != failure["event_key"]
    assert success["result"] == "success"
    assert success["auth_requirement"] == "multiFactorAuthentication"
    assert success["source_ip"] == "2001:db8:4:12::1a"
    assert success["failure_reason"] is None

    assert (challenge_failed["action"], challenge_failed["result"]) == (
        "login_challenge",
        "failure",
    )
    assert (challenge_passed["action"], challenge_passed["result"]) == ("login_challenge", None)

    assert saml["auth_requirement"] == "saml"
    assert saml["user_name"] == "leerling.4821@leerling.schoolbestuur-voorbeeld.nl"


def test_admin_activities_take_their_first_event() -> None:
    report, rows = read("google-admin")
    assert (report.events, report.refused) == (3, 0)
    role, setting, created = rows
    assert role["log_type"] == "directory_audit"
    assert role["action"] == "ASSIGN_ROLE"
    assert role["user_name"] == "admin.beheer@schoolbestuur-voorbeeld.nl"
    assert role["target_user"] == "p.bakker@schoolbestuur-voorbeeld.nl"
    assert role["target"] == "_SEED_ADMIN_ROLE"
    assert role["message"] == "DELEGATED_ADMIN_SETTINGS"
    assert role["application"] == "admin"

    assert setting["action"] == "CHANGE_APPLICATION_SETTING"
    assert setting["target"] == (
        "Allow users to automatically forward incoming email to another address"
    )
    assert setting["target_user"] is None

    # Two events in one activity: the first describes it, the second stays in raw.
    assert created["action"] == "CREATE_USER"
    assert created["target_user"] == "stagiair@schoolbestuur-voorbeeld.nl"
    assert json.loads(created["raw"])["events"][1]["name"] == "ADD_GROUP_MEMBER"


def test_drive_activities() -> None:
    report, rows = read("google-drive")
    assert (report.events, report.refused) == (3, 0)
    download, shared, trashed = rows
    assert download["log_type"] == "file_activity"
    assert download["action"] == "download"
    assert download["target"] == "Leerlingen 2026 - zorgoverzicht"
    assert download["application"] == "drive"
    assert download["user_name"] == "m.jansen@schoolbestuur-voorbeeld.nl"
    assert download["event_time"] == dt.datetime(2026, 10, 7, 14, 2, 11, 335000)
    assert shared["action"] == "change_user_access"
    assert shared["target_user"] == "ouder.privé@gmail.com"
    assert (trashed["action"], trashed["target"]) == ("trash", "Personeelsdossiers")


def test_user_account_changes() -> None:
    report, rows = read("google-user-accounts")
    assert (report.events, report.refused) == (3, 0)
    assert [row["action"] for row in rows] == [
        "2sv_disable",
        "recovery_email_edit",
        "password_edit",
    ]
    for row in rows:
        assert row["log_type"] == "directory_audit"
        assert row["user_name"] == "j.devries@schoolbestuur-voorbeeld.nl"
        assert row["target_user"] == "j.devries@schoolbestuur-voorbeeld.nl"  # their own account
        assert row["source_ip"] == "203.0.113.45"


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("google-login", "google-drive"),
        ("google-admin", "google-login"),
        ("google-drive", "google-user-accounts"),
        ("google-user-accounts", "google-admin"),
    ],
)
def test_another_applications_file_is_refused_as_wrong_source(name: str, other: str) -> None:
    report, rows = read(name, FILES[other])
    assert rows == []
    assert report.records == report.refused == COUNTS[other]
    assert refusals(report) == [(number, "wrong_source") for number in range(1, COUNTS[other] + 1)]


def test_bad_lines_are_named_and_the_good_ones_kept(tmp_path: Path) -> None:
    admin = (GOOGLE / "admin.jsonl").read_text(encoding="utf-8").splitlines()
    drive = (GOOGLE / "drive.jsonl").read_text(encoding="utf-8").splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(
        "\n".join([admin[0], drive[0], admin[1], '{"kind": "admin#reports#act']).encode()
        + b"\n"
        + b'{"kind": "\xff"}\n'
        + admin[2].encode()
        + b"\n"
    )
    report, rows = read("google-admin", mixed)
    assert report.records == 6
    assert [row["action"] for row in rows] == [
        "ASSIGN_ROLE",
        "CHANGE_APPLICATION_SETTING",
        "CREATE_USER",
    ]
    assert refusals(report) == [(2, "wrong_source"), (4, "invalid_json"), (5, "not_utf8")]


def test_a_gzipped_api_page_reads_like_the_plain_one(tmp_path: Path) -> None:
    packed = tmp_path / "login.json.gz"
    packed.write_bytes(gzip.compress(FILES["google-login"].read_bytes()))
    _, plain = read("google-login")
    report, zipped = read("google-login", packed)
    assert (report.events, report.refused) == (5, 0)
    assert zipped == plain


def test_reading_again_adds_nothing_and_counts_duplicates() -> None:
    con = fresh()
    login = source("google-login")
    first = read_file(con, FILES["google-login"], login)
    again = read_file(con, FILES["google-login"], login)
    assert (first.events, first.duplicates) == (5, 0)
    assert (again.events, again.duplicates) == (0, 5)
    assert len(events(con)) == 5
