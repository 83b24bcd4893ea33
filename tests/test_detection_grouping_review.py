"""Two review findings of the detection engine.

Correlations: the matching events are counted per merged hit span with an ASOF join, not a
range join of every event with every span; the results are those of the range join (kept
here as the reference) on edges and on randomized inputs.

Sigma keywords: a keyword matches the values of a record (unescaped, nested, in arrays) or a
free-text source's message, never a key name of the record's JSON.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sigma.collection import SigmaCollection

from schildwacht.detection.engine import sigma_duckdb
from schildwacht.detection.engine.alerts import Alert, run_rules
from schildwacht.detection.engine.grouping import SAMPLE_SIZE, interval, windowed_threshold
from schildwacht.detection.engine.ingest import connect, create_events_table, read_file
from schildwacht.detection.engine.rulepack import load_rule_pack
from schildwacht.detection.engine.schema import COLUMN_NAMES
from schildwacht.detection.engine.sigma_duckdb import DuckDBBackend, record_values_sql
from schildwacht.detection.engine.sources import source

pytestmark = pytest.mark.dbless

START = dt.datetime(2026, 3, 2, 8, 0)
SYSLOG_SAMPLES = Path(__file__).parent / "data" / "logs" / "syslog"


def reference_windowed_threshold(
    matches: str, measure: str, operator: str, threshold: int, span: int
) -> str:
    """The formulation before the review, verbatim: a range join of the matching events with
    the merged spans, O(events × spans) per entity."""
    frame = (
        f"PARTITION BY entity ORDER BY event_time "
        f"RANGE BETWEEN {interval(span)} PRECEDING AND CURRENT ROW"
    )
    return f"""
