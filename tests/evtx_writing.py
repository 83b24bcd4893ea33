"""Writing Windows XML Event Log (EVTX) files for tests, in the real binary format.

No Windows machine is at hand and no Security log with a licence for redistribution was found,
so the tests write their own. The layout follows the libyal description "Windows XML Event Log
(EVTX)" (libevtx/documentation) and [MS-EVEN6]'s binary XML:

* a 4096-byte file header (``ElfFile``, format 3.1), CRC32 of its first 120 bytes at offset 124;
* 65536-byte chunks (``ElfChnk``) with a 512-byte header: record numbers and ids, the offsets of
  the last record and of the free space, the CRC32 of the records and of the header, the
  chunk's table of common strings (64 buckets) and of templates (32 buckets);
* event records (``**\\0\\0``, size, id, written time as FILETIME, binary XML, size again),
  8-byte aligned.

The binary XML is laid out as Windows lays it out (checked against the real
``tests/data/logs/windows/TestLogX.evtx``): every record is a template instance. A chunk holds
each template's definition once, in the first record that needs it; later records point back
to it and carry only their typed substitution values. The outer template is the ``<Event>``
with its ``<System>`` part; the event's own ``<EventData>`` (or ``<UserData>``) is a nested
binary XML value, itself an instance of the event's template. Element and attribute names are
stored once a chunk, with the [MS-EVEN6] name hash, and referred to by their offset after that.

Supported: string, unsigned integer, hexadecimal integer, GUID, FILETIME, SID and nested binary
XML values, normal and optional substitutions, literal text in templates. Not written: arrays,
ANSI strings, binary data, CDATA, character and entity references, processing instructions,
and the "dirty" or "full" file states (use ``file_header(flags=...)`` to forge them).

What it writes, it writes the same way every time: templates' GUIDs are derived from their
content and ``school_security_log`` draws from a seeded generator, so a file can be compared
byte for byte with one written before. Regenerate the sample in ``tests/data/logs/windows/`` with
``.venv/bin/python -m tests.evtx_writing``.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import sys
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
RECORD_HEADER_SIZE = 24
FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"\x2a\x2a\x00\x00"

# Binary XML tokens ([MS-EVEN6], libyal "Token types"); 0x40 marks "more follows" (attributes, elements with
# attributes).
_EOF = 0x00
_OPEN_START = 0x01
_CLOSE_START = 0x02
_CLOSE_EMPTY = 0x03
_END_ELEMENT = 0x04
_VALUE = 0x05
_ATTRIBUTE = 0x06
_TEMPLATE_INSTANCE = 0x0C
_NORMAL_SUBSTITUTION = 0x0D
_OPTIONAL_SUBSTITUTION = 0x0E
_FRAGMENT_HEADER = b"\x0f\x01\x01\x00"
_MORE = 0x40

# Value types ([MS-EVEN6], libyal "Value types").
NULL = 0x00
STRING = 0x01
UINT8 = 0x04
UINT16 = 0x06
UINT32 = 0x08
UINT64 = 0x0A
GUID = 0x0F
FILETIME = 0x11
SID = 0x13
HEX_INT32 = 0x14
HEX_INT64 = 0x15
BINXML = 0x21

_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
# Templates get a GUID derived from their content: the same event shape, the same GUID.
_TEMPLATE_NAMESPACE = uuid.UUID("6f1d3c52-54a4-4b8e-9a43-5c0e8d2b7a10")
EVENT_NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
EVENTLOG_NAMESPACE = "http://manifests.microsoft.com/win/2004/08/windows/eventlog"
SECURITY_AUDITING = "Microsoft-Windows-Security-Auditing"
SECURITY_AUDITING_GUID = uuid.UUID("54849625-5478-4994-a5ba-3e3b0328c30d")


def name_hash(name: str) -> int:
    """The 16-bit hash [MS-EVEN6] stores with every name: over the UTF-16 code units,
    ``hash = hash * 65599 + unit``, the low 16 bits of the result."""
    value = 0
    units = name.encode("utf-16-le")
    for (unit,) in struct.iter_unpack("<H", units):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value & 0xFFFF


def filetime(moment: dt.datetime) -> int:
    """A FILETIME: 100-nanosecond ticks since 1601-01-01 UTC (``moment`` must carry a zone)."""
    delta = moment - _FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


# -- Values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One substitution value: its binary XML value type, its bytes, and how Event Viewer
    shows it (a number, or text such as ``0xc000006d`` or ``S-1-5-18``), for tests to compare
    with what a parser makes of the bytes."""

    type: int
    data: bytes = b""
    shown: str | int | None = None


NULL_VALUE = Value(NULL)


def text(value: str) -> Value:
    """A Unicode string, UTF-16LE without a terminator."""
    return Value(STRING, value.encode("utf-16-le"), value)


