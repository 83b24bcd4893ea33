"""Binary EVTX files written by the tests themselves (``tests/evtx_writing.py``): a school
domain controller's Security log over several chunks, read by the ``evtx`` package and by the
windows-security source; then damaged, cut off, emptied and read again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import evtx
import pytest

from schildwacht.detection.engine.ingest import Batch, connect, read_file
from schildwacht.detection.engine.reading import REFUSAL_CODES
from schildwacht.detection.engine.sources import source
from tests import evtx_writing
from tests.evtx_writing import (
    CHUNK_HEADER_SIZE,
    CHUNK_SIZE,
    DC,
    FILE_HEADER_SIZE,
    GUID,
    Event,
    RecordPlace,
    Value,
    chunk_count,
    chunk_offset,
    evtx_bytes,
    name_hash,
    record_places,
    school_security_log,
)
from tests.test_detection_sources_windows import (
    REAL_EVTX,
    events,
    fresh,
    notices,
    read,
    refusals,
)

pytestmark = pytest.mark.dbless

SAMPLE = evtx_writing.SAMPLE
WINDOWS = source("windows-security")
# The chunk that is damaged: whole chunks before and after it.
MIDDLE = 1
# Account-management events as docs/log-schema.md sorts them: the account changed, or the
# group a member was added to.
ACCOUNT_CHANGES = (4720, 4740)
GROUP_CHANGES = (4728, 4732)


@pytest.fixture(scope="module")
def log() -> list[Event]:
    return school_security_log()


@pytest.fixture(scope="module")
def written(log: list[Event]) -> bytes:
    return evtx_bytes(log)


def parser_records(path: Path, view: str) -> list[dict[str, Any]]:
    """The ``evtx`` package's records (``records_json`` or ``records``, the XML view)."""
    # The package's stub types its iterator's items as optional: a list of Any here.
    parser: Any = evtx.PyEvtxParser(str(path))
    return list(getattr(parser, view)())


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [json.loads(row["raw"])["EventRecordID"] for row in rows]


def in_chunk(data: bytes, chunk: int) -> list[RecordPlace]:
    return [place for place in record_places(data) if place.chunk == chunk]


def all_ids_but(data: bytes, lost: set[int]) -> list[int]:
    return [place.record_id for place in record_places(data) if place.record_id not in lost]


def shown(item: str | Value) -> Any:
    """A field as the ``evtx`` package renders it in JSON: GUIDs without braces."""
    if isinstance(item, str):
        return item
    if item.type == GUID:
        return str(item.shown).strip("{}")
    return item.shown


def fields(event: Event) -> dict[str, Any]:
    return {name: shown(item) for name, item in event.data}


def expected_columns(event: Event) -> dict[str, Any]:
    """The normalised event as docs/log-schema.md describes the windows_security type."""
    data = fields(event)
    code = event.event_id
    changes = code in ACCOUNT_CHANGES or code in GROUP_CHANGES
    # The account that signed in, or the one who made the change (or cleared the log).
    who = (
        data["SubjectUserName"] if changes else data.get("TargetUserName", data["SubjectUserName"])
    )
    address = data.get("IpAddress")
    if address == "-":
        address = None
    elif address is not None:
        address = address.removeprefix("::ffff:")
    failure = None
    if code == 4625:
        failure = data["SubStatus"] if data["SubStatus"] != "0x0" else data["Status"]
    process = data.get("ProcessName")
    return {
        "source": "windows-security",
        "log_type": "windows_security",
        "event_time": event.time.astimezone(dt.UTC).replace(tzinfo=None),
        # Security is the log the record ids count in: the key is the computer and the id.
        "event_key": f"{event.computer}:{event.record_id}",
        "action": str(code),
        "event_code": str(code),
        "result": {4624: "success", 4625: "failure"}.get(code),
        "failure_code": failure,
        "user_name": who.lower(),
        "target_user": data["TargetUserName"].lower() if code in ACCOUNT_CHANGES else None,
        "target": data["TargetUserName"] if changes else None,
        "source_ip": address,
        "device": event.computer,
        "process": None if process in (None, "-") else process,
    }