WITH m AS ({matches}),
w AS (
  SELECT entity, event_time, {measure} OVER win AS measure, min(event_time) OVER win AS start
  FROM m WINDOW win AS ({frame})
),
hits AS (SELECT entity, start, event_time AS hit FROM w WHERE measure {operator} {int(threshold)}),
h AS (
  SELECT *, CASE WHEN start <= max(hit) OVER (PARTITION BY entity ORDER BY hit, start
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts
  FROM hits
),
r AS (
  SELECT *, sum(starts) OVER (PARTITION BY entity ORDER BY hit, start ROWS UNBOUNDED PRECEDING)
    AS grp
  FROM h
),
spans AS (SELECT entity, min(start) AS first_seen, max(hit) AS last_seen FROM r GROUP BY entity, grp)
SELECT spans.entity, spans.first_seen, spans.last_seen, count(*) AS count,
  list(m.event_key ORDER BY m.event_time)[1:{SAMPLE_SIZE}] AS keys
FROM spans JOIN m ON m.entity = spans.entity
  AND m.event_time BETWEEN spans.first_seen AND spans.last_seen
GROUP BY spans.entity, spans.first_seen, spans.last_seen
"""


# One matching event: entity, seconds after START, key, value (for count(DISTINCT value)) and
# the rule it matched (for temporal correlations).
Match = tuple[str | None, int | None, str, str, str]


def match_table(rows: list[Match]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE m (entity VARCHAR, event_time TIMESTAMP, event_key VARCHAR, "
        "value VARCHAR, rule_name VARCHAR)"
    )
    con.executemany(
        "INSERT INTO m VALUES (?, ?, ?, ?, ?)",
        [
            (entity, None if at is None else START + dt.timedelta(seconds=at), key, value, rule)
            for entity, at, key, value, rule in rows
        ],
    )
    return con


Row = tuple[str, dt.datetime, dt.datetime, int, list[str]]


def alert_rows(
    con: duckdb.DuckDBPyConnection,
    measure: str = "count(*)",
    operator: str = ">=",
    threshold: int = 3,
    span: int = 60,
    *,
    reference: bool = False,
) -> list[Row]:
    build = reference_windowed_threshold if reference else windowed_threshold
    sql = build("SELECT * FROM m", measure, operator, threshold, span)
    return sorted(con.execute(sql).fetchall())


def spans(rows: list[Row]) -> list[tuple[str, int, int, int]]:
    """Alerts as (entity, first second, last second, count)."""
    return [
        (
            entity,
            int((first - START).total_seconds()),
            int((last - START).total_seconds()),
            count,
        )
        for entity, first, last, count, _ in rows
    ]


# Correlation spans at their edges --------------------------------------------------------------


def test_events_exactly_at_a_span_start_and_end_count_and_those_outside_do_not() -> None:
    # a: 0, 30 and 60 are three within the 60 s window (inclusive at both ends); -61 and 121
    # are matching events outside every hit window.
    a = [("a", at, f"a{at}", "v", "r") for at in (-61, 0, 30, 60, 121)]
    # b, interleaved with a: -1, 29, 59 hit at 59, and 29, 59, 61 at 61; the two overlap and
    # become one alert from -1 to 61 that must not count a's events in that time.
    b = [("b", at, f"b{at}", "v", "r") for at in (-1, 29, 59, 61)]
    con = match_table(a + b)
    rows = alert_rows(con)
    assert spans(rows) == [("a", 0, 60, 3), ("b", -1, 61, 4)]
    assert [keys for *_, keys in rows] == [["a0", "a30", "a60"], ["b-1", "b29", "b59", "b61"]]
    assert rows == alert_rows(con, reference=True)


def test_equal_timestamps_are_one_alert_with_every_event() -> None:
    # Three at one second hit at once; two more at the window's far edge belong to it too.
    rows_in = [("c", 100, f"c{n}", "v", "r") for n in range(3)]
    rows_in += [("c", 160, f"c-late{n}", "v", "r") for n in range(2)]
    # d: two at one second are not three; a third at the same second of another entity
    # does not help.
    rows_in += [("d", 100, f"d{n}", "v", "r") for n in range(2)] + [("e", 100, "e0", "v", "r")]
    con = match_table(rows_in)
    rows = alert_rows(con)
    assert spans(rows) == [("c", 100, 160, 5)]
    # Events of one second come in no defined order.
    keys = rows[0][4]
    assert (sorted(keys[:3]), sorted(keys[3:])) == (["c0", "c1", "c2"], ["c-late0", "c-late1"])
    assert spans(alert_rows(con, reference=True)) == spans(rows)


def test_events_without_entity_or_time_raise_nothing() -> None:
    rows_in: list[Match] = [(None, n, f"n{n}", "v", "r") for n in range(5)]
    rows_in += [("f", None, f"f{n}", "v", "r") for n in range(5)]
    rows_in += [("f", n, f"g{n}", "v", "r") for n in range(2)]
    con = match_table(rows_in)
    assert alert_rows(con) == alert_rows(con, reference=True) == []


def test_a_sample_holds_the_first_keys_in_time_order() -> None:
    con = match_table([("h", 50 - n, f"h{50 - n:02}", "v", "r") for n in range(50)])
    rows = alert_rows(con, threshold=3, span=10)
    assert spans(rows) == [("h", 1, 50, 50)]
    assert rows[0][4] == [f"h{n:02}" for n in range(1, SAMPLE_SIZE + 1)]


def _times_of_keys(rows: list[Row], time_of: dict[str, int]) -> list[Any]:
    """Alerts with their sample as times: which of two events of one second comes first in
    the sample is not defined, by either formulation."""
    return [(*row[:4], [time_of[key] for key in row[4]]) for row in rows]


@pytest.mark.parametrize("seed", range(6))
def test_the_asof_join_gives_what_the_range_join_gave(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, no secret
    entities = [None, "*", "x", "y", "z"]
    rows_in: list[Match] = []
    for n in range(rng.randint(200, 600)):
        # Seconds from a narrow range, so equal timestamps, bursts and gaps all occur.
        at = rng.randint(0, 3000) if rng.random() < 0.97 else None
        rows_in.append(
            (
                rng.choice(entities),
                at,
                f"k{n}",
                rng.choice("abcdef"),
                rng.choice(("r1", "r2")),
            )
        )
    time_of = {key: at for _, at, key, _, _ in rows_in if at is not None}
    con = match_table(rows_in)
    cases = [
        ("count(*)", ">=", rng.randint(2, 5), rng.choice((30, 60, 120))),
        ("count(*)", ">", rng.randint(2, 5), 60),
        ("count(*)", "=", 4, 90),
        ("count(DISTINCT value)", ">=", rng.randint(2, 4), 120),
        ("count(DISTINCT rule_name)", ">=", 2, 30),
    ]
    for measure, operator, threshold, span in cases:
        new = alert_rows(con, measure, operator, threshold, span)
        old = alert_rows(con, measure, operator, threshold, span, reference=True)
        assert _times_of_keys(new, time_of) == _times_of_keys(old, time_of), (measure, operator)
        # The sample's keys are the entity's events inside the span.
        for entity, first, last, _, keys in new:
            inside = {
                key
                for who, at, key, _, _ in rows_in
                if who == entity
                and at is not None
                and first <= START + dt.timedelta(seconds=at) <= last
            }
            assert set(keys) <= inside


def test_unique_times_give_identical_rows() -> None:
    rng = random.Random(99)  # noqa: S311 - reproducible test data, no secret
    times = rng.sample(range(20000), 1500)
    rows_in: list[Match] = [(rng.choice(("p", "q")), at, f"k{at}", "v", "r") for at in times]
    con = match_table(rows_in)
    new = alert_rows(con, threshold=4, span=60)
    assert new
    assert new == alert_rows(con, threshold=4, span=60, reference=True)


# A correlation without group-by over many bursts, end to end --------------------------------


CORRELATION = """title: failure
name: review_failure
id: 6f0d1c9e-0000-4000-8000-000000000101
logsource: {product: azure, service: signinlogs}
detection: {s: {result: failure}, condition: s}
---
title: many failures anywhere
name: review_failures_anywhere
id: 6f0d1c9e-0000-4000-8000-000000000102
correlation:
  type: event_count
  rules: [review_failure]
  timespan: 10m
  condition: {gte: 5}
level: medium
"""


def signin(n: int, at: dt.datetime, **extra: Any) -> dict[str, Any]:
    """A Graph sign-in record; ``extra`` adds or replaces top-level fields."""
    record: dict[str, Any] = {
        "id": f"id-{n}",
        "createdDateTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "userPrincipalName": f"user{n % 7}@school.nl",
        "ipAddress": "145.1.2.3",
        "appDisplayName": "Microsoft Teams",
        "clientAppUsed": "Browser",
        "status": {"errorCode": 50126, "failureReason": "Fout", "additionalDetails": None},
        "deviceDetail": {"displayName": "LAPTOP-1", "operatingSystem": "Windows10"},
        "location": {"city": "Utrecht", "countryOrRegion": "NL"},
    }
    record.update(extra)
    return record


def test_a_correlation_without_group_by_over_200_bursts(tmp_path: Path) -> None:
    # 2,000 failures of many accounts: 200 bursts of ten, ten seconds apart, an hour apart.
    records = [
        signin(burst * 10 + n, START + dt.timedelta(hours=burst, seconds=10 * n))
        for burst in range(200)
        for n in range(10)
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    rules = tmp_path / "correlation.yml"
    rules.write_text(CORRELATION, encoding="utf-8")
    con = connect()
    create_events_table(con)
    read_file(con, path, source("entra-signin"))
    pack = load_rule_pack([rules], bundled=False)
    assert pack.skipped == []
    alerts = run_rules(con, pack)
    assert len(alerts) == 200
    assert {(alert.entity, alert.count) for alert in alerts} == {("*", 10)}
    assert [alert.first_seen for alert in alerts] == [
        START + dt.timedelta(hours=burst) for burst in range(200)
    ]
    assert alerts[7].event_keys == tuple(f"id-{70 + n}" for n in range(SAMPLE_SIZE))
    # The same through the range join, from the rule's own matches.
    (sql,) = [rule.sql for rule in pack.rules]
    matches = sql[sql.index("WITH m AS (") + len("WITH m AS (") : sql.index("),\nw AS (")]
    old = con.execute(reference_windowed_threshold(matches, "count(*)", ">=", 5, 600)).fetchall()
    assert sorted(con.execute(sql).fetchall()) == sorted(old)


# Sigma keywords ---------------------------------------------------------------------------------


def keyword_rule(keywords: str, logsource: str = "{product: azure, service: signinlogs}") -> str:
    return (
        "title: keywords\nid: 6f0d1c9e-0000-4000-8000-000000000201\n"
        f"logsource: {logsource}\n"
        f"detection:\n  keywords:\n{keywords}\n  condition: keywords\nlevel: low\n"
    )


def condition(keywords: str) -> str:
    (converted,) = DuckDBBackend().convert(SigmaCollection.from_yaml(keyword_rule(keywords)))
    assert isinstance(converted, str)
    return converted


def events_table(raws: dict[str, str], log_type: str = "signin") -> duckdb.DuckDBPyConnection:
    """An ``events`` table of records given as their JSON text, exactly, by event key."""
    con = duckdb.connect(":memory:")
    columns = ", ".join(f'"{name}" VARCHAR' for name in COLUMN_NAMES)
    con.execute(f"CREATE TABLE events ({columns})")
    con.executemany(
        "INSERT INTO events (event_key, log_type, raw) VALUES (?, ?, ?)",
        [[key, log_type, raw] for key, raw in raws.items()],
    )
    return con


def matching(raws: dict[str, str], keywords: str) -> set[str]:
    """The keys of the records a keyword rule matches."""
    con = events_table(raws)
    cursor = con.execute(f"SELECT event_key FROM events WHERE {condition(keywords)}")
    return {key for (key,) in cursor.fetchall()}


RECORDS = {
    # As a Graph export writes them: non-ASCII and the slash escaped.
    "escaped": (
        '{"id": "1", "status": {"errorCode": 50126}, "displayName": "Caf\\u00e9 \\/ kantine", '
        '"path": "C:\\\\Users\\\\jan", "note": "zei \\"hallo\\"", "name": "\\u0130brahim"}'
    ),
    # Nested objects and arrays; true and null values; a key named like a value elsewhere.
    "nested": (
        '{"id": "2", "deviceDetail": {"browser": "Edge 120", "isCompliant": true, '
        '"trustType": null}, "appliedConditionalAccessPolicies": [{"displayName": "CA01 MFA", '
        '"enforcedGrantControls": ["Block", "Mfa"]}], "scores": [[7, 2.5]], '
        '"kantine": "x"}'
    ),
}


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        # Key names match nothing, at the top or nested.
        ("    - id", set()),
        ("    - status", set()),
        ("    - errorCode", set()),
        ("    - isCompliant", set()),
        ("    - enforcedGrantControls", set()),
        # A key in one record, a value in the other: only the value counts.
        ("    - kantine", {"escaped"}),
        # Escaped characters match as the characters they stand for.
        ("    - 'café'", {"escaped"}),
        ("    - 'CAFÉ / KANTINE'", {"escaped"}),
        ("    - 'C:\\Users\\jan'", {"escaped"}),
        ("    - 'zei \"hallo\"'", {"escaped"}),
        # DuckDB's ILIKE lowers "İ" to i: the escaped \u0130 must not hide it.
        ("    - 'ibrahim'", {"escaped"}),
        # Values nested in objects and arrays, numbers included.
        ("    - 'edge 12'", {"nested"}),
        ("    - 'ca01 mfa'", {"nested"}),
        ("    - 'block'", {"nested"}),
        ("    - 2.5", {"nested"}),
        ("    - 50126", {"escaped"}),
        ("    - '5012'", {"escaped"}),
        # true, false and null are no text to search.
        ("    - 'true'", set()),
        ("    - 'null'", set()),
        # Wildcards as everywhere in Sigma, % and _ literal; several keywords are ORed.
        ("    - 'ed?e*mfa'", set()),
        ("    - 'ed?e 1*0'", {"nested"}),
        ("    - 'caf_'", set()),
        ("    - 'zzz'\n    - 'BLOCK'\n    - '*jan'", {"escaped", "nested"}),
        # |cased compares exactly.
        ("    '|cased':\n      - 'Block'", {"nested"}),
        ("    '|cased':\n      - 'BLOCK'", set()),
        ("    '|cased':\n      - 'Café'", {"escaped"}),
        # |all wants every keyword, in any of the values.
        ("    '|all':\n      - 'edge'\n      - 'mfa'", {"nested"}),
        ("    '|all':\n      - 'edge'\n      - 'café'", set()),
    ],
)
@pytest.mark.parametrize("unpacking", ["by path", "by tokens"])
def test_keywords_match_values_not_keys(
    keywords: str, expected: set[str], unpacking: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if unpacking == "by tokens":  # as for a record too deep for $..*
        monkeypatch.setattr(sigma_duckdb, "UNPACK_LIMIT", 0)
    assert matching(RECORDS, keywords) == expected


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value with the characters that need escaping, in keys and values alike."""
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        kind = rng.random()
        if kind < 0.5:
            return "".join(
                rng.choice('ab"\\/:{}[],é\u0130\n\t 1-') for _ in range(rng.randint(0, 8))
            )
        if kind < 0.75:
            return rng.choice([0, -1, 2.5, 1e5, 12345678901234567890, -0.0, 3.0e-7])
        return rng.choice([True, False, None])
    if roll < 0.7:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        "".join(rng.choice('ab"\\:é ') for _ in range(rng.randint(0, 4))): _random_value(
            rng, depth + 1
        )
        for _ in range(rng.randint(0, 4))
    }


