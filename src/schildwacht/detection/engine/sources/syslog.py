"""Syslog files (source ``syslog``): RFC 3164 and RFC 5424 lines, plain or gzip.

The reader parses each line into a JSON record: ``timestamp`` (ISO 8601, UTC), ``host``,
``app``, ``pid``, ``msgid``, ``facility`` and ``severity`` (their keywords, e.g. ``auth`` and
``err``), ``structured_data`` (``{"id": {"param": "value"}}``), ``message`` and ``format``
(``rfc3164`` or ``rfc5424``).

* RFC 3164 (``<34>Oct 11 22:14:15 mymachine su: ...``) is accepted with or without the
  ``<PRI>``, as rsyslog writes it to files, and also with an ISO 8601 time in place of
  ``Oct 11 22:14:15`` (rsyslog's high-precision file format, Debian's default). Its time has
  no year: the year is the file's modification year, or the year before when that would put
  the line more than a day after the file was last written (a log read in January that
  began in December). A time without a zone is UTC.
* RFC 5424 (``<165>1 2003-10-11T22:14:15.003Z host app procid msgid [sd] msg``).

A line that is neither is refused as ``invalid_syslog``; a line that is not UTF-8 as
``not_utf8``; reading goes on either way. Syslog has no event id: identical lines are told
apart by ``repeat`` (the second identical line of the same second has ``"repeat": 2``), so
that de-duplication on the content drops a file read twice but not a burst of identical
events.

The user and client address of sign-in messages (sshd, su, sudo, PAM) are picked out of the
message text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schildwacht.detection.engine import reading
from schildwacht.detection.engine.reading import MAX_RECORD_BYTES, FileReport, Records
from schildwacht.detection.engine.schema import sql_literal
from schildwacht.detection.engine.sources import (
    Extract,
    Shape,
    Source,
    lower,
    register,
    text,
    utc_time,
)

FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

_PRI = r"<(?P<pri>\d{1,3})>"
_RFC5424 = re.compile(
    _PRI + r"(?P<version>[1-9]\d{0,2}) (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) "
    r"(?P<procid>\S+) (?P<msgid>\S+) (?P<rest>.*)$",
    re.DOTALL,
)
_RFC3164 = re.compile(
    rf"(?:{_PRI})?"
    r"(?:(?P<month>[A-Za-z]{3}) (?P<day>[ \d]\d) (?P<clock>\d\d:\d\d:\d\d)"
    r"|(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?))"
    r" (?P<rest>.*)$",
    re.DOTALL,
)
# A tag: the program name, an optional [pid], then a colon.
_TAG = re.compile(r"(?P<app>[^\s\[\]:]{1,64})(?:\[(?P<pid>[^\]\s]*)\])?:(?: |$)")
_SD_ELEMENT = re.compile(r'\[(?P<id>[^\s\]=" ]+)(?P<params>(?: [^\s\]=" ]+="(?:[^"\\]|\\.)*")*)\]')
_SD_PARAM = re.compile(r' (?P<name>[^\s\]=" ]+)="(?P<value>(?:[^"\\]|\\.)*)"')


class NotSyslog(ValueError):
    """A line that is no syslog message of either format."""


def _priority(value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    number = int(value)
    if number > 191:
        raise NotSyslog(f"priority {number} out of range")
    return {"facility": FACILITIES[number >> 3], "severity": SEVERITIES[number & 7]}


def _iso_utc(value: str) -> str:
    """An ISO 8601 time as UTC text; without a zone it is taken as UTC."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _structured_data(rest: str) -> tuple[dict[str, Any] | None, str]:
    """RFC 5424 structured data at the start of ``rest``, and the message after it."""
    if rest == "-" or rest.startswith("- "):
        return None, rest[2:]
    elements: dict[str, Any] = {}
    position = 0
    while position < len(rest) and rest[position] == "[":
        match = _SD_ELEMENT.match(rest, position)
        if not match:
            raise NotSyslog("damaged structured data")
        params: dict[str, Any] = {}
        for param in _SD_PARAM.finditer(match.group("params")):
            value = re.sub(r"\\([\"\\\]])", r"\1", param.group("value"))
            name = param.group("name")
            # A parameter may repeat (RFC 5424 §6.3.3): its values become a list.
            if name in params:
                earlier = params[name]
                params[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
            else:
                params[name] = value
        elements[match.group("id")] = params
        position = match.end()
    if not elements:
        raise NotSyslog("no structured data")
    if position < len(rest) and rest[position] != " ":
        raise NotSyslog("damaged structured data")
    return elements, rest[position + 1 :]


def _nil(value: str) -> str | None:
    return None if value == "-" else value


def parse_rfc5424(line: str) -> dict[str, Any] | None:
    """An RFC 5424 line as a record, None when it does not look like one."""
    match = _RFC5424.match(line)
    if not match:
        return None
    structured, message = _structured_data(match.group("rest"))
    time = _nil(match.group("time"))
    try:
        timestamp = _iso_utc(time) if time else None
    except ValueError:
        raise NotSyslog(f"time {time!r}") from None
    return {
        "format": "rfc5424",
        "timestamp": timestamp,
        "host": _nil(match.group("host")),
        "app": _nil(match.group("app")),
        "pid": _nil(match.group("procid")),
        "msgid": _nil(match.group("msgid")),
        **_priority(match.group("pri")),
        "structured_data": structured,
        # A UTF-8 message is marked by a byte order mark (RFC 5424 §6.4).
        "message": message.removeprefix("\ufeff") or None,
    }


def parse_rfc3164(line: str, written: datetime) -> dict[str, Any] | None:
    """An RFC 3164 line as a record, None when it does not look like one. ``written`` is
    when the file was last written, for the year the line leaves out."""
    match = _RFC3164.match(line)
    if not match:
        return None
    if match.group("iso"):
        try:
            timestamp = _iso_utc(match.group("iso"))
        except ValueError:
            raise NotSyslog(f"time {match.group('iso')!r}") from None
    else:
        timestamp = _without_year(
            match.group("month"), match.group("day"), match.group("clock"), written
        )
    rest = match.group("rest")
    host: str | None = None
    # The host comes first, unless the sender left it out and the tag follows the time.
    first, _, after = rest.partition(" ")
    if not _TAG.match(rest) or not after:
        host, rest = first, after
    tag = _TAG.match(rest)
    app = pid = None
    if tag:
        app, pid = tag.group("app"), tag.group("pid")
        rest = rest[tag.end() :]
    return {
        "format": "rfc3164",
        "timestamp": timestamp,
        "host": host or None,
        "app": app,
        "pid": pid or None,
        "msgid": None,
        **_priority(match.group("pri")),
        "structured_data": None,
        "message": rest.strip() or None,
    }


def _without_year(month: str, day: str, clock: str, written: datetime) -> str:
    number = MONTHS.get(month.lower())
    if number is None:
        raise NotSyslog(f"month {month!r}")
    hour, minute, second = (int(part) for part in clock.split(":"))
    for year in (written.year, written.year - 1):
        try:
            moment = datetime(year, number, int(day), hour, minute, second, tzinfo=UTC)
        except ValueError:
            continue  # 29 February of a year that has none: the year before may have it
        if moment <= written + timedelta(days=1):
            return moment.isoformat().replace("+00:00", "Z")
    raise NotSyslog(f"no year fits {month} {day.strip()} {clock}")


def parse_line(line: str, written: datetime) -> dict[str, Any]:
    """A syslog line as a record; ``NotSyslog`` when it is neither format."""
    record = parse_rfc5424(line) or parse_rfc3164(line, written)
    if record is None:
        raise NotSyslog("neither RFC 3164 nor RFC 5424")
    return record


def read_syslog(path: Path, report: FileReport) -> Records:
    """The lines of a syslog file as records; refused lines are named by line number."""
    try:
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        handle = reading.open_maybe_gzip(path)
    except OSError as error:
        report.refuse(None, "unreadable", str(error))
        return
    seen: dict[tuple[Any, ...], int] = {}
    second: Any = None
    # Both kinds of handle open_maybe_gzip gives (a file opened "rb", a GzipFile) are buffered.
    with handle as lines:
        number = 0
        while True:
            try:
                raw = lines.readline(MAX_RECORD_BYTES + 1)
            except (OSError, EOFError) as error:
                report.refuse(number + 1, "truncated", str(error))
                return
            if not raw:
                return
            number += 1
            if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
                report.refuse(number, "too_large", f"more than {MAX_RECORD_BYTES} bytes")
                while raw and not raw.endswith(b"\n"):
                    raw = lines.readline(1 << 20)
                continue
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                report.refuse(number, "not_utf8", f"byte {error.start + 1}")
                continue
            if not line.strip():
                continue
            try:
                record = parse_line(line, written)
            except NotSyslog as error:
                report.refuse(number, "invalid_syslog", f"{error}: {line[:120]}")
                continue
            # Identical lines are counted within their second only: that is where bursts
            # of them happen, and it keeps the memory small.
            if record["timestamp"] != second:
                second, seen = record["timestamp"], {}
            identity = tuple(sorted((key, str(value)) for key, value in record.items()))
            seen[identity] = seen.get(identity, 0) + 1
            if seen[identity] > 1:
                record["repeat"] = seen[identity]
            yield number, {key: value for key, value in record.items() if value is not None}


reading.RECORD_READERS["syslog"] = read_syslog

# Sign-in messages of sshd, su, sudo and PAM: (regular expression, group of the user, group of
# the client address). The first that matches gives the user (and the address).
_USER_PATTERNS = (
    (r"(?:Failed|Accepted) \S+ for (?:invalid user )?(\S+) from (\S+)", 1, 2),
    (r"^Invalid user (\S*) from (\S+)", 1, 2),
    (r"authentication failure;.*\brhost=(\S*)\s+user=(\S+)", 2, 1),
    (r"authentication failure;.*\buser=(\S+)", 1, 0),
    (r"'su (\S+)' failed for (\S+)", 2, 0),
    (r"^\s*(\S+) : .*\bCOMMAND=", 1, 0),
    (r"^\s*(\S+) : .*incorrect password attempt", 1, 0),
)


def _user(message: str) -> str:
    picks = [
        f"NULLIF(regexp_extract({message}, {sql_literal(pattern)}, {group}), '')"
        for pattern, group, _ in _USER_PATTERNS
    ]
    return f"COALESCE({', '.join(picks)})"


def _address(message: str) -> str:
    picks = [
        f"NULLIF(regexp_extract({message}, {sql_literal(pattern)}, {group}), '')"
        for pattern, _, group in _USER_PATTERNS
        if group
    ]
    return f"COALESCE({', '.join(picks)})"


def _columns(x: Extract) -> dict[str, str]:
    message = x.value("$.message")
    app = text(x.value("$.app"))
    return {
        "event_time": utc_time(x.value("$.timestamp")),
        "action": app,
        "process": app,
        "device": text(x.value("$.host")),
        "message": text(message),
        "event_code": text(x.value("$.msgid")),
        "user_name": lower(_user(message)),
        "source_ip": text(_address(message)),
        "result": (
            f"CASE WHEN regexp_matches({message}, '^Accepted ') THEN 'success' "
            f"WHEN regexp_matches({message}, '(?i)\\bfailed\\b|authentication failure|"
            f"incorrect password|^invalid user |not in sudoers') THEN 'failure' END"
        ),
    }


SYSLOG = register(
    Source(
        name="syslog",
        log_type="syslog",
        description="Syslog files (RFC 3164 as rsyslog writes them, or RFC 5424; gzip allowed)",
        shapes=(
            Shape("rfc3164", "$.format", ("rfc3164",)),
            Shape("rfc5424", "$.format", ("rfc5424",)),
        ),
        columns=_columns,
        reader="syslog",
        extensions=(".log", ".txt", ".gz"),
    )
)