def crc32_ok(data: bytes) -> bool:
    """The file header's and every chunk's header and record checksums hold."""
    if struct.unpack_from("<I", data, 124)[0] != zlib.crc32(data[:120]):
        return False
    for index in range(chunk_count(data)):
        chunk = data[chunk_offset(index) : chunk_offset(index) + CHUNK_SIZE]
        (free,) = struct.unpack_from("<I", chunk, 48)
        (records_crc,) = struct.unpack_from("<I", chunk, 52)
        (header_crc,) = struct.unpack_from("<I", chunk, 124)
        if records_crc != zlib.crc32(chunk[CHUNK_HEADER_SIZE:free]):
            return False
        if header_crc != zlib.crc32(chunk[:120] + chunk[128:CHUNK_HEADER_SIZE]):
            return False
    return True


def damaged_copy(tmp_path: Path, data: bytes, name: str, changes: dict[int, bytes]) -> Path:
    """A copy of ``data`` with the bytes at each offset overwritten."""
    copy = bytearray(data)
    for offset, replacement in changes.items():
        copy[offset : offset + len(replacement)] = replacement
    path = tmp_path / name
    path.write_bytes(bytes(copy))
    return path


# -- The writer --------------------------------------------------------------------------------


def test_names_are_hashed_as_windows_hashes_them() -> None:
    # The real file's chunk lists its names in the header's string table, each with the hash
    # Windows computed: the writer's hash must give the same.
    chunk = REAL_EVTX.read_bytes()[FILE_HEADER_SIZE : FILE_HEADER_SIZE + CHUNK_SIZE]
    checked = 0
    for bucket, offset in enumerate(struct.unpack_from("<64I", chunk, 128)):
        while offset:
            following, stored, length = struct.unpack_from("<IHH", chunk, offset)
            name = chunk[offset + 8 : offset + 8 + 2 * length].decode("utf-16-le")
            assert (name, name_hash(name)) == (name, stored)
            assert stored % 64 == bucket
            checked += 1
            offset = following
    assert checked == 28  # Event, System, Provider, EventID, … in TestLogX.evtx


def test_the_sample_is_what_the_writer_writes(log: list[Event], written: bytes) -> None:
    # Regenerate with `.venv/bin/python -m tests.evtx_writing` when the writer changes.
    assert SAMPLE.read_bytes() == written
    assert written[:8] == b"ElfFile\x00"
    assert len(written) == FILE_HEADER_SIZE + 4 * CHUNK_SIZE
    assert chunk_count(written) == 4
    assert crc32_ok(written)
    places = record_places(written)
    assert [place.record_id for place in places] == list(range(1, 361))
    assert [event.record_id for event in log] == list(range(1, 361))
    # Three full chunks and the last one half full: every chunk's header tells its range.
    assert [len(in_chunk(written, index)) for index in range(4)] == [103, 100, 103, 54]
    for index in range(4):
        chunk = in_chunk(written, index)
        header = struct.unpack_from("<QQQQ", written, chunk_offset(index) + 8)
        assert header == (chunk[0].record_id, chunk[-1].record_id) * 2


def test_the_evtx_package_reads_every_record_as_written(log: list[Event]) -> None:
    parsed = [json.loads(item["data"]) for item in parser_records(SAMPLE, "records_json")]
    assert len(parsed) == len(log) == 360
    for event, record in zip(log, parsed, strict=True):
        system = record["Event"]["System"]
        assert system["EventID"] == event.event_id
        assert system["EventRecordID"] == event.record_id
        assert system["Computer"] == DC
        assert system["Channel"] == "Security"
        assert system["Provider"]["#attributes"]["Name"] == event.provider
        stamp = system["TimeCreated"]["#attributes"]["SystemTime"]
        assert dt.datetime.fromisoformat(stamp) == event.time
        if event.user_data is not None:
            data = record["Event"]["UserData"][event.user_data[0]]
            data = {key: value for key, value in data.items() if key != "#attributes"}
        else:
            data = record["Event"]["EventData"]
        assert data == fields(event)
    # The XML view: a Security event as Event Viewer shows it.
    xml = parser_records(SAMPLE, "records")[0]["data"]
    assert '<Provider Name="Microsoft-Windows-Security-Auditing"' in xml
    assert '<Data Name="TargetUserName">' in xml


# -- Reading: every record normalised ----------------------------------------------------------


