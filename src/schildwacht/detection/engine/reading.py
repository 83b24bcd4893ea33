"""Reading log files into JSON records, with a report of everything that was refused.

JSON lines go straight to DuckDB (``read_ndjson_objects``, gzip included), which parses in
parallel and is the fast path for large files. When DuckDB refuses a file (a damaged line,
bytes that are not UTF-8, a line over the size limit) or when the file is one JSON document
(an array, or an object with a ``value``/``items`` array as the Graph and Google APIs return),
Python reads it record by record, names every refused line and keeps the good ones. Either way
the records land in a table ``records(record_no, raw)``; ``record_no`` is the line (JSON lines)
or position (array), NULL on the fast path until a refusal needs it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb

from schildwacht.detection.engine.schema import sql_literal

# A single event of several megabytes happens (Entra records with many policies, EVTX dumps);
# beyond this a line is refused by name rather than read into memory.
MAX_RECORD_BYTES = 64 * 1024 * 1024
# How many refusals a report lists one by one; the count is always complete.
REPORT_LIMIT = 100
_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class Refusal:
    """One refused record: where (line or position, None for the whole file), why (a code
    the application translates) and a detail for the specialist."""

    record_no: int | None
    code: str
    detail: str = ""


REFUSAL_CODES = {
    "empty": "the file holds no records",
    "invalid_json": "not valid JSON",
    "not_utf8": "bytes that are not UTF-8",
    "too_large": "record larger than the limit",
    "truncated": "the file ends in the middle of a record",
    "not_object": "not a JSON object",
    "wrong_source": "not a record of this source",
    "no_time": "no readable time (or one before 1990 or after 2100)",
    "damaged": "damaged record",
    "unreadable": "the file cannot be read",
    "invalid_syslog": "not a syslog line (RFC 3164 or RFC 5424)",
}


@dataclass
class FileReport:
    """What reading one file gave: records read, events kept, refusals (the first
    ``REPORT_LIMIT`` listed), duplicates skipped and the shapes seen."""

    path: str
    source: str
    records: int = 0
    events: int = 0
    duplicates: int = 0
    refused: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    shapes: dict[str, int] = field(default_factory=dict)

    def refuse(self, record_no: int | None, code: str, detail: str = "") -> None:
        self.refused += 1
        if len(self.refusals) < REPORT_LIMIT:
            self.refusals.append(Refusal(record_no, code, detail[:300]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "source": self.source,
            "records": self.records,
            "events": self.events,
            "duplicates": self.duplicates,
            "refused": self.refused,
            "shapes": self.shapes,
            "refusals": [
                {"record": item.record_no, "code": item.code, "detail": item.detail}
                for item in self.refusals
            ],
        }


def _open(path: Path) -> IO[bytes]:
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def _first_bytes(path: Path) -> bytes:
    """The first bytes of the (decompressed) file; of a cut-off gzip, what could be read."""
    try:
        handle = _open(path)
    except OSError:
        return b""
    with handle:
        head = b""
        try:
            while len(head) < _SNIFF_BYTES:
                chunk = handle.read(min(1 << 14, _SNIFF_BYTES - len(head)))
                if not chunk:
                    break
                head += chunk
        except (OSError, EOFError):
            pass
        return head


def _looks_like_json_lines(head: bytes) -> bool:
    """JSON lines, or one JSON document? Decided by the first non-space byte: ``[`` is an
    array; ``{`` is JSON lines unless the first line is only the start of a pretty-printed
    object (``{`` alone on its line). A first line that is
    damaged or longer than the sniffed head still means JSON lines: its line gets named."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False
    if b"\n" not in text:
        # One line so far: an object that is whole is a one-line document (an API page).
        try:
            json.loads(text)
        except ValueError:
            return True
        return False
    # Pretty-printers (jq, Python, PowerShell) put the opening brace on a line of its own.
    return text.split(b"\n", 1)[0].strip() != b"{"


Records = Iterator[tuple[int, dict[str, Any]]]
# Readers of formats that are not JSON (EVTX, syslog): they turn a file into numbered JSON
# records and report what they refuse. Registered by the source modules.
RECORD_READERS: dict[str, Callable[[Path, FileReport], Records]] = {}


def json_lines(path: Path, report: FileReport) -> Records:
    """JSON lines read one by one (for readers of JSON-lines variants, e.g. Windows events
    exported as JSON)."""
    return _json_lines(path, report)


def json_lines_relation(path: Path) -> str | None:
    """The fast path: SQL reading ``path`` as JSON lines in DuckDB, as ``(record_no, raw)``
    with ``record_no`` NULL; None when the file does not look like JSON lines. DuckDB refuses
    the whole file on the first bad line: the caller then reads it with ``load_records``."""
    head = _first_bytes(path)
    if not head.strip(b"\xef\xbb\xbf \t\r\n") or not _looks_like_json_lines(head):
        return None
    return (
        "(SELECT CAST(NULL AS BIGINT) AS record_no, CAST(json AS VARCHAR) AS raw "
        f"FROM read_ndjson_objects({sql_literal(path)}, maximum_object_size={MAX_RECORD_BYTES}, "
        "ignore_errors=false))"
    )


def load_records(
    con: duckdb.DuckDBPyConnection, path: Path, report: FileReport, reader: str = "json"
) -> str:
    """Read ``path`` record by record into a new table ``(record_no, raw)`` and return its
    name; every refused record is named in ``report``."""
    table = f"records_{uuid.uuid4().hex[:12]}"
    if reader != "json":
        _store_numbered(con, table, RECORD_READERS[reader](path, report), report)
        return table
    head = _first_bytes(path)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        report.refuse(None, "empty")
        con.execute(f"CREATE TEMP TABLE {table} (record_no BIGINT, raw VARCHAR)")
        return table
    records = (
        _json_lines(path, report) if _looks_like_json_lines(head) else _json_document(path, report)
    )
    _store_numbered(con, table, records, report)
    return table


def _json_lines(path: Path, report: FileReport) -> Records:
    """JSON lines read one by one in Python: each bad line named, the good ones kept."""
    try:
        handle = _open(path)
    except OSError as error:
        report.refuse(None, "unreadable", str(error))
        return
    with handle:
        # A gzip stream has its own buffer; another one on top would lose the lines already
        # decompressed into it when the stream turns out to be cut off.
        reader: Any = (
            handle
            if isinstance(handle, gzip.GzipFile)
            else io.BufferedReader(handle, buffer_size=1 << 20)
        )
        number = 0
        while True:
            try:
                line = reader.readline(MAX_RECORD_BYTES + 1)
            except (OSError, EOFError) as error:
                # A cut-off gzip stream: what came before it is kept.
                report.refuse(number + 1, "truncated", str(error))
                return
            if not line:
                return
            number += 1
            if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
                report.refuse(number, "too_large", f"more than {MAX_RECORD_BYTES} bytes")
                _skip_rest_of_line(reader)
                continue
            stripped = line.strip()
            if not stripped:
                continue
            if number == 1:
                stripped = stripped.removeprefix(b"\xef\xbb\xbf")
            try:
                text = stripped.decode("utf-8")
            except UnicodeDecodeError as error:
                report.refuse(number, "not_utf8", f"byte {error.start + 1}")
                continue
            try:
                value = json.loads(text)
            except RecursionError:
                report.refuse(number, "invalid_json", "nested too deeply")
                continue
            except ValueError as error:
                # Only a last line without its line end was cut off; others are damaged.
                code = (
                    "truncated" if not line.endswith(b"\n") and _at_end(reader) else "invalid_json"
                )
                report.refuse(number, code, str(error))
                continue
            if not isinstance(value, dict):
                report.refuse(number, "not_object", type(value).__name__)
                continue
            page = _page_records(value)
            if page is not None:
                # An API page on one line (appended responses): its records, numbered by
                # the line.
                for record in page:
                    if isinstance(record, dict):
                        yield number, record
                    else:
                        report.refuse(number, "not_object", type(record).__name__)
                continue
            yield number, value


def _page_records(value: dict[str, Any]) -> list[Any] | None:
    """The records of a Graph (``value``) or Google Reports (``items``) API page, else None."""
    for key in ("value", "items"):
        inner = value.get(key)
        if isinstance(inner, list) and (
            "@odata.context" in value
            or "kind" in value
            or "nextPageToken" in value
            or "@odata.nextLink" in value
            or len(value) == 1
        ):
            return inner
    return None


def _skip_rest_of_line(reader: Any) -> None:
    while True:
        chunk = reader.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            return


def _at_end(reader: Any) -> bool:
    try:
        return not reader.peek(1)
    except (OSError, EOFError):
        return True


def _json_document(path: Path, report: FileReport) -> Records:
    """One JSON document: an array of records, or an object holding them under ``value``
    (Graph) or ``items`` (Google), or a single record. A document cut off part-way keeps the
    records before the cut."""
    try:
        with _open(path) as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        report.refuse(None, "unreadable", str(error))
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report.refuse(None, "not_utf8", f"byte {error.start + 1}")
        return
    try:
        document = json.loads(text)
    except RecursionError:
        report.refuse(None, "invalid_json", "nested too deeply")
        return
    except ValueError:
        yield from _salvage_array(text, report)
        return
    if isinstance(document, dict):
        page = _page_records(document)
        document = page if page is not None else [document]
    if not isinstance(document, list):
        report.refuse(None, "not_object", type(document).__name__)
        return
    for number, value in enumerate(document, 1):
        if isinstance(value, dict):
            yield number, value
        else:
            report.refuse(number, "not_object", type(value).__name__)


def _salvage_array(text: str, report: FileReport) -> Records:
    """Decode a damaged document's records one at a time: the array at the top (or the
    ``value``/``items`` array of a page object). A damaged record is refused and reading goes
    on at the next record; a cut-off end keeps everything before it."""
    decoder = json.JSONDecoder()
    body = text.lstrip()
    if body.startswith("["):
        position = text.index("[") + 1
    else:
        found = re.search(r'"(?:value|items)"\s*:\s*\[', text)
        if not found:
            report.refuse(None, "invalid_json", "no JSON array of records found")
            return
        position = found.end()
    number = 0
    length = len(text)
    while position < length:
        while position < length and text[position] in " \t\r\n,":
            position += 1
        if position >= length or text[position] == "]":
            return
        number += 1
        try:
            value, position = decoder.raw_decode(text, position)
        except RecursionError:
            report.refuse(number, "invalid_json", "nested too deeply")
            return
        except ValueError as error:
            following = _next_record(text, position)
            if following is None:
                report.refuse(number, "truncated", str(error))
                return
            report.refuse(number, "invalid_json", str(error))
            position = following
            continue
        if isinstance(value, dict):
            yield number, value
        else:
            report.refuse(number, "not_object", type(value).__name__)


def _next_record(text: str, position: int) -> int | None:
    """Where the next whole record starts after a damaged one, or None when no whole record
    follows (the document was cut off)."""
    decoder = json.JSONDecoder()
    for found in re.finditer(r"[,\[]\s*\{", text[position + 1 :]):
        start = position + 1 + found.end() - 1
        try:
            decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            continue
        return start
    return None


def _store_numbered(
    con: duckdb.DuckDBPyConnection,
    table: str,
    records: Records,
    report: FileReport,
) -> None:
    """Write the records as JSON lines wrapped with their number, and let DuckDB read them
    back: one fast path for parsing, whatever the original form."""
    handle, name = tempfile.mkstemp(prefix="schildwacht-records-", suffix=".jsonl")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            count = 0
            for number, value in records:
                line = json.dumps({"n": number, "r": value}, ensure_ascii=False)
                try:
                    line.encode("utf-8")
                except UnicodeEncodeError:
                    # A lone surrogate escape (\ud800) is valid JSON text but no character.
                    report.refuse(number, "invalid_json", "a \\u escape that is no character")
                    continue
                out.write(line)
                out.write("\n")
                count += 1
        report.records = count + report.refused
        if count == 0:
            con.execute(f"CREATE TEMP TABLE {table} (record_no BIGINT, raw VARCHAR)")
            return
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT CAST(json_extract(json, '$.n') AS BIGINT) "
            "AS record_no, CAST(json_extract(json, '$.r') AS VARCHAR) AS raw "
            f"FROM read_ndjson_objects(?, maximum_object_size={MAX_RECORD_BYTES * 2})",
            [name],
        )
    finally:
        Path(name).unlink()
