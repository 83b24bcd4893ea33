"""Edges of reading and keyword search found in review.

Files joined with ``cat`` (several arrays or API pages one after another) are read whole, and
whatever follows the last document is refused by position, never dropped without a word. A
gzip file takes the fast path whatever its name. A Sigma keyword's quick test on the record's
text never drops a record the exact test keeps: numbers DuckDB writes its own way (``1e3`` as
``1000.0``) and characters written as ``\\u`` escapes included. The careful path's temporary
file goes to DuckDB's work folder and is always removed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
import string
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sigma.types import SigmaCasedString, SigmaString

from schildwacht.detection.engine import reading, sigma_duckdb
from schildwacht.detection.engine.ingest import Batch, connect
from schildwacht.detection.engine.reading import (
    FileReport,
    json_lines_relation,
    load_records,
    spill_folder,
)
from schildwacht.detection.engine.schema import sql_literal
from schildwacht.detection.engine.sigma_duckdb import keyword_sql, record_values_sql
from tests.test_detection_engine import START, graph_signin
from tests.test_detection_grouping_review import condition, events_table, matching
from tests.test_detection_reading_review import SIGNIN, no_careful_path, refusals

pytestmark = pytest.mark.dbless


def signins(first: int, last: int) -> list[dict[str, Any]]:
    return [
        graph_signin(n, at=START + dt.timedelta(minutes=n)) | {"id": f"id-{n}"}
        for n in range(first, last)
    ]


def array(first: int, last: int) -> str:
    return json.dumps(signins(first, last), indent=2)


def page(first: int, last: int) -> str:
    return json.dumps(
        {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
            "value": signins(first, last),
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x",
        },
        indent=2,
    )


def read(path: Path) -> tuple[FileReport, set[str]]:
    """The report of reading ``path`` and the keys of the events kept."""
    con = connect()
    batch = Batch(con)
    report = batch.read(path, SIGNIN)
    keys = {str(key) for (key,) in con.execute(f"SELECT event_key FROM {batch.name}").fetchall()}
    return report, keys


def ids(first: int, last: int) -> set[str]:
    return {f"id-{n}" for n in range(first, last)}


# Data after a JSON array ------------------------------------------------------------------------


@pytest.mark.parametrize("packed", ["plain", "gzip", "gzip members"])
def test_arrays_joined_with_cat_are_all_read(tmp_path: Path, packed: str) -> None:
    first, second = array(0, 2) + "\n", array(2, 5) + "\n"
    path = tmp_path / "joined.json"
    if packed == "plain":
        path.write_text(first + second, encoding="utf-8")
    elif packed == "gzip":
        path.write_bytes(gzip.compress((first + second).encode()))
    else:  # cat a.json.gz b.json.gz: one gzip member per file
        path.write_bytes(gzip.compress(first.encode()) + gzip.compress(second.encode()))
    relation = json_lines_relation(path)
    assert relation is not None
    # DuckDB refuses the file outright (it does not read the first array and stop), so the
    # careful path reads it.
    with pytest.raises(duckdb.Error):
        connect().execute(f"SELECT count(*) FROM {relation}").fetchall()
    report, keys = read(path)
    assert (report.records, report.events, report.refused) == (5, 5, 0)
    assert keys == ids(0, 5)


def test_records_of_joined_arrays_are_numbered_on(tmp_path: Path) -> None:
    second = signins(2, 5)
    second[1]["createdDateTime"] = "not a time"
    path = tmp_path / "joined.json"
    # The second file starts with a byte order mark, as Windows writes it.
    path.write_text(array(0, 2) + "\n\ufeff" + json.dumps(second), encoding="utf-8")
    report, keys = read(path)
    assert keys == ids(0, 5) - {"id-3"}
    assert refusals(report) == [(4, "no_time")]


def test_a_damaged_record_in_a_later_array_is_named_by_its_position(tmp_path: Path) -> None:
    damaged = array(2, 4).replace('"ipAddress"', '"ipAddress" ::', 1)
    path = tmp_path / "joined.json"
    path.write_text(array(0, 2) + "\n" + damaged + "\n" + array(4, 5), encoding="utf-8")
    report, keys = read(path)
    assert keys == ids(0, 5) - {"id-2"}
    assert refusals(report) == [(3, "invalid_json")]


@pytest.mark.parametrize("after", [" xyz\n", "\n]\n", ",\n", "\n\x00", '\n"text"', "\n// end\n"])
def test_data_after_the_array_is_refused_by_position(tmp_path: Path, after: str) -> None:
    path = tmp_path / "download.json"
    path.write_text(array(0, 3) + after, encoding="utf-8")
    report, keys = read(path)
    assert keys == ids(0, 3)
    assert (report.records, report.events, report.refused) == (4, 3, 1)
    (refusal,) = report.refusals
    assert (refusal.record_no, refusal.code) == (4, "invalid_json")
    assert refusal.detail.startswith("data after the array, line ")


def test_blank_space_after_the_array_is_no_data(tmp_path: Path) -> None:
    path = tmp_path / "download.json"
    # Vertical tab and form feed are no JSON blank space, but DuckDB takes them for it.
    path.write_text(array(0, 3) + " \r\n\t\v\f\n\n", encoding="utf-8")
    report, keys = read(path)
    assert (keys, report.refused) == (ids(0, 3), 0)


def test_a_cut_off_later_array_keeps_what_came_before(tmp_path: Path) -> None:
    cut = array(2, 4)
    cut = cut[: cut.index('"id-3"')]
    path = tmp_path / "joined.json"
    path.write_text(array(0, 2) + "\n" + cut, encoding="utf-8")
    report, keys = read(path)
    assert keys == ids(0, 3)
    assert refusals(report) == [(4, "truncated")]


def test_api_pages_joined_with_cat_are_all_read(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    path.write_text(page(0, 2) + "\n" + page(2, 4) + "\n" + array(4, 5), encoding="utf-8")
    assert json_lines_relation(path) is None
    report, keys = read(path)
    assert (keys, report.refused) == (ids(0, 5), 0)


def test_a_damaged_page_does_not_hide_the_page_after_it(tmp_path: Path) -> None:
    damaged = page(0, 2).replace('"ipAddress"', '"ipAddress" ::', 1)
    path = tmp_path / "pages.json"
    path.write_text(damaged + "\n" + page(2, 4), encoding="utf-8")
    report, keys = read(path)
    assert keys == ids(1, 4)
    assert refusals(report) == [(1, "invalid_json")]


def test_a_damaged_page_cut_off_after_its_records_says_so(tmp_path: Path) -> None:
    damaged = page(0, 2).replace('"ipAddress"', '"ipAddress" ::', 1)
    path = tmp_path / "page.json"
    path.write_text(damaged[: damaged.index("@odata.nextLink")], encoding="utf-8")
    report, keys = read(path)
    assert keys == ids(1, 2)
    assert refusals(report) == [(1, "invalid_json"), (3, "truncated")]


@pytest.mark.parametrize("first", ["page", "record"])
def test_data_after_a_document_is_refused(tmp_path: Path, first: str) -> None:
    text = page(0, 2) if first == "page" else json.dumps(signins(0, 2)[0], indent=2)
    path = tmp_path / "document.json"
    path.write_text(text + "\nxyz", encoding="utf-8")
    report, _keys = read(path)
    (refusal,) = report.refusals
    assert refusal.code == "invalid_json"
    assert refusal.detail.startswith("data after the document, line ")


def test_single_records_joined_with_cat_are_all_read(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(
        "\n".join(json.dumps(record, indent=2) for record in signins(0, 3)), encoding="utf-8"
    )
    report, keys = read(path)
    assert (keys, report.refused) == (ids(0, 3), 0)


# Gzip told by its bytes, not its name -----------------------------------------------------------


@pytest.mark.parametrize("shape", ["lines", "array"])
def test_gzip_takes_the_fast_path_under_any_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    records = signins(0, 20)
    text = (
        "".join(json.dumps(record) + "\n" for record in records)
        if shape == "lines"
        else json.dumps(records, indent=2)
    )
    packed = gzip.compress(text.encode())
    no_careful_path(monkeypatch)
    seen = []
    for name in ("upload.json", "upload.jsonl", "upload.gz", "upload"):
        path = tmp_path / name
        path.write_bytes(packed)
        relation = json_lines_relation(path)
        assert relation is not None and "compression='gzip'" in relation
        con = connect()
        batch = Batch(con)
        report = batch.read(path, SIGNIN)
        assert (report.records, report.events, report.refused) == (20, 20, 0)
        seen.append(sorted(con.execute(f"SELECT event_key, raw FROM {batch.name}").fetchall()))
    assert all(rows == seen[0] for rows in seen)


def test_a_plain_file_named_gz_takes_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_careful_path(monkeypatch)
    for name, text in (
        ("plain.jsonl.gz", "".join(json.dumps(record) + "\n" for record in signins(0, 3))),
        ("plain.json.gz", array(0, 3)),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        relation = json_lines_relation(path)
        assert relation is not None and "compression='none'" in relation
        report, keys = read(path)
        assert (keys, report.refused) == (ids(0, 3), 0)


# Keywords: the quick test never drops what the exact test keeps ---------------------------------

EDGE_RECORDS = {
    "exponent": '{"id": "1", "n": 1e3}',
    "upper exponent": '{"id": "2", "n": [1E+2]}',
    "tiny": '{"id": "3", "n": 0.0000001}',
    "many digits": '{"id": "4", "n": 0.12345678901234567890}',
    "escaped letter": '{"id": "5", "s": "x\\u0041y"}',
    "escaped digit": '{"id": "6", "s": "code \\u00350126"}',
    "plain": '{"id": "7", "s": "xay 2.50", "n": 2.50}',
}


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        # Numbers as DuckDB writes them, not as they stand in the text.
        ("    - 1000", {"exponent"}),
        ("    - '1000.0'", {"exponent"}),
        ("    - 100", {"exponent", "upper exponent"}),
        ("    - '1e-7'", {"tiny"}),
        ("    - '0.12345678901234568'", {"many digits"}),
        ("    - '2.5'", {"plain"}),
        ("    - '2.50'", {"plain"}),  # in the string "xay 2.50"
        ("    - '50126'", {"escaped digit"}),
        # An escaped ASCII letter is the letter.
        ("    - 'xay'", {"escaped letter", "plain"}),
        ("    '|cased':\n      - 'xAy'", {"escaped letter"}),
        ("    '|cased':\n      - 'xay'", {"plain"}),
        ("    - 'x?y'", {"escaped letter", "plain"}),
    ],
)
@pytest.mark.parametrize("unpacking", ["by path", "by tokens"])
def test_numbers_and_escaped_letters_are_found(
    keywords: str, expected: set[str], unpacking: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if unpacking == "by tokens":
        monkeypatch.setattr(sigma_duckdb, "UNPACK_LIMIT", 0)
    assert matching(EDGE_RECORDS, keywords) == expected


def test_only_a_keyword_that_may_be_in_a_number_pays_for_the_number_test() -> None:
    number_test = "regexp_matches(raw, ':"
    assert number_test in condition("    - 50126")
    assert number_test in condition("    - '1.5e*'")
    assert number_test not in condition("    - 'edge 12'")
    # A keyword of wildcards and escapable characters only has no quick test at all.
    assert "ELSE false" not in condition("    - '/?é'")


def _number_text(rng: random.Random) -> str:
    """A JSON number as a writer may spell it."""
    sign = rng.choice(["", "", "-"])
    digits = "".join(rng.choice(string.digits) for _ in range(rng.randint(0, 24)))
    whole = "0" if rng.random() < 0.3 else rng.choice("123456789") + digits[: rng.randint(0, 24)]
    text = sign + whole
    if rng.random() < 0.6:
        zeros = "0" * rng.choice([0, 0, 1, 5, 6, 7, 12])
        text += "." + zeros + "".join(rng.choice(string.digits) for _ in range(rng.randint(1, 22)))
        text += "0" * rng.choice([0, 0, 1, 3])
    if rng.random() < 0.25:
        text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 400))
    return text


def test_duckdb_writes_a_number_as_it_stands_unless_the_number_test_finds_it() -> None:
    """What ``_NUMBER_WRITTEN_OTHERWISE`` rests on: DuckDB writes every number as (part of)
    its text, or the number is one the test finds."""
    rng = random.Random(11)  # noqa: S311 - reproducible test data, no secret
    numbers = [_number_text(rng) for _ in range(4000)]
    numbers += ["1e3", "1E+2", "0.0000001", "0.99999999999999999999", "1e21", "1e-400", "-0"]
    con = duckdb.connect(":memory:")
    found = " OR ".join(
        f"regexp_matches(raw, {sql_literal(pattern)})"
        for pattern in sigma_duckdb._NUMBER_WRITTEN_OTHERWISE
    )
    # After a colon, a bracket and a comma: where numbers stand in a record.
    rows = con.execute(
        f"SELECT number, json_extract_string(raw, path), {found} FROM ("
        "SELECT number, prefix || number || suffix AS raw, path FROM unnest(?) AS t(number), "
        "(VALUES ('{\"n\":', '}', '$.n'), ('{\"n\": [', ']}', '$.n[0]'), "
        "('{\"n\": [0,\n', ' ]}', '$.n[1]')) AS c(prefix, suffix, path))",
        [numbers],
    ).fetchall()
    written_otherwise = [row for row in rows if row[1] not in row[0] and not row[2]]
    assert written_otherwise == []
    # The test is no catch-all: most of these numbers DuckDB writes as they stand.
    assert sum(1 for row in rows if not row[2]) > len(rows) / 3


_CHARACTERS = 'abXY12 9.-+eE%_"\\/:,é\u0130\u212a\u00e9\n'


def _write_string(text: str, rng: random.Random) -> str:
    """``text`` as a JSON string, with characters escaped the ways writers may (and some no
    common writer does: an ASCII letter or digit as a ``\\u`` escape)."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "/" and rng.random() < 0.5:
            out.append("\\/")
        elif rng.random() < (0.6 if ord(char) > 127 else 0.15):
            code = f"\\u{ord(char):04x}"
            out.append(code.upper().replace("\\U", "\\u") if rng.random() < 0.5 else code)
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _random_record(rng: random.Random) -> str:
    members = [f'"id": "{rng.random()}"']
    for index in range(rng.randint(1, 4)):
        if rng.random() < 0.5:
            text = "".join(rng.choice(_CHARACTERS) for _ in range(rng.randint(1, 10)))
            value = _write_string(text, rng)
        else:
            value = _number_text(rng)
        if rng.random() < 0.3:
            value = f"[{value}]"
        members.append(f'"k{index}": {value}')
    return "{" + ", ".join(members) + "}"