def uint8(value: int) -> Value:
    """An unsigned 8-bit integer (Level, Opcode, Version)."""
    return Value(UINT8, struct.pack("<B", value), value)


def uint16(value: int) -> Value:
    """An unsigned 16-bit integer (EventID, Task)."""
    return Value(UINT16, struct.pack("<H", value), value)


def uint32(value: int) -> Value:
    """An unsigned 32-bit integer (LogonType, ProcessID)."""
    return Value(UINT32, struct.pack("<I", value), value)


def uint64(value: int) -> Value:
    """An unsigned 64-bit integer (EventRecordID)."""
    return Value(UINT64, struct.pack("<Q", value), value)


def hex32(value: int) -> Value:
    """A 32-bit integer shown in hexadecimal (NTSTATUS codes such as ``0xc000006d``)."""
    return Value(HEX_INT32, struct.pack("<I", value), f"{value:#x}")


def hex64(value: int) -> Value:
    """A 64-bit integer shown in hexadecimal (logon ids, process ids, keywords)."""
    return Value(HEX_INT64, struct.pack("<Q", value), f"{value:#x}")


def guid(value: uuid.UUID) -> Value:
    """A GUID, stored little-endian in its first three parts as Windows does."""
    return Value(GUID, value.bytes_le, f"{{{str(value).upper()}}}")


def time_value(moment: dt.datetime) -> Value:
    """A FILETIME value (TimeCreated's SystemTime)."""
    return Value(FILETIME, struct.pack("<Q", filetime(moment)), moment.isoformat())


def sid(value: str) -> Value:
    """A security identifier from its text, ``S-1-5-21-…``: revision, number of
    sub-authorities, the 48-bit authority big-endian, the sub-authorities little-endian."""
    parts = value.split("-")
    if len(parts) < 3 or parts[0] != "S":
        raise ValueError(f"not a SID: {value!r}")
    revision, authority = int(parts[1]), int(parts[2])
    subs = [int(part) for part in parts[3:]]
    data = struct.pack("<BB", revision, len(subs)) + authority.to_bytes(6, "big")
    return Value(SID, data + b"".join(struct.pack("<I", item) for item in subs), value)


FieldValue = str | Value


def _value(item: FieldValue) -> Value:
    return text(item) if isinstance(item, str) else item


# -- Templates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sub:
    """A substitution in a template: the index of the instance's value and its type. An
    optional one leaves its element or attribute out when the value is NULL."""

    index: int
    type: int
    optional: bool = False


Content = str | Sub


@dataclass(frozen=True)
class Element:
    """An element of a template: attributes and children are literal text or substitutions."""

    name: str
    attributes: tuple[tuple[str, Content], ...] = ()
    children: tuple[Element | Content, ...] = ()


@dataclass(frozen=True)
class Template:
    """A template definition: the element it describes, identified by a GUID."""

    root: Element

    @property
    def guid(self) -> uuid.UUID:
        """Derived from the content, so equal templates share one definition in a chunk."""
        return uuid.uuid5(_TEMPLATE_NAMESPACE, repr(self.root))


def system_template(
    provider: str, provider_guid: uuid.UUID | None, channel: str, computer: str
) -> Template:
    """The outer template: ``<Event>`` with its ``<System>`` part, laid out as Windows writes it
    (the substitution numbers are those of a real log). The provider, channel and computer are
    text in the template, so each computer and provider has a template of its own; the event's
    own data is substitution 19, a nested binary XML fragment."""
    provider_attributes: tuple[tuple[str, Content], ...] = (("Name", provider),)
    if provider_guid is not None:
        provider_attributes += (("Guid", f"{{{str(provider_guid).upper()}}}"),)
    return Template(
        Element(
            "Event",
            (("xmlns", EVENT_NAMESPACE),),
            (
                Element(
                    "System",
                    children=(
                        Element("Provider", provider_attributes),
                        Element(
                            "EventID",
                            (("Qualifiers", Sub(4, UINT16, True)),),
                            (Sub(3, UINT16, True),),
                        ),
                        Element("Version", children=(Sub(11, UINT8, True),)),
                        Element("Level", children=(Sub(0, UINT8, True),)),
                        Element("Task", children=(Sub(2, UINT16, True),)),
                        Element("Opcode", children=(Sub(1, UINT8, True),)),
                        Element("Keywords", children=(Sub(5, HEX_INT64, True),)),
                        Element("TimeCreated", (("SystemTime", Sub(6, FILETIME, True)),)),
                        Element("EventRecordID", children=(Sub(10, UINT64, True),)),
                        Element(
                            "Correlation",
                            (
                                ("ActivityID", Sub(7, GUID, True)),
                                ("RelatedActivityID", Sub(18, GUID, True)),
                            ),
                        ),
                        Element(
                            "Execution",
                            (
                                ("ProcessID", Sub(8, UINT32, True)),
                                ("ThreadID", Sub(9, UINT32, True)),
                            ),
                        ),
                        Element("Channel", children=(channel,)),
                        Element("Computer", children=(computer,)),
                        Element("Security", (("UserID", Sub(12, SID, True)),)),
                    ),
                ),
                Sub(19, BINXML, True),
            ),
        )
    )


