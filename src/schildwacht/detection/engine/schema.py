"""The normalised event: one table shape for every source and log type.

Every source maps its records onto these columns (``docs/log-schema.md`` describes them per
log type). A column a source does not carry stays NULL; the whole original record is kept in
``raw``, so no field is ever dropped and rules may still reach one through ``raw``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One normalised column: its name, DuckDB type and meaning."""

    name: str
    type: str
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("event_time", "TIMESTAMP", "when it happened, UTC"),
    Column("source", "VARCHAR", "the source name, e.g. entra-signin"),
    Column("log_type", "VARCHAR", "signin, directory_audit, office_activity, file_activity, …"),
    Column("event_key", "VARCHAR", "the source's own unique key, for de-duplication"),
    Column("action", "VARCHAR", "what happened: the operation or activity name"),
    Column("result", "VARCHAR", "success, failure or interrupted (NULL when unknown)"),
    Column("failure_code", "VARCHAR", "the source's error code, as text"),
    Column("failure_reason", "VARCHAR", "the source's description of the failure"),
    Column("failure_detail", "VARCHAR", "further detail, e.g. why an MFA prompt failed"),
    Column("user_name", "VARCHAR", "who acted: user principal name or account, lower case"),
    Column("target_user", "VARCHAR", "the account acted upon, lower case"),
    Column("target", "VARCHAR", "the object acted upon: role, group, file, rule"),
    Column("source_ip", "VARCHAR", "the client's IP address"),
    Column("country", "VARCHAR", "ISO 3166-1 alpha-2 code of the client's location"),
    Column("city", "VARCHAR", "the client's city"),
    Column("latitude", "DOUBLE", "the client's latitude"),
    Column("longitude", "DOUBLE", "the client's longitude"),
    Column("application", "VARCHAR", "the application or service signed in to or used"),
    Column("client_app", "VARCHAR", "the client or protocol, e.g. Browser, IMAP4"),
    Column("auth_requirement", "VARCHAR", "single- or multi-factor, as the source says"),
    Column("device", "VARCHAR", "device or computer name"),
    Column("operating_system", "VARCHAR", "the client's operating system"),
    Column("user_agent", "VARCHAR", "the client's user agent or browser"),
    Column("event_code", "VARCHAR", "a numeric event id, e.g. a Windows event id"),
    Column("process", "VARCHAR", "the program that logged it (syslog) or ran (Windows)"),
    Column("forward_to", "VARCHAR", "where mail is forwarded or redirected to"),
    Column("forward_external", "BOOLEAN", "forwarding to a domain other than the user's"),
    Column("message", "VARCHAR", "free text of the event, e.g. a syslog message"),
    Column("raw", "VARCHAR", "the original record as JSON"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
COLUMN_TYPES: dict[str, str] = {column.name: column.type for column in COLUMNS}
# The normalised columns as a SELECT list, in their order.
COLUMNS_SQL = ", ".join(f'"{name}"' for name in COLUMN_NAMES)


def sql_literal(text: object) -> str:
    """A value as an SQL string literal (quotes doubled)."""
    return "'" + str(text).replace("'", "''") + "'"


def sql_list(items: Iterable[object]) -> str:
    """Strings (or paths) as a DuckDB list literal, e.g. for ``read_parquet([...])``."""
    return "[" + ", ".join(sql_literal(item) for item in items) + "]"


# The log types the sources set (``docs/log-schema.md``).
LOG_TYPES: tuple[str, ...] = (
    "signin",
    "directory_audit",
    "office_activity",
    "file_activity",
    "windows_security",
    "syslog",
)


def create_table_sql(name: str) -> str:
    """``CREATE TABLE`` for an empty table of normalised events."""
    columns = ", ".join(f'"{column.name}" {column.type}' for column in COLUMNS)
    return f'CREATE TABLE "{name}" ({columns})'