def _sigma_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def test_the_quick_test_never_drops_what_the_exact_test_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Random records written with every escape and number spelling, random keywords taken
    from their values: with or without the quick test, the same records match."""
    rng = random.Random(5)  # noqa: S311 - reproducible test data, no secret
    raws = {f"r{n}": _random_record(rng) for n in range(300)}
    con = events_table(raws)
    values = [
        str(value)
        for (found,) in con.execute(f"SELECT {record_values_sql()} FROM events").fetchall()
        for value in found
        if str(value)
    ]
    keywords: list[tuple[SigmaString, bool]] = []
    for _ in range(150):
        value = rng.choice(values)
        start = rng.randrange(len(value))
        piece = value[start : start + rng.randint(1, 6)]
        cased = rng.random() < 0.3
        if not cased and rng.random() < 0.5:
            piece = piece.swapcase()
        literal = _sigma_literal(piece)
        if rng.random() < 0.2 and len(piece) > 2:
            literal = _sigma_literal(piece[:1]) + "?" + _sigma_literal(piece[2:])
        keywords.append((SigmaCasedString(literal) if cased else SigmaString(literal), cased))
    quick = [keyword_sql(value, cased=cased) for value, cased in keywords]
    monkeypatch.setattr(sigma_duckdb, "_quick_test", lambda *args, **kwargs: None)
    exact = [keyword_sql(value, cased=cased) for value, cased in keywords]
    # Most keywords have a quick test (some are all escapable characters).
    assert (
        sum(with_quick != without for with_quick, without in zip(quick, exact, strict=True)) > 100
    )
    differing = []
    for (value, _cased), with_quick, without in zip(keywords, quick, exact, strict=True):
        kept = con.execute(
            f"SELECT count(*) FILTER (WHERE {without}), count(*) FILTER (WHERE {with_quick}) "
            "FROM events"
        ).fetchone()
        assert kept is not None
        if kept[0] != kept[1]:
            differing.append((str(value), kept))
    assert differing == []


# The careful path's temporary file ----------------------------------------------------------------


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of its own standing in for the system's temporary folder."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _reader_watching(
    folders: list[Path], seen: list[list[str]], fail: bool = False
) -> Callable[[Path, FileReport], Iterator[tuple[int, dict[str, Any]]]]:
    """A record reader that notes what the folders hold while its records are written."""

    def read(path: Path, report: FileReport) -> Iterator[tuple[int, dict[str, Any]]]:
        for number in range(1, 4):
            yield number, {"n": number}
        seen.extend(sorted(item.name for item in folder.iterdir()) for folder in folders)
        if fail:
            raise RuntimeError("the reader fails")

    return read


def test_the_careful_path_writes_in_the_work_folder_and_cleans_up(
    tmp_path: Path, system_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    con = connect(temp_directory=str(work))
    assert spill_folder(con) == str(work)
    seen: list[list[str]] = []
    monkeypatch.setitem(
        reading.RECORD_READERS, "watched", _reader_watching([work, system_temp], seen)
    )
    table = load_records(con, tmp_path / "any", FileReport("any", "test"), reader="watched")
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (3,)
    in_work, in_system = seen
    assert len(in_work) == 1 and in_work[0].startswith("schildwacht-records-")
    assert in_system == []
    assert list(work.iterdir()) == [] and list(system_temp.iterdir()) == []


def test_the_temporary_file_is_removed_when_reading_fails(
    tmp_path: Path, system_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    seen: list[list[str]] = []
    monkeypatch.setitem(
        reading.RECORD_READERS, "failing", _reader_watching([work], seen, fail=True)
    )
    with pytest.raises(RuntimeError):
        load_records(
            connect(temp_directory=str(work)), tmp_path / "x", FileReport("x", "t"), "failing"
        )
    assert len(seen[0]) == 1
    assert list(work.iterdir()) == [] and list(system_temp.iterdir()) == []


def test_a_damaged_json_file_is_read_by_way_of_the_work_folder(
    tmp_path: Path, system_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    folders: list[str | None] = []
    mkstemp = tempfile.mkstemp

    def watched(*args: Any, **kwargs: Any) -> tuple[int, str]:
        folders.append(kwargs.get("dir"))
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", watched)
    path = tmp_path / "damaged.json"
    path.write_text(array(0, 3).replace('"ipAddress"', '"ipAddress" ::', 1), encoding="utf-8")
    report = Batch(connect(temp_directory=str(work))).read(path, SIGNIN)
    assert (report.events, report.refused) == (2, 1)
    assert folders == [str(work)]
    assert list(work.iterdir()) == [] and list(system_temp.iterdir()) == []


def test_without_a_work_folder_the_system_temporary_folder_is_used(
    tmp_path: Path, system_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = connect()
    # DuckDB's default for an in-memory database, relative to the current folder, is no
    # folder anyone chose, even where it exists.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".tmp").mkdir()
    assert spill_folder(con) is None
    seen: list[list[str]] = []
    monkeypatch.setitem(reading.RECORD_READERS, "watched", _reader_watching([system_temp], seen))
    load_records(con, tmp_path / "any", FileReport("any", "test"), reader="watched")
    assert len(seen[0]) == 1
    assert list(system_temp.iterdir()) == [] and list((tmp_path / ".tmp").iterdir()) == []


def test_a_work_folder_that_does_not_exist_is_not_used(tmp_path: Path) -> None:
    assert spill_folder(connect(temp_directory=str(tmp_path / "missing"))) is None
    con = connect(database=str(tmp_path / "board.duckdb"))
    assert spill_folder(con) is None  # DuckDB's own <file>.tmp, not made yet
    con.execute("SET temp_directory = ''")  # spilling switched off
    assert spill_folder(con) is None


# Joined API responses and damaged documents ---------------------------------------------------


def test_pages_joined_without_a_line_end_are_all_read(tmp_path: Path) -> None:
    # Graph and curl end a response without a line end; ``cat`` then puts pages on one line.
    compact = [json.dumps(json.loads(page(0, 3))), json.dumps(json.loads(page(3, 5)))]
    path = tmp_path / "pages.json"
    path.write_text("".join(compact) + json.dumps(signins(5, 6)[0]) + "\n", "utf-8")
    report, keys = read(path)
    assert keys == ids(0, 6)
    assert (report.records, report.refused) == (6, 0)


def test_a_damaged_line_of_joined_documents_refuses_the_rest_of_that_line(tmp_path: Path) -> None:
    first, second = (json.dumps(record) for record in signins(0, 2))
    path = tmp_path / "lines.jsonl"
    path.write_text(f"{first}{{broken\n{second}\n", "utf-8")
    report, keys = read(path)
    assert keys == {"id-0", "id-1"}
    assert refusals(report) == [(1, "invalid_json")]


def test_a_damaged_document_never_borrows_a_later_documents_records(tmp_path: Path) -> None:
    # The first document is damaged before any array of records: where it ends is unknown.
    # It used to be passed over without a word while the second page's records were read.
    path = tmp_path / "joined.json"
    path.write_text('{\n "x": tru\n}\n' + page(0, 2) + "\n", "utf-8")
    report, keys = read(path)
    assert keys == set()
    assert refusals(report) == [(None, "invalid_json")]
    assert "the rest of the file is not read" in report.refusals[0].detail


def test_an_array_nested_in_another_member_is_not_taken_for_the_records(tmp_path: Path) -> None:
    record = json.dumps(signins(0, 1)[0])
    path = tmp_path / "nested.json"
    path.write_text(
        '{\n "id": "x", "bad": tru, "details": {"value": [' + record + "]}\n}\n", "utf-8"
    )
    report, keys = read(path)
    assert keys == set()
    assert refusals(report) == [(None, "invalid_json")]


def test_a_damaged_page_keeps_its_good_records(tmp_path: Path) -> None:
    text = page(0, 4).replace('"id": "id-1"', '"id": "id-1" "broken": 1', 1)
    path = tmp_path / "page.json"
    path.write_text(text, "utf-8")
    report, keys = read(path)
    assert keys == ids(0, 4) - {"id-1"}
    assert refusals(report) == [(2, "invalid_json")]


def test_a_badly_damaged_array_is_given_up_after_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_DAMAGED", 5)
    records = [json.dumps(record) for record in signins(0, 20)]
    damaged = [
        text.replace("{", '{"x": tru, ', 1) if n % 2 else text for n, text in enumerate(records)
    ]
    path = tmp_path / "damaged.json"
    path.write_text("[" + ",\n".join(damaged) + "]", "utf-8")
    report, keys = read(path)
    assert keys == {"id-0", "id-2", "id-4", "id-6", "id-8", "id-10"}
    assert [code for _, code in refusals(report)] == ["invalid_json"] * 6
    assert "more than 5 damaged records" in report.refusals[-1].detail


def test_a_damaged_element_is_skipped_whole_and_a_record_nested_in_it_is_not_kept(
    tmp_path: Path,
) -> None:
    first, nested, last = (json.dumps(record) for record in signins(0, 3))
    damaged = '{"id": "id-x", "b": tru, "l": [' + nested + "]}"
    path = tmp_path / "nested.json"
    path.write_text(f"[{first},\n{damaged},\n{last}]", "utf-8")
    report, keys = read(path)
    assert keys == {"id-0", "id-2"}
    assert (report.records, refusals(report)) == (3, [(2, "invalid_json")])


def test_damaged_elements_in_a_row_are_each_refused(tmp_path: Path) -> None:
    records = [json.dumps(record) for record in signins(0, 8)]
    damaged = [
        text.replace("{", '{"x": tru, ', 1) if 1 <= n <= 5 else text
        for n, text in enumerate(records)
    ]
    path = tmp_path / "row.json"
    path.write_text("[" + ",\n".join(damaged) + "]", "utf-8")
    report, keys = read(path)
    assert keys == {"id-0", "id-6", "id-7"}
    assert refusals(report) == [(n, "invalid_json") for n in range(2, 7)]
    assert report.records == 8