def test_every_record_is_normalised_as_the_schema_documents(log: list[Event]) -> None:
    report, rows = read(SAMPLE)
    assert (report.records, report.events, report.refused, report.duplicates) == (360, 360, 0, 0)
    assert report.shapes == {"event": 360}
    assert len(rows) == 360
    for event, row in zip(log, rows, strict=True):
        expected = expected_columns(event)
        assert {name: row[name] for name in expected} == expected, event.record_id
    by_id = dict(zip(ids(rows), rows, strict=True))

    # A few by hand, as a reader of the schema would expect them.
    first = by_id[1]
    assert first["event_time"] == dt.datetime(2026, 10, 5, 6, 0, 4, 844388)
    assert first["event_key"] == "DC01.schoolbestuur-voorbeeld.nl:1"
    guess = by_id[181]  # the password-guessing run from a documentation address
    assert (guess["event_code"], guess["result"], guess["failure_code"]) == (
        "4625",
        "failure",
        "0xc000006a",
    )
    assert (guess["user_name"], guess["source_ip"]) == ("administrator", "203.0.113.77")
    assert guess["process"] == "C:\\Windows\\System32\\svchost.exe"
    locked = by_id[193]
    assert (locked["event_code"], locked["target_user"], locked["user_name"]) == (
        "4740",
        "m.jansen",
        "dc01$",
    )
    created = by_id[121]
    assert (created["action"], created["user_name"], created["target_user"]) == (
        "4720",
        "beheerder.ict",
        "stagiair01",
    )
    assert created["result"] is None
    assert (by_id[122]["target"], by_id[123]["target"]) == ("Domain Admins", "Administrators")
    assert by_id[122]["user_name"] == by_id[123]["user_name"] == "beheerder.ict"
    cleared = by_id[360]
    assert (cleared["event_code"], cleared["user_name"]) == ("1102", "beheerder.ict")

    # Sigma's field names at the top of raw, with the parser's types.
    raw = json.loads(guess["raw"])
    assert raw["EventID"] == "4625"
    assert (raw["Status"], raw["SubStatus"]) == ("0xc000006d", "0xc000006a")
    assert raw["FailureReason"] == "%%2313"
    assert raw["LogonType"] == 3
    assert raw["Provider_Name"] == "Microsoft-Windows-Security-Auditing"
    assert raw["Channel"] == "Security"
    assert raw["EventRecordID"] == 181
    assert "Event" not in raw
    # An IPv4 client of the dual-stack DC, written as ::ffff:a.b.c.d, is its IPv4 address.
    mapped = {
        row["source_ip"]: json.loads(row["raw"])["IpAddress"]
        for row in rows
        if json.loads(row["raw"]).get("IpAddress", "").startswith("::ffff:")
    }
    assert mapped
    assert all(raw_address == f"::ffff:{ip}" for ip, raw_address in mapped.items())


# -- Damage in the middle chunk ----------------------------------------------------------------


def test_damaged_records_in_the_middle_chunk_are_refused_and_the_rest_kept(
    tmp_path: Path, written: bytes
) -> None:
    # Three records in the middle of the chunk lose the start of their binary XML; their
    # record headers stay whole, so the parser can step over them.
    hit = in_chunk(written, MIDDLE)[10:13]
    path = damaged_copy(
        tmp_path, written, "damaged-records.evtx", {place.offset + 24: b"\xff" * 8 for place in hit}
    )
    report, rows = read(path)
    lost = [place.record_id for place in hit]
    assert (report.records, report.events, report.refused) == (360, 357, 3)
    # The damage changed the chunk under its checksum: the records kept from it are named.
    first = in_chunk(written, MIDDLE)[0].record_id
    assert refusals(report) == [(number, "damaged") for number in lost]
    assert notices(report) == [(first, "checksum")]
    assert all("record number" in item.detail for item in report.refusals if item.code == "damaged")
    assert ids(rows) == all_ids_but(written, set(lost))


def test_a_record_with_a_broken_header_is_refused_and_the_other_chunks_read(
    tmp_path: Path, written: bytes
) -> None:
    # The record's signature overwritten: the parser cannot find where the next record starts.
    chunk = in_chunk(written, MIDDLE)
    hit = chunk[10]
    path = damaged_copy(tmp_path, written, "record-header.evtx", {hit.offset: b"\xff" * 4})
    report, rows = read(path)
    kept = set(ids(rows))
    others = {place.record_id for place in record_places(written) if place.chunk != MIDDLE}
    assert others <= kept
    assert {place.record_id for place in chunk[:10]} <= kept
    assert hit.record_id not in kept
    # The damage changed the chunk under its checksum: the records kept from it are named.
    assert refusals(report) == [(hit.record_id, "damaged")]
    assert notices(report) == [(chunk[0].record_id, "checksum")]