def event_data_template(fields: Sequence[tuple[str, Value]]) -> Template:
    """``<EventData>`` with one ``<Data Name="…">`` per field, each filled by a substitution."""
    return Template(
        Element(
            "EventData",
            children=tuple(
                Element("Data", (("Name", name),), (Sub(index, value.type),))
                for index, (name, value) in enumerate(fields)
            ),
        )
    )


def user_data_template(name: str, namespace: str, fields: Sequence[tuple[str, Value]]) -> Template:
    """``<UserData>`` holding one element of the provider's own schema (e.g. 1102's
    ``LogFileCleared``) with one child per field."""
    inner = Element(
        name,
        (("xmlns", namespace),),
        tuple(
            Element(field_name, children=(Sub(index, value.type),))
            for index, (field_name, value) in enumerate(fields)
        ),
    )
    return Template(Element("UserData", children=(inner,)))


# -- Events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One event as the writer stores it. ``data`` becomes ``<EventData>``; with
    ``user_data`` set (element name, its namespace) the fields go under ``<UserData>``
    instead. A field given as ``str`` is a Unicode string; other types through ``Value``."""

    record_id: int
    time: dt.datetime
    event_id: int
    computer: str
    provider: str = SECURITY_AUDITING
    provider_guid: uuid.UUID | None = SECURITY_AUDITING_GUID
    channel: str = "Security"
    version: int = 0
    level: int = 0
    task: int = 0
    opcode: int = 0
    keywords: int = 0
    process_id: int = 0
    thread_id: int = 0
    activity_id: uuid.UUID | None = None
    user_sid: str | None = None
    data: tuple[tuple[str, FieldValue], ...] = ()
    user_data: tuple[str, str] | None = None

    def field(self, name: str) -> FieldValue | None:
        """The value of the data field ``name``, None when the event has none."""
        return dict(self.data).get(name)

    def fields(self) -> list[tuple[str, Value]]:
        """The data fields as typed values (plain strings as Unicode strings)."""
        return [(name, _value(item)) for name, item in self.data]

    def template(self) -> Template:
        """The template of the event's own data: one per event shape."""
        if self.user_data is not None:
            return user_data_template(*self.user_data, self.fields())
        return event_data_template(self.fields())

    def system_values(self) -> list[Value]:
        """The outer template's values by substitution index, the event data (19) left NULL
        for the caller to fill; 13 to 17 stay NULL, as in a real log."""
        values = [NULL_VALUE] * 20
        values[0] = uint8(self.level)
        values[1] = uint8(self.opcode)
        values[2] = uint16(self.task)
        values[3] = uint16(self.event_id)
        values[5] = hex64(self.keywords)
        values[6] = time_value(self.time)
        if self.activity_id is not None:
            values[7] = guid(self.activity_id)
        values[8] = uint32(self.process_id)
        values[9] = uint32(self.thread_id)
        values[10] = uint64(self.record_id)
        values[11] = uint8(self.version)
        if self.user_sid is not None:
            values[12] = sid(self.user_sid)
        return values


# -- Binary XML --------------------------------------------------------------------------------


@dataclass
class _ChunkState:
    """What a chunk already holds: names and template definitions by their offset, and the
    heads of the header's hash tables (each entry links to the one stored before it)."""

    names: dict[str, int] = field(default_factory=dict)
    templates: dict[uuid.UUID, int] = field(default_factory=dict)
    string_buckets: list[int] = field(default_factory=lambda: [0] * 64)
    template_buckets: list[int] = field(default_factory=lambda: [0] * 32)

    def copy(self) -> _ChunkState:
        return _ChunkState(
            dict(self.names),
            dict(self.templates),
            list(self.string_buckets),
            list(self.template_buckets),
        )