def test_both_unpackings_find_the_same_values() -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible test data, no secret
    raws = []
    for _ in range(2000):
        text = json.dumps(
            {"k": _random_value(rng), "m": _random_value(rng)},
            ensure_ascii=rng.random() < 0.5,
            separators=rng.choice([(",", ":"), (", ", ": ")]),
        )
        raws.append(text.replace("/", "\\/") if rng.random() < 0.3 else text)
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE events AS SELECT unnest(?) AS raw", [raws])
    by_path, by_tokens = record_values_sql(10**12), record_values_sql(0)
    rows = con.execute(
        f"SELECT raw, list_sort({by_path}), list_sort({by_tokens}) FROM events"
    ).fetchall()
    assert [row for row in rows if row[1] != row[2]] == []
    # They are the strings Python finds, unescaped, and the numbers; no key, no true or null.
    for raw, _, found in rows:
        strings, numbers = _scalars(json.loads(raw))
        remaining = list(found)
        for text in strings:
            remaining.remove(text)  # fails for a string missing or not unescaped
        assert len(remaining) == numbers


def _scalars(value: Any) -> tuple[list[str], int]:
    """The strings of a JSON value, and how many numbers it holds."""
    if isinstance(value, dict | list):
        strings: list[str] = []
        numbers = 0
        for child in value.values() if isinstance(value, dict) else value:
            more, count = _scalars(child)
            strings += more
            numbers += count
        return strings, numbers
    if isinstance(value, str):
        return [value], 0
    return [], int(isinstance(value, int | float) and not isinstance(value, bool))