def test_the_records_after_a_broken_record_header_are_kept_or_counted(
    tmp_path: Path, written: bytes
) -> None:
    chunk = in_chunk(written, MIDDLE)
    hit = chunk[10]
    path = damaged_copy(tmp_path, written, "record-header.evtx", {hit.offset: b"\xff" * 4})
    report, rows = read(path)
    after = {place.record_id for place in chunk[11:]}
    # Either read (stepping to the next record signature) or each one named as refused.
    refused = {record_no for record_no, _ in refusals(report)}
    assert after <= set(ids(rows)) | refused
    # Read: the reader steps over the damaged record to the next whole one.
    assert after <= set(ids(rows))
    assert ids(rows) == all_ids_but(written, {hit.record_id})
    assert (report.records, report.events, report.refused) == (360, 359, 1)
    damaged = next(item for item in report.refusals if item.code == "damaged")
    assert (damaged.record_no, damaged.code) == (hit.record_id, "damaged")
    assert f"record {hit.record_id} lost; reading went on with record {hit.record_id + 1}" in (
        damaged.detail
    )


@pytest.mark.parametrize(
    ("damage", "lost"),
    [
        # Three record headers in a row: the three are lost, the chunk's rest read.
        ("three in a row", [10, 11, 12]),
        # The chunk's first record: nothing before it to step from.
        ("the first record", [0]),
        # The chunk's last record: nothing after it to step to.
        ("the last record", [-1]),
        # The size in the header wrong: its copy at the record's end disagrees.
        ("a size", [10]),
        # The id in the header wrong (a later record's): the record is not read as that one.
        ("an id", [10]),
        # Records overwritten with zeros: the templates they defined went with them, so the
        # records later in the chunk that use those fail too, each refused by its id.
        ("zeros", [10, 11, 12, 13, 14]),
    ],
)
def test_damaged_record_headers_lose_only_their_own_records(
    tmp_path: Path, written: bytes, damage: str, lost: list[int]
) -> None:
    chunk = in_chunk(written, MIDDLE)
    hit = [chunk[item] for item in lost]
    if damage == "a size":
        changes = {hit[0].offset + 4: struct.pack("<I", hit[0].size - 8)}
    elif damage == "an id":
        changes = {hit[0].offset + 8: struct.pack("<Q", chunk[50].record_id)}
    elif damage == "zeros":
        changes = {hit[0].offset: bytes(hit[-1].offset + hit[-1].size - hit[0].offset)}
    else:
        changes = {place.offset: b"\xff" * 4 for place in hit}
    report, rows = read(damaged_copy(tmp_path, written, "record-headers.evtx", changes))
    gone = {place.record_id for place in hit}
    damaged = {number for number, code in refusals(report) if code == "damaged"}
    # Records that failed on their own (only when the damage took templates with it).
    failed = damaged - gone
    assert ids(rows) == all_ids_but(written, gone | failed)
    assert (report.records, report.refused) == (360, 360 - len(rows))
    assert min(gone) in damaged
    assert notices(report) == [(chunk[0].record_id, "checksum")]
    assert bool(failed) == (damage == "zeros")


@pytest.mark.parametrize(
    "damage",
    [
        # The chunk's signature overwritten: not a chunk; its record headers tell its records.
        "signature",
        # A name in the chunk's string table given an impossible length: the parser refuses
        # the chunk whole.
        "name table",
    ],
)
def test_a_broken_middle_chunk_is_refused_and_the_other_chunks_read(
    tmp_path: Path, written: bytes, damage: str
) -> None:
    chunk = in_chunk(written, MIDDLE)
    start = chunk_offset(MIDDLE)
    if damage == "signature":
        changes = {start: b"XXXXXXXX"}
    else:
        name = next(offset for offset in struct.unpack_from("<64I", written, start + 128) if offset)
        changes = {start + name + 6: b"\xff\xff"}  # its number of characters
    report, rows = read(damaged_copy(tmp_path, written, "broken-chunk.evtx", changes))
    lost = {place.record_id for place in chunk}
    assert ids(rows) == all_ids_but(written, lost)
    # One entry for the chunk, named by its first record; every record of it counted.
    assert (report.records, report.events, report.refused) == (360, 360 - len(lost), len(lost))
    assert refusals(report) == [(chunk[0].record_id, "damaged")]
    assert "chunk" in report.refusals[0].detail
    assert f"records {chunk[0].record_id}..{chunk[-1].record_id}" in report.refusals[0].detail


