"""The Windows Security event log (source ``windows-security``).

Read from a binary ``.evtx`` file (with the ``evtx`` package) or from JSON, as lines or as
one array, in two shapes:

* the ``evtx`` package's own JSON, ``{"Event": {"System": {...}, "EventData": {...}}}``;
* a flat record as export tools write it: ``EventID``, ``TimeCreated`` (or
  ``TimeGenerated``), ``Computer``, ``EventRecordID`` and the event data's fields beside them.

The reader turns every record into the flat shape before it is stored, so SigmaHQ's Windows
rules find their field names (``EventID``, ``TargetUserName``, ``LogonType``, ``IpAddress``,
``SubjectUserName``, …) at the top of ``raw`` whatever the file was. ``EventID`` becomes text
(``"4624"``), ``TimeCreated`` the system time, ``Provider`` and ``Provider_Name`` the
provider's name.

A damaged record or chunk of an EVTX file is refused as ``damaged`` (numbered by its event
record id where the parser names it) and reading goes on with the next one; a file shorter
than its header says is reported as ``truncated``.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import evtx

from schildwacht.detection.engine import reading
from schildwacht.detection.engine.reading import FileReport, Records
from schildwacht.detection.engine.sources import (
    Extract,
    Shape,
    Source,
    lower,
    register,
    text,
)

EVTX_MAGIC = b"ElfFile\x00"
_HEADER_BYTES = 4096
_CHUNK_BYTES = 65536
# The Rust parser's threads: the board's server is small and shared with the application.
EVTX_THREADS = 2
# Parser messages name the record or the chunk's records that failed.
_RECORD_NUMBER = re.compile(r"record number (\d+)")
_CHUNK_RECORDS = re.compile(r"record IDs (\d+)\.\.")

# Account-management events: who acted is the subject, the account or group acted upon is the
# target (4720 created, 4722 enabled, 4723/4724 password change/reset, 4725 disabled,
# 4726 deleted, 4738 changed, 4740 locked out, 4767 unlocked; 4728/4732/4756 member added to
# a global/local/universal group, 4729/4733/4757 removed).
ACCOUNT_EVENTS = ("4720", "4722", "4723", "4724", "4725", "4726", "4738", "4740", "4767")
GROUP_EVENTS = ("4728", "4729", "4732", "4733", "4756", "4757")


def _unwrap(value: Any) -> Any:
    """An element's value: the text of ``{"#text": ..., "#attributes": ...}``, else as is."""
    if isinstance(value, dict) and "#text" in value:
        return value["#text"]
    return value


def _fields(data: Any) -> dict[str, Any]:
    """The named values of an ``EventData`` or ``UserData`` element, one level deep."""
    if not isinstance(data, dict):
        return {}
    fields = {key: _unwrap(value) for key, value in data.items() if key != "#attributes"}
    # UserData holds one element named after the event (e.g. LogFileCleared) with the fields.
    if len(fields) == 1:
        (only,) = fields.values()
        if isinstance(only, dict):
            return {key: _unwrap(value) for key, value in only.items() if key != "#attributes"}
    return fields


