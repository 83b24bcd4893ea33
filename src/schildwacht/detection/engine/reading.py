"""Reading log files into JSON records, with a report of everything that was refused.

JSON lines and files that are one JSON array go straight to DuckDB (``read_ndjson_objects``,
``read_json_objects`` with format 'array'; gzip included), which parses in parallel without
holding the file and is the fast path for large files. When DuckDB refuses a file (a damaged
record, bytes that are not UTF-8, a record over the size limit, a cut-off end) or when the file
is another JSON document (an object with a ``value``/``items`` array as the Graph and Google
APIs return, or a single record), Python reads it record by record, names every refused record
and keeps the good ones. Either way the records land in a table ``records(record_no, raw)``;
``record_no`` is the line (JSON lines) or position (array), NULL on the fast path until a
refusal needs it.

Files joined with ``cat`` hold several documents one after another (``[…]\n[…]``, or API pages):
DuckDB refuses them, and the careful path reads every document, numbering the records on
through them. After the last document only blank space may follow; anything else is refused
("data after the array"), so nothing is dropped without a word. Whether a file is gzip is told
by its first bytes, never by its name, on both paths.

``raw`` is a JSON record's own text as it stood in the file, without the blank space around it
(or the file's byte order mark). It is not re-encoded: escapes (``\\u00e9``, ``\\/``), number
spellings (``1.0``, ``1e3``), key order and the line breaks inside a pretty-printed record stay
as they were. So a record has the same ``raw`` whichever way it was read, and where its source
has no key of its own, the same ``md5(raw)`` key. Records a reader builds (EVTX, syslog,
Windows events flattened) are kept as DuckDB writes JSON.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterator
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
# Damaged records of a JSON document after which the careful path gives up on the file.
MAX_DAMAGED = 1000
_SNIFF_BYTES = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
# What may come before a file's first record: a UTF-8 byte order mark and blank space.
_BLANK = b"\xef\xbb\xbf \t\r\n"


@dataclass(frozen=True)
class Refusal:
    """One refused record: where (line or position, None for the whole file), why (a code
    the application translates) and a detail for the specialist."""

    record_no: int | None
    code: str
    detail: str = ""


# The codes of refusals and of notices (``FileReport.notice``), with their meaning.
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
    "checksum": "the checksum does not match: the records were read but may have been altered",
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
    # Warnings about records that were kept (e.g. an EVTX chunk failing its checksum): the
    # reader must say so, but they are no refusals and count in no total.
    notices: list[Refusal] = field(default_factory=list)

    def refuse(self, record_no: int | None, code: str, detail: str = "") -> None:
        self.refused += 1
        if len(self.refusals) < REPORT_LIMIT:
            self.refusals.append(Refusal(record_no, code, detail[:300]))

    def notice(self, record_no: int | None, code: str, detail: str = "") -> None:
        """Warn about records that were read and kept all the same."""
        if len(self.notices) < REPORT_LIMIT:
            self.notices.append(Refusal(record_no, code, detail[:300]))

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
            "notices": [
                {"record": item.record_no, "code": item.code, "detail": item.detail}
                for item in self.notices
            ],
        }


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """``path`` opened for reading bytes, unpacked on the fly when it is gzip: told by its
    first two bytes, not by its name (uploads arrive under any name)."""
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def first_bytes(path: Path) -> bytes:
    """The first bytes of the (unpacked) file, enough to tell its format; of a cut-off gzip,
    what could be read; empty when the file cannot be read."""
    try:
        handle = open_maybe_gzip(path)
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


def looks_like_json_lines(head: bytes) -> bool:
    """JSON lines, or one JSON document? Decided on the file's first bytes (``first_bytes``)
    by the first non-space byte: ``[`` is an array; ``{`` is JSON lines unless the first line
    is only the start of a pretty-printed object (``{`` alone on its line) or a whole object
    with nothing after it (an API page). A first line that is damaged or longer than the
    sniffed head still means JSON lines: its line gets named."""
    text = head.lstrip(_BLANK)
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


def _looks_like_json_array(head: bytes) -> bool:
    return head.lstrip(_BLANK).startswith(b"[")


def _is_gzip(path: Path) -> bool:
    """Whether the file is gzip, told by its first two bytes."""
    try:
        with path.open("rb") as handle:
            return handle.read(2) == GZIP_MAGIC
    except OSError:
        return False


def _array_closed(path: Path) -> bool:
    """Whether a file that starts an array also ends one. DuckDB takes an array cut off just
    after a comma for a whole one and would not say it was cut; the careful path does. A gzip
    file is not unpacked to look (that costs as much as reading it): a cut-off gzip stream
    DuckDB refuses by itself, and only a whole gzip of an already cut-off array slips by."""
    try:
        with path.open("rb") as handle:
            if handle.read(2) == GZIP_MAGIC:
                return True
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - 4096))
            tail = handle.read()
    except OSError:
        return False
    return tail.rstrip(b" \t\r\n").endswith(b"]")


Records = Iterator[tuple[int, dict[str, Any]]]
# A JSON record with its own text as it stood in the file: that text is what ``raw`` keeps.
Text = tuple[int, dict[str, Any], str]
Texts = Iterator[Text]
# Readers of formats that are not JSON (EVTX, syslog): they turn a file into numbered JSON
# records and report what they refuse. Registered by the source modules.
RECORD_READERS: dict[str, Callable[[Path, FileReport], Records]] = {}

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\r\n]*")
# Between the elements of an array: a damaged file may have lost or doubled a comma.
_BETWEEN = re.compile(r"[ \t\r\n,]*")
# What an element's extent depends on, and the rest of a JSON string (escapes included).
_STRUCTURE = re.compile(r'["\[\]{},]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Where a record may start after a damaged one: a comma or bracket, then a brace.
_RECORD_START = re.compile(r"[,\[]\s*\{")
# After a document, before the next one of a file joined with ``cat``: blank space, and the
# byte order mark the next file may start with. Vertical tab and form feed are no JSON blank
# space, but DuckDB's fast path takes them for it after an array: nothing is lost in them.
_AFTER = re.compile("[ \t\r\n\v\f\ufeff]*")
# A \u escape of a surrogate: only where one appears can a lone one hide.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_lines(path: Path, report: FileReport) -> Records:
    """JSON lines read one by one (for readers of JSON-lines variants, e.g. Windows events
    exported as JSON); every refused line is named in ``report``."""
    for number, value, _text in _json_lines(path, report):
        yield number, value


def json_document(path: Path, report: FileReport) -> Records:
    """The records of one JSON document (for readers of JSON variants, e.g. Windows events
    exported as an array): an array of records, an object holding them under ``value``
    (Graph) or ``items`` (Google), or a single record. Every refused record is named in
    ``report``; a document cut off part-way keeps the records before the cut."""
    for number, value, _text in _json_document(path, report):
        yield number, value


def json_lines_relation(path: Path) -> str | None:
    """The fast path: SQL reading ``path`` in DuckDB as ``(record_no, raw)``, ``record_no``
    NULL and ``raw`` each record's own text as it stood in the file. JSON lines go through
    ``read_ndjson_objects``, a file that is one JSON array through ``read_json_objects``
    (element by element: the document is never held whole); gzip either way, told by the
    file's first bytes: DuckDB would go by the name, and uploads are stored under their own
    (``signins.json`` gzipped, or a plain file named ``.gz``).

    None when the file must be read the careful way (``load_records``): an API page or another
    single document, a file with nothing in it, or an array whose closing bracket is missing.
    DuckDB refuses the whole file on the first bad record (or a cut-off gzip stream): the
    caller then reads it with ``load_records``, which names every refused record. Several
    arrays one after another (files joined with ``cat``) DuckDB refuses too, so they go the
    careful way, which reads them all."""
    head = first_bytes(path)
    if not head.strip(_BLANK):
        return None
    if _looks_like_json_array(head):
        if not _array_closed(path):
            return None
        reader = "read_json_objects"
        options = "format='array', "
    elif looks_like_json_lines(head):
        reader = "read_ndjson_objects"
        options = ""
    else:
        return None
    compression = "gzip" if _is_gzip(path) else "none"
    return (
        "(SELECT CAST(NULL AS BIGINT) AS record_no, CAST(json AS VARCHAR) AS raw "
        f"FROM {reader}({sql_literal(path)}, {options}compression='{compression}', "
        f"maximum_object_size={MAX_RECORD_BYTES}, ignore_errors=false))"
    )


def load_records(
    con: duckdb.DuckDBPyConnection, path: Path, report: FileReport, reader: str = "json"
) -> str:
    """Read ``path`` record by record into a new table ``(record_no, raw)`` and return its
    name; every refused record is named in ``report``. A JSON record's ``raw`` is its own text
    exactly as the fast path (``json_lines_relation``) takes it, so a record read either way
    has the same ``raw`` (and the same ``md5(raw)`` key where its source has none)."""
    table = f"records_{uuid.uuid4().hex[:12]}"
    if reader != "json":
        _store_numbered(con, table, RECORD_READERS[reader](path, report), report)
        return table
    head = first_bytes(path)
    if not head.strip(_BLANK):
        report.refuse(None, "empty")
        con.execute(f"CREATE TEMP TABLE {table} (record_no BIGINT, raw VARCHAR)")
        return table
    records = (
        _json_lines(path, report) if looks_like_json_lines(head) else _json_document(path, report)
    )
    _store_numbered(con, table, ((number, text) for number, _value, text in records), report)
    return table


def _json_lines(path: Path, report: FileReport) -> Texts:
    """JSON lines read one by one in Python: each bad line named, the good ones kept."""
    try:
        handle = open_maybe_gzip(path)
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
            # The line without the blank space around it (and the file's byte order mark):
            # the text DuckDB's fast path takes as the record.
            stripped = line.strip()
            if number == 1:
                stripped = stripped.removeprefix(b"\xef\xbb\xbf").strip()
            if not stripped:
                continue
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
                if isinstance(error, json.JSONDecodeError) and error.msg == "Extra data":
                    # Several documents on one line: API responses without a final line end,
                    # joined with ``cat``. Each is read, numbered by the line.
                    yield from _values_on_line(text, number, report)
                    continue
                # Only a last line without its line end was cut off; others are damaged.
                code = (
                    "truncated" if not line.endswith(b"\n") and _at_end(reader) else "invalid_json"
                )
                report.refuse(number, code, str(error))
                continue
            yield from _line_value(text, 0, len(text), value, number, report)


def _values_on_line(text: str, number: int, report: FileReport) -> Texts:
    """The records of several JSON documents on line ``number`` (records or API pages), all
    numbered by the line; a damaged one refuses the rest of the line."""
    position = _skip(_SPACE, text, 0)
    while position < len(text):
        try:
            value, end = _DECODER.raw_decode(text, position)
        except RecursionError:
            report.refuse(number, "invalid_json", "nested too deeply")
            return
        except ValueError as error:
            report.refuse(number, "invalid_json", str(error))
            return
        yield from _line_value(text, position, end, value, number, report)
        position = _skip(_SPACE, text, end)


def _line_value(
    text: str, position: int, end: int, value: Any, number: int, report: FileReport
) -> Texts:
    """``value``, decoded from ``text[position:end]`` on line ``number``: the record, or the
    records of an API page on one line (appended responses), numbered by the line."""
    key = _page_key(value) if isinstance(value, dict) else None
    if key is not None:
        yield from _page_records(text, position, key, report, line=number)
    else:
        yield from _checked(number, value, text[position:end], report)


def _page_key(value: dict[str, Any]) -> str | None:
    """The member holding the records of a Graph (``value``) or Google Reports (``items``)
    API page, else None."""
    for key in ("value", "items"):
        if isinstance(value.get(key), list) and (
            "@odata.context" in value
            or "kind" in value
            or "nextPageToken" in value
            or "@odata.nextLink" in value
            or len(value) == 1
        ):
            return key
    return None


def _skip(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Past what ``pattern`` (which matches nothing, too) matches at ``position``."""
    found = pattern.match(text, position)
    return found.end() if found else position


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


def _json_document(path: Path, report: FileReport) -> Texts:
    """One JSON document: an array of records, or an object holding them under ``value``
    (Graph) or ``items`` (Google), or a single record. The records of an array are decoded one
    at a time, never the whole array at once. A document cut off part-way (or a cut-off gzip
    stream) keeps the records before the cut."""
    try:
        handle = open_maybe_gzip(path)
    except OSError as error:
        report.refuse(None, "unreadable", str(error))
        return
    data = bytearray()
    cut = ""
    with handle:
        try:
            # Small reads: a gzip stream that turns out to be cut off loses the read under way.
            while chunk := handle.read(1 << 16):
                data += chunk
        except (OSError, EOFError) as error:
            cut = str(error) or "the compressed file ends early"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if not (cut and error.reason == "unexpected end of data"):
            report.refuse(None, "not_utf8", f"byte {error.start + 1}")
            return
        # The cut went through a character: the text before it is whole.
        text = data[: error.start].decode("utf-8-sig")
    del data  # the text holds it now; a large array should not be in memory twice
    if cut and not text.strip(" \t\r\n"):
        report.refuse(None, "truncated", cut)
        return
    whole = yield from _document_records(text, report)
    if cut and whole:
        report.refuse(None, "truncated", cut)


def _document_records(text: str, report: FileReport) -> Generator[Text, None, bool]:
    """The records of the JSON documents in ``text``: one as a rule, several one after another
    in files joined with ``cat`` (arrays, API pages or single records), their records numbered
    on through them. After the last one only blank space may follow: anything else is refused
    by position, so nothing is dropped without a word. Returns False when it already refused a
    document (or the end) as damaged or cut off."""
    position = _skip(_AFTER, text, 0)
    count = 0
    while True:
        start = position
        end, count = yield from _one_document(text, start, report, count)
        if end is None:
            return False
        position = _skip(_AFTER, text, end)
        if position >= len(text):
            return True
        if text[position] not in "[{":
            what = "array" if text.startswith("[", start) else "document"
            found = text[position : position + 40]
            where = _where(text, position)
            report.refuse(count + 1, "invalid_json", f"data after the {what}, {where}: {found!r}")
            return False


def _one_document(
    text: str, position: int, report: FileReport, count: int
) -> Generator[Text, None, tuple[int | None, int]]:
    """The records of the JSON document at ``position``, numbered on from ``count`` (the
    records of the documents before it); returns where it ends (None when it was refused as
    damaged or cut off, or its end is) and the records counted so far."""
    # A whole document refused is named by its position among the records, but the first one
    # is the whole file.
    whole = count + 1 if count else None
    if text.startswith("[", position):
        return (yield from _array_records(text, position + 1, report, before=count))
    try:
        document, end = _DECODER.raw_decode(text, position)
    except RecursionError:
        report.refuse(whole, "invalid_json", "nested too deeply")
        return None, count
    except ValueError:
        # A damaged page: its records are read one at a time, the damaged ones refused.
        records = _member_array(text, position)
        if records is None:
            # Where this document ends is not known, so neither where the next one starts.
            report.refuse(
                whole,
                "invalid_json",
                "a damaged document without a readable array of records before the damage; "
                "the rest of the file is not read",
            )
            return None, count
        after, count = yield from _array_records(text, records, report, before=count)
        if after is None:
            return None, count
        # The rest of the page (a next link): where it ends, another document may follow.
        page_end = _object_end(text, after)
        if page_end is None:
            cut = text.find("}", after) < 0
            report.refuse(
                count + 1,
                "truncated" if cut else "invalid_json",
                "the page has no closing brace" if cut else "the end of the page is damaged",
            )
        return page_end, count
    if not isinstance(document, dict):
        report.refuse(whole, "not_object", type(document).__name__)
        return None, count
    key = _page_key(document)
    if key is None:
        yield from _checked(count + 1, document, text[position:end], report)
        return end, count + 1
    del document  # a large page is read again record by record: not held twice
    inner, count = yield from _page_records(text, position, key, report, before=count)
    return (end if inner is not None else None), count


def _member_array(
    text: str, position: int, keys: tuple[str, ...] = ("value", "items")
) -> int | None:
    """Where the elements of the array under the first of ``keys`` start (just past its
    ``[``) in the JSON object at ``position``, found by reading its members in order; None when
    the text there is no object or is damaged before that member (a damaged API page). Searching
    the text instead would find an array of a later document, or one nested in another
    member."""
    if not text.startswith("{", position):
        return None
    position = _skip(_SPACE, text, position + 1)
    try:
        while True:
            name, position = _DECODER.raw_decode(text, position)
            position = _skip(_SPACE, text, position)
            if not isinstance(name, str) or not text.startswith(":", position):
                return None
            position = _skip(_SPACE, text, position + 1)
            if name in keys and text.startswith("[", position):
                return position + 1
            _value, position = _DECODER.raw_decode(text, position)
            position = _skip(_SPACE, text, position)
            if not text.startswith(",", position):
                return None
            position = _skip(_SPACE, text, position + 1)
    except (ValueError, RecursionError):
        return None


def _page_records(
    text: str, position: int, key: str, report: FileReport, line: int | None = None, before: int = 0
) -> Generator[Text, None, tuple[int | None, int]]:
    """The records of the whole API page at ``position`` (decoded already, its records under
    ``key``), as ``_array_records`` gives them."""
    start = _member_array(text, position, (key,))
    assert start is not None  # the page decoded whole and has this member
    return (yield from _array_records(text, start, report, line=line, before=before))


def _object_end(text: str, position: int) -> int | None:
    """Past the closing brace of the object whose members go on at ``position`` (just past a
    member's value), or None when what follows is no whole members and a closing brace."""
    try:
        while True:
            position = _skip(_SPACE, text, position)
            if text.startswith("}", position):
                return position + 1
            if not text.startswith(",", position):
                return None
            _name, position = _DECODER.raw_decode(text, _skip(_SPACE, text, position + 1))
            position = _skip(_SPACE, text, position)
            if not text.startswith(":", position):
                return None
            _value, position = _DECODER.raw_decode(text, _skip(_SPACE, text, position + 1))
    except (ValueError, RecursionError):
        return None


def _where(text: str, position: int) -> str:
    """``position`` in ``text`` as the line and column an editor shows."""
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return f"line {line}, column {column}"


def _array_records(
    text: str, position: int, report: FileReport, line: int | None = None, before: int = 0
) -> Generator[Text, None, tuple[int | None, int]]:
    """The records of the array in ``text`` whose elements start at ``position`` (just past
    its ``[``), each with its own text; numbered by their position in the array counting on
    from ``before`` (the records of the documents before it in the file), or all by ``line``
    (an API page on one line of JSON lines). A damaged record is refused and reading goes on
    at the next record; a cut-off end keeps everything before it. Returns where the array
    ends (just past its closing bracket; None when it was not read to there) and the last
    position counted."""
    length = len(text)
    count = before
    while True:
        position = _skip(_BETWEEN, text, position)
        if position < length and text[position] == "]":
            return position + 1, count
        count += 1
        number = line or count
        if position >= length:
            # Cut off between two records: nothing of this one is there.
            report.refuse(number, "truncated", "the array has no closing bracket")
            return None, count
        try:
            value, end = _DECODER.raw_decode(text, position)
        except RecursionError:
            report.refuse(number, "invalid_json", "nested too deeply")
            return None, count
        except ValueError as error:
            if report.refused >= MAX_DAMAGED:
                # Each failed decode counts the lines up to it (Python's error message), so
                # going on through a large, badly damaged array would take hours.
                report.refuse(
                    number,
                    "invalid_json",
                    f"more than {MAX_DAMAGED} damaged records: the rest of the file is not read",
                )
                return None, count
            following = _element_end(text, position)
            if following is None:
                # The damage broke the brackets or quotes: the next whole record instead.
                following = _next_record(text, position)
            if following is None:
                report.refuse(number, "truncated", str(error))
                return None, count
            report.refuse(number, "invalid_json", str(error))
            position = following
            continue
        yield from _checked(number, value, text[position:end], report)
        position = end


def _checked(number: int, value: Any, text: str, report: FileReport) -> Texts:
    """The record, unless it is no object, holds a ``\\u`` escape that is no character, or is
    larger than the limit (refused in ``report``)."""
    if not isinstance(value, dict):
        report.refuse(number, "not_object", type(value).__name__)
        return
    if _SURROGATE_ESCAPE.search(text) and _lone_surrogate(value):
        # Valid JSON text, but no character: DuckDB refuses it, and so does UTF-8.
        report.refuse(number, "invalid_json", "a \\u escape that is no character")
        return
    if len(text) > MAX_RECORD_BYTES // 4 and len(text.encode("utf-8")) > MAX_RECORD_BYTES:
        report.refuse(number, "too_large", f"more than {MAX_RECORD_BYTES} bytes")
        return
    yield number, value, text


def _lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _element_end(text: str, position: int) -> int | None:
    """Just past the array element that starts at ``position`` (at the comma or closing
    bracket after it), found by its brackets and quotes, so a damaged element is skipped
    whole and a record nested in it is not taken for the next one; None when its brackets
    or quotes do not close."""
    depth = 0
    while True:
        found = _STRUCTURE.search(text, position)
        if found is None:
            return None
        char, position = found.group(), found.end()
        if char == '"':
            rest = _STRING_REST.match(text, position)
            if rest is None:
                return None
            position = rest.end()
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return found.start() if char == "]" else None
            depth -= 1
        elif depth == 0:  # a comma between elements
            return found.start()


def _next_record(text: str, position: int) -> int | None:
    """Where the next whole record starts after a damaged one, or None when no whole record
    follows (the document was cut off)."""
    for found in _RECORD_START.finditer(text, position + 1):
        start = found.end() - 1
        try:
            _DECODER.raw_decode(text, start)
        except (ValueError, RecursionError):
            continue
        return start
    return None


def _store_numbered(
    con: duckdb.DuckDBPyConnection,
    table: str,
    records: Iterator[tuple[int, dict[str, Any] | str]],
    report: FileReport,
) -> None:
    """Write the records as JSON lines wrapped with their number, and let DuckDB read them
    back: one fast path for parsing, whatever the original form. A record given as text (a
    JSON record's own text) is kept as that text exactly; one given as an object (a record a
    reader built, e.g. from EVTX or syslog) as DuckDB writes JSON.

    The file (up to about twice the records' text) goes where DuckDB spills
    (``spill_folder``), and is removed however this ends."""
    handle, name = tempfile.mkstemp(
        prefix="schildwacht-records-", suffix=".jsonl", dir=spill_folder(con)
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            count = 0
            for number, value in records:
                if isinstance(value, str):
                    line = f'{{"n":{number},"t":{json.dumps(value, ensure_ascii=False)}}}'
                else:
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
        # Text escaped as a JSON string is at most twice as long as the record.
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT CAST(json_extract(json, '$.n') AS BIGINT) "
            "AS record_no, COALESCE(json_extract_string(json, '$.t'), "
            "CAST(json_extract(json, '$.r') AS VARCHAR)) AS raw "
            f"FROM read_ndjson_objects(?, maximum_object_size={MAX_RECORD_BYTES * 2 + 1024})",
            [name],
        )
    finally:
        Path(name).unlink(missing_ok=True)


# DuckDB's temp_directory when nobody set one for an in-memory database: relative to whatever
# the current folder is, so no folder anyone chose.
_DUCKDB_DEFAULT_TEMP = ".tmp"


def spill_folder(con: duckdb.DuckDBPyConnection) -> str | None:
    """The folder DuckDB was told to spill to (``connect(temp_directory=...)``, the CLI's
    ``--work-dir``), for the large temporary files of reading; None (the system's temporary
    folder) when none was set or it does not exist.

    DuckDB does not say whether the setting was chosen or is its default. Its default for an
    in-memory database is the relative ``.tmp``, which is never taken; for a database file it
    is ``<file>.tmp`` next to it, which DuckDB creates when it spills and is taken only then,
    a folder DuckDB writes to anyway. A folder that does not exist (yet) is not created here:
    the callers make theirs before connecting."""
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    setting = str(row[0]) if row and row[0] else ""
    if not setting or setting == _DUCKDB_DEFAULT_TEMP:
        return None
    folder = Path(setting).absolute()
    return str(folder) if folder.is_dir() else None