class _Writer:
    """Bytes written at a known offset in the chunk: names and templates point to offsets."""

    def __init__(self, base: int, state: _ChunkState) -> None:
        self.base = base
        self.state = state
        self.out = bytearray()

    @property
    def offset(self) -> int:
        return self.base + len(self.out)

    def pack(self, layout: str, *values: int) -> None:
        self.out += struct.pack(layout, *values)

    def reserve(self, size: int) -> int:
        """Room for a value known later (a size); returns its index for ``patch``."""
        at = len(self.out)
        self.out += bytes(size)
        return at

    def patch(self, at: int, layout: str, *values: int) -> None:
        struct.pack_into(layout, self.out, at, *values)

    def name(self, name: str) -> None:
        """A name's offset; the name itself follows the first time the chunk needs it."""
        known = self.state.names.get(name)
        if known is not None:
            self.pack("<I", known)
            return
        at = self.offset + 4
        self.pack("<I", at)
        hashed = name_hash(name)
        bucket = hashed % len(self.state.string_buckets)
        units = name.encode("utf-16-le")
        self.pack("<IHH", self.state.string_buckets[bucket], hashed, len(units) // 2)
        self.out += units + b"\x00\x00"
        self.state.string_buckets[bucket] = at
        self.state.names[name] = at

    def content(self, item: Content) -> None:
        """Literal text (a value token) or a substitution token."""
        if isinstance(item, Sub):
            token = _OPTIONAL_SUBSTITUTION if item.optional else _NORMAL_SUBSTITUTION
            self.pack("<BHB", token, item.index, item.type)
            return
        units = item.encode("utf-16-le")
        self.pack("<BBH", _VALUE, STRING, len(units) // 2)
        self.out += units

    def element(self, element: Element) -> None:
        """An element with its attribute list and content; sizes are patched in after."""
        start_token = _OPEN_START | (_MORE if element.attributes else 0)
        # Windows names the optional substitution the element's content depends on (as in
        # <EventID>), 0xffff for none.
        optional = [
            item.index for item in element.children if isinstance(item, Sub) and item.optional
        ]
        self.pack("<BH", start_token, optional[0] if optional else 0xFFFF)
        size_at = self.reserve(4)
        self.name(element.name)
        if element.attributes:
            list_at = self.reserve(4)
            for number, (name, item) in enumerate(element.attributes, 1):
                last = number == len(element.attributes)
                self.pack("<B", _ATTRIBUTE | (0 if last else _MORE))
                self.name(name)
                self.content(item)
            self.patch(list_at, "<I", len(self.out) - list_at - 4)
        if element.children:
            self.pack("<B", _CLOSE_START)
            for child in element.children:
                if isinstance(child, Element):
                    self.element(child)
                else:
                    self.content(child)
            self.pack("<B", _END_ELEMENT)
        else:
            self.pack("<B", _CLOSE_EMPTY)
        self.patch(size_at, "<I", len(self.out) - size_at - 4)

    def template_instance(self, template: Template, values: Sequence[Value | Instance]) -> None:
        """A template instance: the definition (first use in the chunk) or a pointer to it,
        then the value descriptors (size, type) and the values."""
        template_guid = template.guid
        self.out += bytes([_TEMPLATE_INSTANCE, 0x01])
        # Windows puts the first four bytes of the GUID in the identifier field.
        self.out += template_guid.bytes_le[:4]
        known = self.state.templates.get(template_guid)
        if known is not None:
            self.pack("<I", known)
        else:
            at = self.offset + 4
            self.pack("<I", at)
            # How Windows picks a template's bucket is not documented; readers walk them all.
            bucket = int.from_bytes(template_guid.bytes_le[:4], "little") % 32
            self.pack("<I", self.state.template_buckets[bucket])
            self.out += template_guid.bytes_le
            size_at = self.reserve(4)
            self.out += _FRAGMENT_HEADER
            self.element(template.root)
            self.pack("<B", _EOF)
            self.patch(size_at, "<I", len(self.out) - size_at - 4)
            self.state.template_buckets[bucket] = at
            self.state.templates[template_guid] = at
        self.pack("<I", len(values))
        descriptors_at = self.reserve(4 * len(values))
        for number, item in enumerate(values):
            start = len(self.out)
            if isinstance(item, Instance):
                value_type = BINXML
                self.out += _FRAGMENT_HEADER
                self.template_instance(item.template, item.values)
                self.pack("<B", _EOF)
            else:
                value_type = item.type
                self.out += item.data
            size = len(self.out) - start
            if size > 0xFFFF:
                raise ValueError(f"substitution value {number} is {size} bytes, over 65535")
            self.patch(descriptors_at + 4 * number, "<HBB", size, value_type, 0)


@dataclass(frozen=True)
class Instance:
    """A nested binary XML value: a template instance inside a substitution."""

    template: Template
    values: tuple[Value, ...]


def _record(event: Event, offset: int, state: _ChunkState) -> bytes:
    """The event record at ``offset`` in the chunk (``state`` is updated)."""
    fields = event.fields()
    inner = Instance(event.template(), tuple(value for _, value in fields))
    writer = _Writer(offset + RECORD_HEADER_SIZE, state)
    writer.out += _FRAGMENT_HEADER
    # The outer values: the event data is one of them, a fragment of its own.
    values: list[Value | Instance] = list(event.system_values())
    values[19] = inner
    outer = system_template(event.provider, event.provider_guid, event.channel, event.computer)
    writer.template_instance(outer, values)
    writer.pack("<B", _EOF)
    # Windows keeps records 8-byte aligned: the binary XML is padded before the size copy.
    writer.out += bytes(-(RECORD_HEADER_SIZE + len(writer.out) + 4) % 8)
    size = RECORD_HEADER_SIZE + len(writer.out) + 4
    header = RECORD_MAGIC + struct.pack("<IQQ", size, event.record_id, filetime(event.time))
    return header + bytes(writer.out) + struct.pack("<I", size)


# -- Chunks and the file -----------------------------------------------------------------------


@dataclass
class _Chunk:
    """A chunk being filled: its records so far and what they defined."""

    records: bytearray = field(default_factory=bytearray)
    ids: list[int] = field(default_factory=list)
    last_offset: int = 0
    state: _ChunkState = field(default_factory=_ChunkState)

    @property
    def free_offset(self) -> int:
        return CHUNK_HEADER_SIZE + len(self.records)

    def add(self, event: Event) -> bool:
        """Append the event's record if it fits; the chunk is unchanged when it does not."""
        state = self.state.copy()
        record = _record(event, self.free_offset, state)
        if self.free_offset + len(record) > CHUNK_SIZE:
            return False
        self.last_offset = self.free_offset
        self.records += record
        self.ids.append(event.record_id)
        self.state = state
        return True

    def to_bytes(self) -> bytes:
        """The whole 64 KiB chunk: header with its tables and checksums, records, zeros."""
        header = bytearray(CHUNK_HEADER_SIZE)
        first, last = self.ids[0], self.ids[-1]
        # Record numbers and ids run together in a log that was never cleared part-way.
        struct.pack_into("<8sQQQQ", header, 0, CHUNK_MAGIC, first, last, first, last)
        struct.pack_into(
            "<IIII",
            header,
            40,
            128,
            self.last_offset,
            self.free_offset,
            zlib.crc32(self.records),
        )
        struct.pack_into("<64I", header, 128, *self.state.string_buckets)
        struct.pack_into("<32I", header, 384, *self.state.template_buckets)
        struct.pack_into("<I", header, 124, zlib.crc32(header[:120] + header[128:512]))
        body = bytes(header) + bytes(self.records)
        return body + bytes(CHUNK_SIZE - len(body))


def file_header(chunk_count: int, next_record_id: int, *, flags: int = 0) -> bytes:
    """The 4096-byte file header for ``chunk_count`` chunks (format version 3.1)."""
    header = bytearray(FILE_HEADER_SIZE)
    last_chunk = max(chunk_count - 1, 0)
    struct.pack_into(
        "<8sQQQIHHHH",
        header,
        0,
        FILE_MAGIC,
        0,
        last_chunk,
        next_record_id,
        128,
        1,
        3,
        FILE_HEADER_SIZE,
        chunk_count,
    )
    struct.pack_into("<I", header, 120, flags)
    struct.pack_into("<I", header, 124, zlib.crc32(header[:120]))
    return bytes(header)


def evtx_bytes(events: Iterable[Event]) -> bytes:
    """A whole EVTX file holding ``events`` in their order, as many to a chunk as fit."""
    chunks: list[_Chunk] = []
    last_id = 0
    for event in events:
        if not chunks or not chunks[-1].add(event):
            chunks.append(_Chunk())
            if not chunks[-1].add(event):
                raise ValueError(f"record {event.record_id} does not fit in an empty chunk")
        last_id = event.record_id
    body = b"".join(chunk.to_bytes() for chunk in chunks)
    return file_header(len(chunks), last_id + 1) + body


def write_evtx(path: Path, events: Iterable[Event]) -> Path:
    """Write ``events`` as an EVTX file at ``path``; returns the path."""
    path.write_bytes(evtx_bytes(events))
    return path


# -- Reading the layout back (for tests that damage a file) ------------------------------------


@dataclass(frozen=True)
class RecordPlace:
    """Where a record sits: its chunk (from 0), its offset in the file, its size and id."""

    chunk: int
    offset: int
    size: int
    record_id: int


def chunk_offset(index: int) -> int:
    """The file offset of chunk ``index`` (from 0)."""
    return FILE_HEADER_SIZE + index * CHUNK_SIZE


def chunk_count(data: bytes) -> int:
    """How many chunks the file header counts."""
    return int(struct.unpack_from("<H", data, 42)[0])


def record_places(data: bytes) -> list[RecordPlace]:
    """Every record of an intact file, walked from the chunk headers' free space offsets."""
    places = []
    for index in range(chunk_count(data)):
        start = chunk_offset(index)
        (free,) = struct.unpack_from("<I", data, start + 48)
        position = start + CHUNK_HEADER_SIZE
        while position < start + free:
            if data[position : position + 4] != RECORD_MAGIC:
                raise ValueError(f"no record at offset {position}")
            size, record_id = struct.unpack_from("<IQ", data, position + 4)
            places.append(RecordPlace(index, position, size, record_id))
            position += size
    return places


# -- A school's domain controller --------------------------------------------------------------

DOMAIN = "schoolbestuur-voorbeeld.nl"
NETBIOS = "SCHOOLBESTUUR"
DC = "DC01.schoolbestuur-voorbeeld.nl"
# A made-up domain SID; accounts get relative ids under it.
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
SYSTEM_SID = "S-1-5-18"
NULL_SID = "S-1-0-0"
LSASS_PID = 0x2A4
AUDIT_SUCCESS = 0x8020000000000000
AUDIT_FAILURE = 0x8010000000000000
# Task categories of the Security-Auditing provider.
TASK_LOGON = 12544
TASK_ACCOUNT_LOCKOUT = 12547
TASK_USER_ACCOUNT = 13824
TASK_SECURITY_GROUP = 13826
# The Eventlog service writes 1102 under its own provider.
EVENTLOG_PROVIDER = "Microsoft-Windows-Eventlog"
EVENTLOG_GUID = uuid.UUID("fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148")

# Teachers and staff signing in across the board's schools; the administrator acts for ICT.
STAFF = (
    "j.devries",
    "m.jansen",
    "a.bakker",
    "s.visser",
    "l.smit",
    "e.meijer",
    "r.degroot",
    "n.bos",
    "f.mulder",
    "k.vos",
    "t.peters",
    "h.hendriks",
)
ADMIN = "beheerder.ict"
WORKSTATIONS = ("LKR-PC014", "LKR-PC027", "ADM-PC003", "BIB-PC001", "LKR-NB112", "DIR-NB002")
# Documentation address ranges only (RFC 5737).
SCHOOL_ADDRESSES = tuple(f"192.0.2.{host}" for host in range(10, 60))
HOME_ADDRESSES = tuple(f"198.51.100.{host}" for host in range(20, 40))
ATTACKER = "203.0.113.77"


def _account_sid(name: str) -> str:
    # A stable relative id per account name, above the well-known ones.
    return f"{DOMAIN_SID}-{1100 + sum(name.encode()) % 900}"


def _logon_id(rng: random.Random) -> Value:
    return hex64(rng.randrange(0x100000, 0xFFFFFFF))


def _subject(name: str, rng: random.Random) -> tuple[tuple[str, FieldValue], ...]:
    return (
        ("SubjectUserSid", sid(_account_sid(name))),
        ("SubjectUserName", name),
        ("SubjectDomainName", NETBIOS),
        ("SubjectLogonId", _logon_id(rng)),
    )


def _system_subject() -> tuple[tuple[str, FieldValue], ...]:
    return (
        ("SubjectUserSid", sid(SYSTEM_SID)),
        ("SubjectUserName", "DC01$"),
        ("SubjectDomainName", NETBIOS),
        ("SubjectLogonId", hex64(0x3E7)),
    )


def logon(
    record_id: int,
    time: dt.datetime,
    user: str,
    *,
    address: str,
    port: int,
    logon_type: int = 3,
    workstation: str = "-",
    rng: random.Random,
) -> Event:
    """4624, an account was successfully logged on (version 2 of the event's schema)."""
    network = logon_type == 3
    return Event(
        record_id,
        time,
        4624,
        DC,
        version=2,
        task=TASK_LOGON,
        keywords=AUDIT_SUCCESS,
        process_id=LSASS_PID,
        thread_id=rng.randrange(700, 5000, 4),
        activity_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        data=(
            ("SubjectUserSid", sid(NULL_SID if network else SYSTEM_SID)),
            ("SubjectUserName", "-" if network else "DC01$"),
            ("SubjectDomainName", "-" if network else NETBIOS),
            ("SubjectLogonId", hex64(0 if network else 0x3E7)),
            ("TargetUserSid", sid(_account_sid(user))),
            ("TargetUserName", user),
            ("TargetDomainName", NETBIOS),
            ("TargetLogonId", _logon_id(rng)),
            ("LogonType", uint32(logon_type)),
            ("LogonProcessName", "Kerberos" if network else "User32 "),
            ("AuthenticationPackageName", "Kerberos" if network else "Negotiate"),
            ("WorkstationName", workstation),
            ("LogonGuid", guid(uuid.UUID(int=rng.getrandbits(128), version=4))),
            ("TransmittedServices", "-"),
            ("LmPackageName", "-"),
            ("KeyLength", uint32(0)),
            ("ProcessId", hex64(0 if network else 0x1F4)),
            ("ProcessName", "-" if network else "C:\\Windows\\System32\\svchost.exe"),
            ("IpAddress", address),
            ("IpPort", str(port)),
            ("ImpersonationLevel", "%%1833"),
            ("RestrictedAdminMode", "-"),
            ("TargetOutboundUserName", "-"),
            ("TargetOutboundDomainName", "-"),
            ("VirtualAccount", "%%1843"),
            ("TargetLinkedLogonId", hex64(0)),
            ("ElevatedToken", "%%1842"),
        ),
    )


def failed_logon(
    record_id: int,
    time: dt.datetime,
    user: str,
    *,
    address: str,
    port: int,
    status: int = 0xC000006D,
    sub_status: int = 0xC000006A,
    workstation: str = "-",
    rng: random.Random,
) -> Event:
    """4625, an account failed to log on (a wrong password unless told otherwise)."""
    return Event(
        record_id,
        time,
        4625,
        DC,
        task=TASK_LOGON,
        keywords=AUDIT_FAILURE,
        process_id=LSASS_PID,
        thread_id=rng.randrange(700, 5000, 4),
        data=(
            ("SubjectUserSid", sid(SYSTEM_SID)),
            ("SubjectUserName", "DC01$"),
            ("SubjectDomainName", NETBIOS),
            ("SubjectLogonId", hex64(0x3E7)),
            ("TargetUserSid", sid(NULL_SID)),
            ("TargetUserName", user),
            ("TargetDomainName", NETBIOS),
            ("Status", hex32(status)),
            # %%2313: "Unknown user name or bad password."
            ("FailureReason", "%%2313"),
            ("SubStatus", hex32(sub_status)),
            ("LogonType", uint32(3)),
            ("LogonProcessName", "NtLmSsp "),
            ("AuthenticationPackageName", "NTLM"),
            ("WorkstationName", workstation),
            ("TransmittedServices", "-"),
            ("LmPackageName", "-"),
            ("KeyLength", uint32(0)),
            ("ProcessId", hex64(0x1F4)),
            ("ProcessName", "C:\\Windows\\System32\\svchost.exe"),
            ("IpAddress", address),
            ("IpPort", str(port)),
        ),
    )


def user_created(
    record_id: int, time: dt.datetime, user: str, display: str, rng: random.Random
) -> Event:
    """4720, a user account was created (by the ICT administrator)."""
    return Event(
        record_id,
        time,
        4720,
        DC,
        task=TASK_USER_ACCOUNT,
        keywords=AUDIT_SUCCESS,
        process_id=LSASS_PID,
        thread_id=rng.randrange(700, 5000, 4),
        data=(
            ("TargetUserName", user),
            ("TargetDomainName", NETBIOS),
            ("TargetSid", sid(_account_sid(user))),
            *_subject(ADMIN, rng),
            ("PrivilegeList", "-"),
            ("SamAccountName", user),
            ("DisplayName", display),
            ("UserPrincipalName", f"{user}@{DOMAIN}"),
            ("HomeDirectory", "-"),
            ("HomePath", "-"),
            ("ScriptPath", "-"),
            ("ProfilePath", "-"),
            ("UserWorkstations", "-"),
            ("PasswordLastSet", "%%1794"),
            ("AccountExpires", "%%1794"),
            ("PrimaryGroupId", "513"),
            ("AllowedToDelegateTo", "-"),
            ("OldUacValue", "0x0"),
            ("NewUacValue", "0x15"),
            ("UserAccountControl", "\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084"),
            ("UserParameters", "%%1793"),
            ("SidHistory", "-"),
            ("LogonHours", "%%1797"),
        ),
    )


def member_added(
    record_id: int,
    time: dt.datetime,
    member: str,
    group: str,
    *,
    local: bool,
    rng: random.Random,
) -> Event:
    """4728 (global group) or 4732 (local group): a member was added to a security-enabled
    group. ``TargetUserName`` is the group, as Windows names it."""
    group_sid = "S-1-5-32-544" if local else f"{DOMAIN_SID}-512"
    return Event(
        record_id,
        time,
        4732 if local else 4728,
        DC,
        task=TASK_SECURITY_GROUP,
        keywords=AUDIT_SUCCESS,
        process_id=LSASS_PID,
        thread_id=rng.randrange(700, 5000, 4),
        data=(
            ("MemberName", f"CN={member},OU=Medewerkers,DC=schoolbestuur-voorbeeld,DC=nl"),
            ("MemberSid", sid(_account_sid(member))),
            ("TargetUserName", group),
            ("TargetDomainName", "Builtin" if local else NETBIOS),
            ("TargetSid", sid(group_sid)),
            *_subject(ADMIN, rng),
            ("PrivilegeList", "-"),
        ),
    )


def locked_out(
    record_id: int, time: dt.datetime, user: str, caller: str, rng: random.Random
) -> Event:
    """4740, a user account was locked out (``TargetDomainName`` is the caller's computer)."""
    return Event(
        record_id,
        time,
        4740,
        DC,
        task=TASK_ACCOUNT_LOCKOUT,
        keywords=AUDIT_SUCCESS,
        process_id=LSASS_PID,
        thread_id=rng.randrange(700, 5000, 4),
        data=(
            ("TargetUserName", user),
            ("TargetDomainName", caller),
            ("TargetSid", sid(_account_sid(user))),
            *_system_subject(),
        ),
    )


def log_cleared(record_id: int, time: dt.datetime, rng: random.Random) -> Event:
    """1102, the audit log was cleared: written by the Eventlog service, its fields under
    ``<UserData><LogFileCleared>``."""
    return Event(
        record_id,
        time,
        1102,
        DC,
        provider=EVENTLOG_PROVIDER,
        provider_guid=EVENTLOG_GUID,
        level=4,
        task=104,
        keywords=0x4020000000000000,
        process_id=0x3C8,
        thread_id=rng.randrange(700, 5000, 4),
        user_data=("LogFileCleared", EVENTLOG_NAMESPACE),
        data=_subject(ADMIN, rng),
    )


SAMPLE_START = dt.datetime(2026, 10, 5, 6, 0, tzinfo=dt.UTC)
SAMPLE_SEED = 20261005
SAMPLE_COUNT = 360


def school_security_log(
    count: int = SAMPLE_COUNT,
    *,
    seed: int = SAMPLE_SEED,
    start: dt.datetime = SAMPLE_START,
    first_record_id: int = 1,
) -> list[Event]:
    """A domain controller's Security log on a school morning, ``count`` events from
    ``first_record_id`` on, the same every time for the same arguments.

    Mostly staff signing in (4624: network, interactive, remote desktop) and mistyped
    passwords (4625); woven in at fixed places: a password-guessing run from 203.0.113.77
    against ``administrator`` and a teacher's account, ending in that account's lockout
    (4740); the ICT administrator creating ``stagiair01`` (4720) and adding it to
    "Domain Admins" (4728) and "Administrators" (4732); and, last, the log cleared (1102).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, no secret
    events: list[Event] = []
    moment = start
    victim = STAFF[1]
    attack_at = count // 2
    created_at = count // 3
    for number in range(count):
        record_id = first_record_id + number
        moment += dt.timedelta(microseconds=rng.randrange(200_000, 9_000_000))
        port = rng.randrange(49152, 65535)
        if number == count - 1:
            events.append(log_cleared(record_id, moment, rng))
        elif number == created_at:
            events.append(user_created(record_id, moment, "stagiair01", "Stagiair 01", rng))
        elif number == created_at + 1:
            events.append(
                member_added(record_id, moment, "stagiair01", "Domain Admins", local=False, rng=rng)
            )
        elif number == created_at + 2:
            events.append(
                member_added(record_id, moment, "stagiair01", "Administrators", local=True, rng=rng)
            )
        elif attack_at <= number < attack_at + 12:
            # Guessing, alternating between the built-in administrator and a teacher.
            user = "administrator" if number % 2 == 0 else victim
            events.append(
                failed_logon(
                    record_id, moment, user, address=ATTACKER, port=port, workstation="-", rng=rng
                )
            )
        elif number == attack_at + 12:
            # No workstation name came with the guesses: the caller computer stays empty.
            events.append(locked_out(record_id, moment, victim, "", rng))
        elif rng.random() < 0.04:
            user = rng.choice(STAFF)
            events.append(
                failed_logon(
                    record_id,
                    moment,
                    user,
                    address=rng.choice(SCHOOL_ADDRESSES),
                    port=port,
                    workstation=rng.choice(WORKSTATIONS),
                    rng=rng,
                )
            )
        else:
            user = rng.choice((*STAFF, ADMIN))
            kind = rng.choices((3, 2, 10), weights=(80, 15, 5))[0]
            address = rng.choice(HOME_ADDRESSES if kind == 10 else SCHOOL_ADDRESSES)
            if kind == 2:
                address, port = "127.0.0.1", 0
            elif rng.random() < 0.3:
                # A dual-stack server writes an IPv4 client as an IPv4-mapped IPv6 address.
                address = f"::ffff:{address}"
            events.append(
                logon(
                    record_id,
                    moment,
                    user,
                    address=address,
                    port=port,
                    logon_type=kind,
                    workstation=rng.choice(WORKSTATIONS) if kind != 3 else "-",
                    rng=rng,
                )
            )
    return events


SAMPLE = Path(__file__).parent / "data" / "logs" / "windows" / "security-generated.evtx"


def main(argv: Sequence[str] = ()) -> int:
    """Write the sample file (or the path given) from ``school_security_log()``."""
    target = Path(argv[0]) if argv else SAMPLE
    write_evtx(target, school_security_log())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