def test_a_deep_record_is_searched_in_linear_time() -> None:
    # 100,000 levels: $..* would write some 10^10 characters; the tokens take milliseconds.
    deep = '{"id": "deep", "x": ' + "[" * 100_000 + '"Needle \\u00e9"' + "]" * 100_000 + "}"
    raws = {"deep": deep, "flat": '{"Needle": "x"}'}
    assert matching(raws, "    - 'needle é'") == {"deep"}
    assert matching(raws, "    - 'x'") == {"flat"}


def test_not_keywords_keeps_the_records_without_them() -> None:
    rule = keyword_rule("    - 'block'").replace("condition: keywords", "condition: not keywords")
    (converted,) = DuckDBBackend().convert(SigmaCollection.from_yaml(rule))
    con = events_table(RECORDS)
    cursor = con.execute(f"SELECT event_key FROM events WHERE {converted}")
    assert cursor.fetchall() == [("escaped",)]


def test_a_free_text_record_is_searched_in_its_message() -> None:
    raw = json.dumps({"format": "rfc3164", "host": "srv", "message": "Failed password for x"})
    con = events_table({"k": raw}, log_type="syslog")
    con.execute("UPDATE events SET message = 'Failed password for x'")
    for keywords, found in (
        ("    - 'failed PASSWORD'", 1),
        ("    - 'rfc3164'", 0),  # a field of the reader's parse, not of the line's text
        ("    - 'message'", 0),
    ):
        cursor = con.execute(f"SELECT count(*) FROM events WHERE {condition(keywords)}")
        assert cursor.fetchone() == (found,), keywords


