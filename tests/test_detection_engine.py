"""The detection engine without Django: Entra shapes, the Sigma backend's semantics, correlation
windows at their edges, unsupported rules reported, and the generator's attacks found."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.generate_logs import generate
from schildwacht.detection.engine.alerts import Alert, run_rules
from schildwacht.detection.engine.export import export_rules
from schildwacht.detection.engine.ingest import connect, create_events_table, read_file
from schildwacht.detection.engine.rulepack import load_rule_pack
from schildwacht.detection.engine.schema import COLUMN_NAMES
from schildwacht.detection.engine.sources import source
from schildwacht.detection.queries import RULE_TEXTS

pytestmark = pytest.mark.dbless

SIGNIN = source("entra-signin")
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def graph_signin(
    n: int,
    *,
    at: dt.datetime,
    user: str = "Jan@School.nl",
    code: int = 0,
    ip: str = "145.1.2.3",
    detail: str | None = None,
    client: str = "Browser",
    country: str = "NL",
    lat: float = 52.09,
    lon: float = 5.12,
) -> dict[str, Any]:
    return {
        "id": f"id-{n}",
        "createdDateTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "userPrincipalName": user,
        "ipAddress": ip,
        "appDisplayName": "Microsoft Teams",
        "clientAppUsed": client,
        "authenticationRequirement": "multiFactorAuthentication",
        "status": {
            "errorCode": code,
            "failureReason": None if code == 0 else "Fout",
            "additionalDetails": detail,
        },
        "deviceDetail": {
            "displayName": "LAPTOP-1",
            "operatingSystem": "Windows10",
            "browser": "Edge 120",
        },
        "location": {
            "city": "Utrecht",
            "countryOrRegion": country,
            "geoCoordinates": {"latitude": lat, "longitude": lon},
        },
    }


def write_lines(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def alerts_for(
    tmp_path: Path,
    records: list[dict[str, Any]],
    rules: list[Path] | None = None,
    bundled: bool = True,
) -> list[Alert]:
    con = connect()
    create_events_table(con)
    read_file(con, write_lines(tmp_path / "in.jsonl", records), SIGNIN)
    return run_rules(con, load_rule_pack(rules or [], bundled=bundled))


# Entra shapes ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {}
    for shape in ("graph", "monitor", "analytics"):
        folder = tmp_path_factory.mktemp(shape)
        generate(
            folder, events=4000, accounts=400, days=21, seed=11, shape=shape, audit_events=1500
        )
        folders[shape] = folder
    return folders


def _normalised(path: Path) -> list[tuple[Any, ...]]:
    con = connect()
    create_events_table(con)
    report = read_file(con, path, SIGNIN)
    assert report.refused == 0
    columns = ", ".join(name for name in COLUMN_NAMES if name not in ("raw",))
    return con.execute(f"SELECT {columns} FROM events ORDER BY event_key").fetchall()


def test_the_three_entra_shapes_normalise_to_the_same_records(generated: dict[str, Path]) -> None:
    graph = _normalised(generated["graph"] / "signins.jsonl")
    assert len(graph) >= 4000
    assert _normalised(generated["monitor"] / "signins.jsonl") == graph
    assert _normalised(generated["analytics"] / "signins.jsonl") == graph


def test_mixed_shapes_in_one_file_are_each_recognised(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    lines = []
    for shape in ("graph", "monitor", "analytics"):
        with (generated[shape] / "signins.jsonl").open(encoding="utf-8") as handle:
            lines.extend(next(handle) for _ in range(5))
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(lines), encoding="utf-8")
    con = connect()
    create_events_table(con)
    report = read_file(con, mixed, SIGNIN)
    assert report.shapes == {"analytics": 5, "graph": 5, "monitor": 5}
    # The same five sign-ins in three shapes: the first shape read keeps them, the rest are
    # duplicates of the same Entra ids.
    assert (report.events, report.duplicates) == (5, 10)


def test_json_array_graph_page_and_gzip_read_the_same(tmp_path: Path) -> None:
    records = [graph_signin(n, at=START + dt.timedelta(minutes=n)) for n in range(3)]
    (tmp_path / "array.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    (tmp_path / "page.json").write_text(json.dumps({"value": records}), encoding="utf-8")
    with gzip.open(tmp_path / "lines.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(record) + "\n" for record in records))
    for name in ("array.json", "page.json", "lines.jsonl.gz"):
        con = connect()
        create_events_table(con)
        report = read_file(con, tmp_path / name, SIGNIN)
        assert (report.events, report.refused) == (3, 0), name
        row = con.execute(
            "SELECT event_time, user_name, result, country, latitude FROM events "
            "ORDER BY event_time LIMIT 1"
        ).fetchone()
        assert row == (dt.datetime(2026, 3, 2, 8, 0), "jan@school.nl", "success", "NL", 52.09)


def test_result_codes_failures_and_interruptions(tmp_path: Path) -> None:
    records = [
        graph_signin(1, at=START, code=0),
        graph_signin(2, at=START, code=50126),
        graph_signin(3, at=START, code=50074),
    ]
    con = connect()
    create_events_table(con)
    read_file(con, write_lines(tmp_path / "r.jsonl", records), SIGNIN)
    rows = con.execute("SELECT event_key, result, failure_code FROM events ORDER BY 1").fetchall()
    assert rows == [
        ("id-1", "success", None),
        ("id-2", "failure", "50126"),
        ("id-3", "interrupted", "50074"),
    ]


# Bad input --------------------------------------------------------------------------------


def test_bad_lines_are_named_and_the_good_part_kept(tmp_path: Path) -> None:
    good = [json.dumps(graph_signin(n, at=START + dt.timedelta(minutes=n))) for n in range(4)]
    big = json.dumps(graph_signin(9, at=START) | {"padding": "x" * 3_000_000})
    content = (
        (
            good[0]
            + "\n"
            + '{"id": "half", "createdDateTime": \n'  # line 2: broken JSON
            + good[1]
            + "\n"
            + "\n"  # an empty line is no record
            + json.dumps({"kind": "admin#reports#activity", "id": {"time": "x"}})
            + "\n"  # 5: wrong
            + big
            + "\n"  # line 6: several megabytes, still read
            + json.dumps(graph_signin(7, at=START) | {"createdDateTime": "gisteren"})
            + "\n"  # 7
            + "[1, 2]\n"  # line 8: not an object
        ).encode()
        + b'{"id": "\xff\xfe"}\n'
        + (good[2] + "\n" + good[3][:40]).encode()
    )
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    con = connect()
    create_events_table(con)
    report = read_file(con, path, SIGNIN)
    refused = {(item.record_no, item.code) for item in report.refusals}
    assert refused == {
        (2, "invalid_json"),
        (5, "wrong_source"),
        (7, "no_time"),
        (8, "not_object"),
        (9, "not_utf8"),
        (11, "truncated"),
    }
    assert report.events == 4 and report.refused == 6
    assert con.execute("SELECT count(*) FROM events WHERE event_key = 'id-9'").fetchone() == (1,)


def test_a_file_of_another_source_is_refused_record_by_record(
    generated: dict[str, Path],
) -> None:
    con = connect()
    create_events_table(con)
    report = read_file(con, generated["graph"] / "entra-audit.jsonl", SIGNIN)
    assert report.events == 0 and report.refused == report.records > 0
    assert {item.code for item in report.refusals} == {"wrong_source"}
    assert report.refusals[0].record_no == 1


def test_empty_files_and_truncated_arrays(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"  \n")
    records = [graph_signin(n, at=START) for n in range(3)]
    text = json.dumps(records)
    (tmp_path / "cut.json").write_text(text[: text.rindex("{") + 30], encoding="utf-8")
    con = connect()
    create_events_table(con)
    empty = read_file(con, tmp_path / "empty.jsonl", SIGNIN)
    assert (empty.events, [(r.record_no, r.code) for r in empty.refusals]) == (0, [(None, "empty")])
    cut = read_file(con, tmp_path / "cut.json", SIGNIN)
    assert cut.events == 2
    assert [(r.record_no, r.code) for r in cut.refusals] == [(3, "truncated")]


def test_reading_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [graph_signin(n, at=START) for n in range(5)])
    con = connect()
    create_events_table(con)
    assert read_file(con, path, SIGNIN).events == 5
    again = read_file(con, path, SIGNIN)
    assert (again.events, again.duplicates) == (0, 5)


# Sigma backend semantics ------------------------------------------------------------------


def rule_file(tmp_path: Path, detection: str, *, name: str = "r.yml", extra: str = "") -> Path:
    path = tmp_path / name
    path.write_text(
        "title: test\nid: 6f0d1c9e-0000-4000-8000-000000000001\nstatus: test\n"
        "logsource:\n  product: azure\n  service: signinlogs\n"
        f"detection:\n{detection}\nlevel: low\n{extra}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        # Case-insensitive by default, as Sigma says; |cased is exact.
        ("  s:\n    user_name: 'JAN@school.NL'\n  condition: s", {"id-1"}),
        ("  s:\n    user_name|cased: 'JAN@school.NL'\n  condition: s", set()),
        # % and _ are literal characters in a Sigma value, * and ? are wildcards.
        ("  s:\n    client_app: 'Brow_er'\n  condition: s", set()),
        ("  s:\n    client_app: 'Brow?er'\n  condition: s", {"id-1", "id-2"}),
        ("  s:\n    client_app|contains: '%'\n  condition: s", {"id-2"}),
        # Numbers compare with text columns; a number with |gt casts.
        ("  s:\n    failure_code: 50126\n  condition: s", {"id-2"}),
        ("  s:\n    latitude|gt: 52.5\n  condition: s", {"id-2"}),
        # NOT is true for events without the field (SQL's NULL would drop them).
        ("  s:\n    failure_detail: 'x'\n  condition: not s", {"id-1", "id-2"}),
        # Regular expressions run as RE2, with Sigma's i flag.
        ("  s:\n    user_name|re|i: '^JAN@'\n  condition: s", {"id-1"}),
        ("  s:\n    source_ip|cidr: '10.0.0.0/8'\n  condition: s", {"id-2"}),
        # A field that is not a column is read from the original record.
        ("  s:\n    appDisplayName|endswith: 'teams'\n  condition: s", {"id-1", "id-2"}),
        ("  s:\n    status.errorCode: 50126\n  condition: s", {"id-2"}),
        # A keyword without a field searches the whole record.
        ("  keywords:\n    - 'laptop-1'\n  condition: keywords", {"id-1", "id-2"}),
    ],
)
def test_sigma_matching_semantics(tmp_path: Path, detection: str, expected: set[str]) -> None:
    records = [
        graph_signin(1, at=START, user="jan@school.nl"),
        graph_signin(
            2,
            at=START + dt.timedelta(hours=2),
            user="piet@school.nl",
            code=50126,
            ip="10.1.2.3",
            client="Brow%er",
            lat=53.2,
        ),
    ]
    alerts = alerts_for(tmp_path, records, [rule_file(tmp_path, detection)], bundled=False)
    assert {key for alert in alerts for key in alert.event_keys} == expected


# Correlation windows at their edges ---------------------------------------------------------


def failures(user: str, times: list[dt.datetime], start: int = 0) -> list[dict[str, Any]]:
    return [graph_signin(start + n, at=at, user=user, code=50126) for n, at in enumerate(times)]


def brute_force(alerts: list[Alert]) -> list[Alert]:
    return [alert for alert in alerts if alert.rule_id == "brute_force"]


def test_ten_failures_in_exactly_ten_minutes_alert(tmp_path: Path) -> None:
    # Ten failures, the first and the last exactly ten minutes apart: inside the window.
    times = [START + dt.timedelta(seconds=600 * n / 9) for n in range(10)]
    found = brute_force(alerts_for(tmp_path, failures("a@school.nl", times)))
    assert len(found) == 1
    assert (found[0].count, found[0].first_seen, found[0].last_seen) == (
        10,
        START.replace(tzinfo=None),
        (START + dt.timedelta(minutes=10)).replace(tzinfo=None),
    )


def test_ten_failures_a_second_over_ten_minutes_do_not(tmp_path: Path) -> None:
    times = [START + dt.timedelta(seconds=601 * n / 9) for n in range(10)]
    assert brute_force(alerts_for(tmp_path, failures("a@school.nl", times))) == []


def test_nine_failures_do_not_and_other_accounts_do_not_add_up(tmp_path: Path) -> None:
    times = [START + dt.timedelta(seconds=30 * n) for n in range(9)]
    records = failures("a@school.nl", times) + failures("b@school.nl", times, start=100)
    assert brute_force(alerts_for(tmp_path, records)) == []


def test_a_long_attack_is_one_alert_and_a_later_one_another(tmp_path: Path) -> None:
    # 40 failures a minute apart (windows overlap all along), then 12 more a day later.
    times = [START + dt.timedelta(minutes=n) for n in range(40)]
    later = [START + dt.timedelta(days=1, seconds=20 * n) for n in range(12)]
    found = brute_force(alerts_for(tmp_path, failures("a@school.nl", times + later)))
    assert [(alert.count, alert.first_seen.day) for alert in found] == [(40, 2), (12, 3)]


def test_value_count_counts_distinct_accounts(tmp_path: Path) -> None:
    # One IP, 19 accounts twice each: not a spray; the 20th account makes it one.
    times = [START + dt.timedelta(minutes=n) for n in range(40)]
    records = [
        graph_signin(n, at=at, user=f"u{n % 19}@school.nl", code=50126, ip="203.0.113.9")
        for n, at in enumerate(times[:38])
    ]
    spray = [a for a in alerts_for(tmp_path, records) if a.rule_id == "password_spray"]
    assert spray == []
    records.append(
        graph_signin(99, at=times[39], user="u19@school.nl", code=50126, ip="203.0.113.9")
    )
    spray = [a for a in alerts_for(tmp_path, records) if a.rule_id == "password_spray"]
    assert [(a.entity, a.count) for a in spray] == [("203.0.113.9", 39)]


def test_temporal_correlation(tmp_path: Path) -> None:
    rules = tmp_path / "temporal.yml"
    rules.write_text(
        """title: legacy