@pytest.mark.parametrize(
    ("damage", "part"),
    [("header checksum", "header"), ("records changed under the checksum", "records")],
)
def test_a_middle_chunk_failing_its_checksum_is_named_in_the_report(
    tmp_path: Path, log: list[Event], written: bytes, damage: str, part: str
) -> None:
    start = chunk_offset(MIDDLE)
    place = in_chunk(written, MIDDLE)[10]
    name = log[place.record_id - 1].field("TargetUserName")
    assert isinstance(name, str)
    if damage == "header checksum":
        changes = {start + 124: b"\x00\x00\x00\x00"}
    else:
        # One letter of a user name changed: still readable, but no longer what was logged.
        record = written[place.offset : place.offset + place.size]
        at = place.offset + record.index(name.encode("utf-16-le"))
        changes = {at: "X".encode("utf-16-le")}
    report, rows = read(damaged_copy(tmp_path, written, "checksum.evtx", changes))
    # The other chunks are read whatever happens to this one; this one's records are kept
    # too (refusing the chunk would lose a hundred intact records), none is refused…
    assert ids(rows) == [place.record_id for place in record_places(written)]
    assert (report.records, report.events, report.refused) == (360, 360, 0)
    # …and the chunk is named, with its records, for whoever must judge the log.
    chunk = in_chunk(written, MIDDLE)
    assert refusals(report) == []
    assert notices(report) == [(chunk[0].record_id, "checksum")]
    detail = report.notices[0].detail
    assert f"chunk {MIDDLE} (records {chunk[0].record_id}..{chunk[-1].record_id})" in detail
    assert f"the checksum of its {part} does not match" in detail
    assert "checksum" in REFUSAL_CODES
    changed = json.loads(rows[place.record_id - 1]["raw"])["TargetUserName"]
    assert changed == (name if damage == "header checksum" else "X" + name[1:])


def test_a_file_header_failing_its_checksum_is_named_and_every_record_kept(
    tmp_path: Path, written: bytes
) -> None:
    # The number of chunks lowered, the checksum left: every chunk is read all the same.
    path = damaged_copy(tmp_path, written, "file-header.evtx", {42: struct.pack("<H", 2)})
    report, rows = read(path)
    assert len(rows) == 360
    assert (report.records, report.refused) == (360, 0)
    assert (refusals(report), notices(report)) == ([], [(None, "checksum")])
    assert "file header" in report.notices[0].detail


# -- Reading again -----------------------------------------------------------------------------


def test_reading_the_file_again_adds_no_events(tmp_path: Path, log: list[Event]) -> None:
    con = fresh()
    first = read_file(con, SAMPLE, WINDOWS)
    again = read_file(con, SAMPLE, WINDOWS)
    assert (first.events, first.duplicates) == (360, 0)
    assert (again.events, again.duplicates) == (0, 360)
    assert len(events(con)) == 360

    # In one batch: a copy under another name is the same events.
    copy = tmp_path / "Security-copy.evtx"
    copy.write_bytes(SAMPLE.read_bytes())
    batch = Batch(connect())
    assert batch.read(SAMPLE, WINDOWS).events == 360
    repeated = batch.read(copy, WINDOWS)
    assert (repeated.events, repeated.duplicates) == (0, 360)
    assert batch.con.execute(f"SELECT count(*) FROM {batch.name}").fetchone() == (360,)

    # The key is the record id with the computer: another DC's records with the same ids are
    # other events.
    other_dc = [
        dataclasses.replace(event, computer="DC02.schoolbestuur-voorbeeld.nl") for event in log[:50]
    ]
    second_dc = evtx_writing.write_evtx(tmp_path / "dc02.evtx", other_dc)
    added = read_file(con, second_dc, WINDOWS)
    assert (added.events, added.duplicates) == (50, 0)
    assert len(events(con)) == 410


# -- Cut off, empty ----------------------------------------------------------------------------