def _alerts(con: duckdb.DuckDBPyConnection, tmp_path: Path, rule: str) -> list[Alert]:
    path = tmp_path / "rule.yml"
    path.write_text(rule, encoding="utf-8")
    pack = load_rule_pack([path], bundled=False)
    assert pack.skipped == []
    return run_rules(con, pack)


def test_syslog_messages_match_keywords_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "auth.log"
    shutil.copyfile(SYSLOG_SAMPLES / "auth.log", path)
    written = dt.datetime(2026, 10, 13, 12, 0, tzinfo=dt.UTC).timestamp()
    os.utime(path, (written, written))
    con = connect()
    create_events_table(con)
    read_file(con, path, source("syslog"))
    logsource = "{product: linux, service: auth}"

    def messages(keywords: str) -> list[str]:
        found = _alerts(con, tmp_path, keyword_rule(keywords, logsource))
        keys = [key for alert in found for key in alert.event_keys]
        cursor = con.execute(
            "SELECT message FROM events WHERE event_key IN (SELECT unnest(?)) ORDER BY message",
            [keys],
        )
        return [message for (message,) in cursor.fetchall()]

    assert messages("    - 'invalid user'") == [
        "Failed password for invalid user admin from 203.0.113.77 port 51234 ssh2",
        "Failed password for invalid user admin from 203.0.113.77 port 51234 ssh2",
        "Invalid user oracle from 203.0.113.77 port 51240",
    ]
    assert messages("    - 'COMMAND=/usr/bin/systemctl'") == [
        "beheerder : TTY=pts/0 ; PWD=/home/beheerder ; USER=root ; "
        "COMMAND=/usr/bin/systemctl restart nginx"
    ]
    assert messages("    - 'rfc3164'") == []