name: t_legacy
id: 6f0d1c9e-0000-4000-8000-000000000011
logsource: {product: azure, service: signinlogs}
detection: {s: {client_app: IMAP4}, condition: s}
---
title: far
name: t_far
id: 6f0d1c9e-0000-4000-8000-000000000012
logsource: {product: azure, service: signinlogs}
detection: {s: {country: BR}, condition: s}
---
title: both within an hour
name: t_both
id: 6f0d1c9e-0000-4000-8000-000000000013
correlation:
  type: temporal
  rules: [t_legacy, t_far]
  group-by: [user_name]
  timespan: 1h
level: high
""",
        encoding="utf-8",
    )
    records = [
        graph_signin(1, at=START, user="a@x.nl", client="IMAP4"),
        graph_signin(2, at=START + dt.timedelta(minutes=59), user="a@x.nl", country="BR"),
        graph_signin(3, at=START, user="b@x.nl", client="IMAP4"),
        graph_signin(4, at=START + dt.timedelta(minutes=61), user="b@x.nl", country="BR"),
    ]
    found = alerts_for(tmp_path, records, [rules], bundled=False)
    assert [(a.rule_id, a.entity, a.count) for a in found] == [("t_both", "a@x.nl", 2)]


# Unsupported rules ------------------------------------------------------------------------


def test_rules_that_cannot_run_are_reported_with_their_reason(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    rule_file(folder, "  s:\n    user_name|re: '^(?!admin)'\n  condition: s", name="look.yml")
    (folder / "windows.yml").write_text(
        "title: w\nid: 6f0d1c9e-0000-4000-8000-000000000021\nlogsource:\n"
        "  product: windows\n  category: process_creation\n"
        "detection:\n  s:\n    Image|endswith: '\\\\whoami.exe'\n  condition: s\n",
        encoding="utf-8",
    )
    rule_file(
        folder,
        "  s:\n    ResultType: 50126\n  condition: s | count(user_name) by source_ip > 3",
        name="pipe.yml",
        extra="timeframe: 10m\n",
    )
    (folder / "broken.yml").write_text("title: [unclosed\n", encoding="utf-8")
    rule_file(folder, "  s:\n    ResultType: 0\n  condition: s", name="good.yml")
    pack = load_rule_pack([folder], bundled=False)
    assert [rule.rule_id for rule in pack.rules] == ["6f0d1c9e-0000-4000-8000-000000000001"]
    reasons = {Path(item.origin).name: item.reason for item in pack.skipped}
    assert set(reasons) == {"look.yml", "windows.yml", "pipe.yml", "broken.yml"}
    assert "regular expression" in reasons["look.yml"]
    assert "logsource not ingested" in reasons["windows.yml"]
    assert "deprecated" in reasons["pipe.yml"].lower()


def test_the_bundled_pack_loads_completely() -> None:
    pack = load_rule_pack()
    assert pack.skipped == []
    # Every bundled rule has its Dutch title and explanation for the application.
    assert set(RULE_TEXTS) == {rule.rule_id for rule in pack.rules}
    assert all(str(title).strip() and str(why).strip() for title, why in RULE_TEXTS.values())
    assert {rule.rule_id for rule in pack.rules} >= {
        "brute_force",
        "password_spray",
        "mfa_fatigue",
        "impossible_travel",
        "new_country",
        "legacy_auth",
        "admin_role_granted",
        "mfa_method_removed",
        "mailbox_forwarding",
        "mass_download",
        "mass_deletion",
    }


# Every injected attack, no alert on the background ----------------------------------------


def _found(folder: Path, file: str, source_name: str) -> set[tuple[str, str]]:
    con = connect()
    create_events_table(con)
    read_file(con, folder / file, source(source_name))
    return {(a.rule_id, a.entity) for a in run_rules(con, load_rule_pack(), [source_name])}


@pytest.mark.parametrize(
    ("file", "source_name"),
    [
        ("signins.jsonl", "entra-signin"),
        ("entra-audit.jsonl", "entra-audit"),
        ("m365-audit.jsonl", "m365-audit"),
    ],
)
def test_every_injected_attack_is_found_and_nothing_else(
    generated: dict[str, Path], file: str, source_name: str
) -> None:
    folder = generated["graph"]
    truth = {
        (item["rule"], item["entity"])
        for item in json.loads((folder / "truth.json").read_text())
        if item["source"] == source_name
    }
    assert truth
    assert _found(folder, file, source_name) == truth


def test_duckdb_settings_are_explicit() -> None:
    con = connect(memory_limit="256MB", threads=1)
    settings = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'memory_limit')"
        ).fetchall()
    )
    assert settings["threads"] == "1"
    assert settings["memory_limit"].startswith(("244", "256"))
    assert isinstance(con, duckdb.DuckDBPyConnection)


# Odd files found in review ------------------------------------------------------------------


def read_report(path: Path, source_name: str = "entra-signin") -> tuple[Any, int]:
    con = connect()
    create_events_table(con)
    report = read_file(con, path, source(source_name))
    row = con.execute("SELECT count(*) FROM events").fetchone()
    return report, int(row[0]) if row else 0


def test_a_long_or_damaged_first_line_does_not_make_a_document(tmp_path: Path) -> None:
    good = [json.dumps(graph_signin(n, at=START)) for n in range(3)]
    huge = json.dumps(graph_signin(9, at=START) | {"policies": ["p" * 100] * 1000})
    (tmp_path / "long.jsonl").write_text("\n".join([huge, *good]) + "\n", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text(
        "\n".join(['{"id": "x", "createdDateTime": ', *good]) + "\n", encoding="utf-8"
    )
    report, stored = read_report(tmp_path / "long.jsonl")
    assert (stored, report.refused) == (4, 0)
    report, stored = read_report(tmp_path / "bad.jsonl")
    assert stored == 3
    assert [(r.record_no, r.code) for r in report.refusals] == [(1, "invalid_json")]


def test_api_pages_one_per_line_are_unwrapped(tmp_path: Path) -> None:
    pages = [
        {"@odata.context": "x", "value": [graph_signin(n, at=START) for n in range(2)]},
        {"@odata.context": "x", "value": [graph_signin(n, at=START) for n in range(2, 5)]},
    ]
    path = tmp_path / "pages.json"
    path.write_text("".join(json.dumps(page) + "\n" for page in pages), encoding="utf-8")
    report, stored = read_report(path)
    assert (stored, report.refused) == (5, 0)


def test_a_damaged_record_inside_an_array_costs_only_that_record(tmp_path: Path) -> None:
    records = [json.dumps(graph_signin(n, at=START)) for n in range(6)]
    records[2] = records[2].replace('"userPrincipalName"', '"userPrincipalName" ::')
    (tmp_path / "array.json").write_text("[\n" + ",\n".join(records) + "\n]", encoding="utf-8")
    report, stored = read_report(tmp_path / "array.json")
    assert stored == 5
    assert [(r.record_no, r.code) for r in report.refusals] == [(3, "invalid_json")]


def test_a_cut_off_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    lines = "".join(json.dumps(graph_signin(n, at=START)) + "\n" for n in range(3000))
    packed = gzip.compress(lines.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    report, stored = read_report(tmp_path / "cut.jsonl.gz")
    assert stored > 1000
    assert report.refusals[-1].code == "truncated"


def test_bom_surrogates_deep_nesting_and_impossible_years(tmp_path: Path) -> None:
    good = [json.dumps(graph_signin(n, at=START)) for n in range(3)]
    deep = '{"id": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    lines = [
        "\ufeff" + good[0],
        '{"id": "s", "createdDateTime": "2026-03-02T08:00:00Z", "userPrincipalName": "\\ud800"}',
        deep,
        json.dumps(graph_signin(7, at=START) | {"createdDateTime": "12026-03-02T08:00:00Z"}),
        "{broken",
        *good[1:],
    ]
    (tmp_path / "odd.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, stored = read_report(tmp_path / "odd.jsonl")
    assert stored == 3
    assert [(r.record_no, r.code) for r in report.refusals] == [
        (2, "invalid_json"),
        (3, "invalid_json"),
        (4, "no_time"),
        (5, "invalid_json"),
    ]


def test_matches_at_the_same_second_stay_one_alert(tmp_path: Path) -> None:
    records = [
        graph_signin(n, at=START + dt.timedelta(hours=2 * (n == 3)), client="IMAP4")
        for n in (1, 2, 3)
    ]
    found = [a for a in alerts_for(tmp_path, records) if a.rule_id == "legacy_auth"]
    assert [(a.entity, a.count) for a in found] == [("jan@school.nl", 3)]


def test_events_without_the_group_field_do_not_add_up(tmp_path: Path) -> None:
    records = [
        graph_signin(n, at=START + dt.timedelta(seconds=n), user="", code=50126) for n in range(12)
    ]
    assert brute_force(alerts_for(tmp_path, records)) == []


def google_login(n: int, at: dt.datetime, *, email: str, ip: str = "203.0.113.7") -> dict[str, Any]:
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "uniqueQualifier": str(n),
            "applicationName": "login",
            "customerId": "C0",
        },
        "actor": {"email": email, "profileId": "1"},
        "ipAddress": ip,
        "events": [
            {
                "type": "login",
                "name": "login_failure",
                "parameters": [
                    {"name": "login_type", "value": "google_password"},
                    {"name": "login_failure_type", "value": "login_failure_invalid_password"},
                ],
            }
        ],
    }


def test_google_failures_feed_brute_force_and_spray(tmp_path: Path) -> None:
    brute = [
        google_login(n, START + dt.timedelta(seconds=30 * n), email="Piet@School.nl")
        for n in range(10)
    ]
    spray = [
        google_login(
            100 + n,
            START + dt.timedelta(hours=3, minutes=n),
            email=f"u{n}@school.nl",
            ip="198.51.100.4",
        )
        for n in range(20)
    ]
    con = connect()
    create_events_table(con)
    read_file(con, write_lines(tmp_path / "g.jsonl", brute + spray), source("google-login"))
    found = {(a.rule_id, a.entity) for a in run_rules(con, load_rule_pack())}
    assert found == {("brute_force", "piet@school.nl"), ("password_spray", "198.51.100.4")}


def test_sigma_export_lists_a_broken_rule_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    result = export_rules("splunk", [broken])
    assert "broken.yml" in {rule_id for rule_id, _reason in result.not_exported}
    assert "legacy_auth" in {rule.rule_id for rule in result.rules}