# Inside the last chunk: some of its records lie wholly before the cut.
CUT = chunk_offset(3) + 20_000


def test_a_cut_off_file_keeps_its_whole_chunks_and_says_truncated(
    tmp_path: Path, written: bytes
) -> None:
    path = tmp_path / "cut.evtx"
    path.write_bytes(written[:CUT])
    report, rows = read(path)
    whole = [place.record_id for place in record_places(written) if place.chunk < 3]
    assert set(whole) <= set(ids(rows))
    assert len(whole) == 306
    # The cut record and those after it, by the chunk header's range: counted and named.
    cut_off = [place.record_id for place in in_chunk(written, 3) if place.offset + place.size > CUT]
    assert (report.records, report.events, report.refused) == (
        360,
        360 - len(cut_off),
        len(cut_off),
    )
    assert refusals(report) == [(cut_off[0], "truncated")]
    assert f"records {cut_off[0]}..360" in report.refusals[0].detail


def test_a_cut_off_file_keeps_the_whole_records_of_its_last_chunk(
    tmp_path: Path, written: bytes
) -> None:
    path = tmp_path / "cut.evtx"
    path.write_bytes(written[:CUT])
    _, rows = read(path)
    before_cut = [
        place.record_id for place in record_places(written) if place.offset + place.size <= CUT
    ]
    assert len(before_cut) > 306  # records of the last chunk among them
    assert ids(rows) == before_cut


def test_a_file_cut_off_before_its_last_chunks_names_what_is_missing(
    tmp_path: Path, written: bytes
) -> None:
    # Cut in chunk 2: its records after the cut by its header, chunk 3's by the file header.
    cut = chunk_offset(2) + 9_000
    path = tmp_path / "cut.evtx"
    path.write_bytes(written[:cut])
    report, rows = read(path)
    before_cut = [
        place.record_id for place in record_places(written) if place.offset + place.size <= cut
    ]
    first_cut = len(before_cut) + 1
    last_of_chunk = in_chunk(written, 2)[-1].record_id
    assert ids(rows) == before_cut
    assert (report.records, report.refused) == (360, 360 - len(before_cut))
    assert refusals(report) == [(None, "truncated"), (first_cut, "truncated")]
    details = [
        item.detail for item in sorted(report.refusals, key=lambda item: item.record_no or 0)
    ]
    assert f"records {last_of_chunk + 1}..360 missing" in details[0]
    assert f"records {first_cut}..{last_of_chunk} lie (partly) beyond its end" in details[1]


def test_a_cut_off_gzip_file_keeps_what_was_unpacked_before_the_cut(
    tmp_path: Path, written: bytes
) -> None:
    packed = gzip.compress(written)
    cut = packed[: len(packed) * 2 // 3]
    path = tmp_path / "Security.evtx.gz"
    path.write_bytes(cut)
    unpacked = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(cut)
    report, rows = read(path)
    before_cut = [
        place.record_id
        for place in record_places(written)
        if place.offset + place.size <= len(unpacked)
    ]
    assert 0 < len(before_cut) < 360
    assert ids(rows) == before_cut
    assert (report.records, report.refused) == (360, 360 - len(before_cut))
    assert {code for _, code in refusals(report)} == {"truncated"}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("nothing", "empty"),
        ("a file header without chunks", "empty"),
        ("the file header of a file with chunks", "truncated"),
    ],
)
def test_an_empty_or_header_only_file_gives_a_clear_report(
    tmp_path: Path, written: bytes, content: str, code: str
) -> None:
    data = {
        "nothing": b"",
        "a file header without chunks": evtx_writing.file_header(0, 1),
        "the file header of a file with chunks": written[:FILE_HEADER_SIZE],
    }[content]
    path = tmp_path / "Security.evtx"
    path.write_bytes(data)
    report, rows = read(path)
    assert rows == []
    assert report.events == 0
    assert refusals(report) == [(None, code)]
    assert code in REFUSAL_CODES


def test_a_file_header_cut_short_is_refused_without_a_crash(tmp_path: Path, written: bytes) -> None:
    path = tmp_path / "Security.evtx"
    path.write_bytes(written[:100])
    report, rows = read(path)
    assert rows == []
    assert report.events == 0
    assert refusals(report) == [(None, "unreadable")]
    assert "header" in report.refusals[0].detail