def test_keywords_end_to_end_on_entra_signins(tmp_path: Path) -> None:
    records = [
        signin(1, START, deviceDetail={"displayName": "LAPTOP-Ü", "browser": "Edge 120"}),
        signin(2, START + dt.timedelta(hours=3), ipAddress="10.0.0.1"),
    ]
    path = tmp_path / "in.jsonl"
    # ensure_ascii: the record keeps Ü as \u00dc, as many exports do.
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    con = connect()
    create_events_table(con)
    read_file(con, path, source("entra-signin"))

    def keys(keywords: str) -> set[str]:
        found = _alerts(con, tmp_path, keyword_rule(keywords))
        return {key for alert in found for key in alert.event_keys}

    assert keys("    - 'laptop-ü'") == {"id-1"}
    assert keys("    - 'status'") == set()
    assert keys("    - '10.0.0'") == {"id-2"}
    assert keys("    - 'fout'") == {"id-1", "id-2"}


def _python_correlation(
    events: list[tuple[str, int, str]], span: int, threshold: int
) -> set[tuple[str, int, int, int]]:
    """An independent reading of the correlation: every event whose window (the events of
    its entity at most ``span`` seconds before it, itself and its equals included) holds
    ``threshold`` events closes a hit window; overlapping hit windows merge; an alert counts
    every event of its entity inside the merged span."""
    by_entity: dict[str, list[int]] = {}
    for entity, second, _key in events:
        by_entity.setdefault(entity, []).append(second)
    found = set()
    for entity, seconds in by_entity.items():
        seconds.sort()
        windows = []
        for second in seconds:
            low = bisect.bisect_left(seconds, second - span)
            high = bisect.bisect_right(seconds, second)
            if high - low >= threshold:
                windows.append((seconds[low], second))
        merged: list[list[int]] = []
        for start, hit in sorted(windows):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hit)
            else:
                merged.append([start, hit])
        for start, end in merged:
            count = bisect.bisect_right(seconds, end) - bisect.bisect_left(seconds, start)
            found.add((entity, start, end, count))
    return found


def test_correlations_with_many_equal_times_match_an_independent_reading() -> None:
    # Times on a five-second grid: many events share a second and their hit windows tie,
    # which once let the merge glue an entity's separate attacks into one day-long span.
    generator = random.Random(1)  # noqa: S311 - reproducible test data, no secret
    events = []
    for n in range(60_000):
        pool = generator.choice([1, 3, 50])
        entity = f"u{generator.randrange(pool)}"
        events.append((entity, generator.randint(0, 400_000) // 5 * 5, f"k{n}"))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 2")
    con.execute("CREATE TABLE ev (entity VARCHAR, t INTEGER, event_key VARCHAR)")
    con.executemany("INSERT INTO ev VALUES (?, ?, ?)", events)
    matches = (
        "SELECT entity, TIMESTAMP '2026-01-01' + to_seconds(t) AS event_time, event_key FROM ev"
    )
    sql = windowed_threshold(matches, "count(*)", ">=", 2, 30)
    epoch = dt.datetime(2026, 1, 1)
    rows = con.execute(f"SELECT entity, first_seen, last_seen, count FROM ({sql})").fetchall()
    got = {
        (entity, int((first - epoch).total_seconds()), int((last - epoch).total_seconds()), count)
        for entity, first, last, count in rows
    }
    assert got == _python_correlation(events, 30, 2)