def _attribute(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        attributes = value.get("#attributes")
        if isinstance(attributes, dict):
            return attributes.get(name)
    return None


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """A record in the ``{"Event": {"System", "EventData"}}`` shape as one flat object; any
    other record is returned as it is."""
    event = record.get("Event")
    if not isinstance(event, dict) or not isinstance(event.get("System"), dict):
        return record
    flat: dict[str, Any] = {}
    # The event's own data first, so that the system fields win a clash of names: the key
    # and the time are built from them.
    flat.update(_fields(event.get("EventData")))
    flat.update(_fields(event.get("UserData")))
    system: dict[str, Any] = event["System"]
    for key, value in system.items():
        if key == "Provider":
            flat["Provider"] = flat["Provider_Name"] = _attribute(value, "Name")
            flat["Provider_Guid"] = _attribute(value, "Guid")
        elif key == "TimeCreated":
            flat["TimeCreated"] = _attribute(value, "SystemTime")
        elif key == "Execution":
            flat["ExecutionProcessID"] = _attribute(value, "ProcessID")
            flat["ExecutionThreadID"] = _attribute(value, "ThreadID")
        elif key == "Security":
            flat["UserID"] = _attribute(value, "UserID")
        elif key == "Correlation":
            flat["ActivityID"] = _attribute(value, "ActivityID")
            flat["RelatedActivityID"] = _attribute(value, "RelatedActivityID")
        else:
            flat[key] = _unwrap(value)
    if flat.get("EventID") is not None:
        flat["EventID"] = str(flat["EventID"])
    return {key: value for key, value in flat.items() if value is not None}


def read_windows_events(path: Path, report: FileReport) -> Records:
    """The records of an EVTX file or of a JSON file of events, flattened."""
    head = reading.first_bytes(path)
    if head.startswith(EVTX_MAGIC):
        yield from _evtx_file(path, report)
        return
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        report.refuse(None, "empty")
        return
    if not start.startswith((b"{", b"[")):
        report.refuse(None, "invalid_json", "neither an EVTX file nor JSON")
        return
    if reading.looks_like_json_lines(head):
        records = reading.json_lines(path, report)
    else:
        records = reading.json_document(path, report)
    for number, record in records:
        yield number, flatten(record)


def _evtx_file(path: Path, report: FileReport) -> Records:
    with path.open("rb") as handle:
        compressed = handle.read(2) == reading.GZIP_MAGIC
    if not compressed:
        yield from _evtx_records(path, report)
        return
    # The parser needs to seek: a compressed file is unpacked to a temporary copy first.
    with tempfile.NamedTemporaryFile(prefix="schildwacht-", suffix=".evtx") as copy:
        with gzip.open(path, "rb") as source:
            try:
                shutil.copyfileobj(source, copy)
            except (OSError, EOFError) as error:
                report.refuse(None, "truncated", str(error))
        copy.flush()
        yield from _evtx_records(Path(copy.name), report)


def _evtx_records(path: Path, report: FileReport) -> Records:
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(_HEADER_BYTES)
    chunks = int.from_bytes(header[42:44], "little") if len(header) >= 44 else 0
    try:
        parser = evtx.PyEvtxParser(str(path), number_of_threads=EVTX_THREADS)
    except (RuntimeError, OSError, ValueError) as error:
        report.refuse(None, "unreadable", str(error))
        return
    kept = 0
    for item in _evtx_items(parser, size):
        if isinstance(item, Damaged):
            report.refuse(item.record_no, "damaged", item.detail)
            continue
        kept += 1
        yield item
    if size < _HEADER_BYTES + chunks * _CHUNK_BYTES:
        # The parser silently drops a chunk cut short; what it held is lost, say so.
        report.refuse(None, "truncated", f"{size} bytes, the header counts {chunks} chunks")
    elif kept == 0 and report.refused == 0:
        report.refuse(None, "empty")


@dataclass(frozen=True)
class Damaged:
    """A record or chunk the parser could not read: its event record id (the first of the
    chunk's) when the parser names it, and the parser's message."""

    record_no: int | None
    detail: str


def _evtx_items(parser: Any, size: int) -> Iterator[tuple[int, dict[str, Any]] | Damaged]:
    """Each record as ``(event record id, flat record)``, or ``Damaged``."""
    records = iter(parser.records_json())
    last = 0
    # Each failure moves the parser past at least one record header, so no more failures
    # than the file has room for records can come: a guard against a parser that stalls.
    failures_left = size // 24 + 16
    while True:
        try:
            item = next(records)
        except StopIteration:
            return
        except (RuntimeError, OSError, ValueError) as error:
            detail = str(error)
            found = _RECORD_NUMBER.search(detail) or _CHUNK_RECORDS.search(detail)
            yield Damaged(int(found.group(1)) if found else None, detail)
            failures_left -= 1
            if failures_left <= 0:
                return
            continue
        last = int(item.get("event_record_id") or last + 1)
        try:
            record = json.loads(item["data"])
        except (KeyError, TypeError, ValueError) as error:
            yield Damaged(last, f"record {last}: {error}")
            continue
        if not isinstance(record, dict):
            yield Damaged(last, f"record {last}: not an object")
            continue
        yield last, flatten(record)


reading.RECORD_READERS["evtx"] = read_windows_events


def _dash(sql: str) -> str:
    """Windows writes ``-`` for "none"; that is NULL here."""
    return f"NULLIF({text(sql)}, '-')"


def windows_time(sql: str) -> str:
    """An ISO 8601 time (UTC when it has no zone), or PowerShell's ``/Date(milliseconds)/``."""
    milliseconds = f"regexp_extract({sql}, '^/Date\\((-?[0-9]+)[^)]*\\)/$', 1)"
    return (
        f"CASE WHEN {milliseconds} <> '' THEN "
        f"make_timestamp(TRY_CAST({milliseconds} AS BIGINT) * 1000) "
        f"ELSE (TRY_CAST({sql} AS TIMESTAMPTZ) AT TIME ZONE 'UTC') END"
    )


def _columns(x: Extract) -> dict[str, str]:
    event_id = text(x.value("$.EventID"))
    account_event = f"{event_id} IN ({', '.join(repr(item) for item in ACCOUNT_EVENTS)})"
    group_event = f"{event_id} IN ({', '.join(repr(item) for item in GROUP_EVENTS)})"
    target_name = _dash(x.value("$.TargetUserName"))
    subject_name = _dash(x.value("$.SubjectUserName"))
    channel = text(x.value("$.Channel"))
    status = _dash(x.value("$.Status"))
    sub_status = _dash(x.value("$.SubStatus"))
    address = _dash(x.value("$.IpAddress"))
    return {
        "event_time": windows_time(x.value("$.TimeCreated", "$.TimeGenerated")),
        # Record ids count per log: events of another log than Security carry its name in the
        # key, so a file mixing logs of one computer does not collide.
        "event_key": (
            f"CASE WHEN {x.value('$.EventRecordID')} IS NOT NULL THEN "
            f"concat_ws(':', {text(x.value('$.Computer'))}, "
            f"CASE WHEN lower({channel}) <> 'security' THEN {channel} END, "
            f"{x.value('$.EventRecordID')}) END"
        ),
        "action": event_id,
        "event_code": event_id,
        "result": (
            f"CASE WHEN {event_id} = '4624' THEN 'success' "
            f"WHEN {event_id} = '4625' THEN 'failure' END"
        ),
        # SubStatus says why (0xC000006A: wrong password), Status only that it failed.
        "failure_code": (
            f"CASE WHEN {event_id} = '4625' THEN "
            f"COALESCE(CASE WHEN lower({sub_status}) <> '0x0' THEN {sub_status} END, {status}) END"
        ),
        "user_name": lower(
            f"CASE WHEN {account_event} OR {group_event} THEN {subject_name} "
            f"ELSE COALESCE({target_name}, {subject_name}) END"
        ),
        "target_user": lower(f"CASE WHEN {account_event} THEN {target_name} END"),
        "target": f"CASE WHEN {account_event} OR {group_event} THEN {target_name} END",
        # An IPv4 client of a dual-stack server is written as ::ffff:a.b.c.d.
        "source_ip": f"regexp_replace({address}, '^::ffff:([0-9.]+)$', '\\1', 'i')",
        "device": text(x.value("$.Computer")),
        "process": _dash(x.value("$.ProcessName", "$.NewProcessName")),
    }


WINDOWS_SECURITY = register(
    Source(
        name="windows-security",
        log_type="windows_security",
        description="Windows Security event log (.evtx, or events exported as JSON)",
        shapes=(Shape("event", "$.EventID"),),
        columns=_columns,
        reader="evtx",
        extensions=(".evtx", ".json", ".jsonl", ".ndjson", ".gz"),
    )
)
