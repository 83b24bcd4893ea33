"""Reading the rows of an uploaded XLSX or CSV file, before any row is checked.

Every importer (the norm list, the application register) reads its file here, so they share one
size cap, one way of telling XLSX from CSV, UTF-8 (BOM allowed) with a clear error otherwise,
openpyxl in read-only mode, bounds on rows and columns, and one numbering of lines.

Only the shape of the file is checked: its size, that it is really XLSX or UTF-8 text, that it
is not empty and not too long. Anything wrong raises ``ImportRejected`` with one problem for
the whole file. Cells come back as text with the spreadsheet guard undone
(``lib/spreadsheets.restore``); what the rows mean is for each importer to check, reporting
every problem as an ``ImportProblem`` (line, column, value, reason). Control characters in a
cell are such a problem of the row, not of the file, so the importer names the cell.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from schildwacht.lib.spreadsheets import restore

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
# Blank rows are skipped but still read; this bounds the reading of a sheet padded with them.
MAX_SCANNED_ROWS = 5 * MAX_IMPORT_ROWS
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: row (1 is the first line; None for the whole file),
    column, the value found and why it cannot be used."""

    line: int | None
    column: str
    value: str
    reason: str


class ImportRejected(ValueError):
    """The file cannot be imported; ``problems`` lists every reason. Nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(problem.reason for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Table:
    """The header row and the non-blank rows below it, each with its line number; every
    cell is text (``cell_text``)."""

    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def whole_file(reason: str) -> ImportRejected:
    """The rejection of a file as a whole (no line, no column)."""
    return ImportRejected([ImportProblem(None, "", "", reason)])


def shown(value: Any) -> str:
    """A value as a problem report shows it: text, cut short after 80 characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def cell_text(value: Any) -> str:
    """A cell as text: the spreadsheet guard undone, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return str(restore(value)).strip()
    return str(value).strip()


def _xlsx_rows(
    content: bytes, sheet_names: tuple[str, ...], max_columns: int
) -> Iterator[list[Any]]:
    # Imported here: openpyxl is only needed by imports and exports.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    not_xlsx = _("Het bestand is geen geldig XLSX-bestand.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise whole_file(not_xlsx) from exc
    except (TypeError, AttributeError, SyntaxError, IndexError) as exc:
        # A zip whose parts are not the XML openpyxl expects fails in many ways.
        raise whole_file(not_xlsx) from exc
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        chosen = next((names[n] for n in sheet_names if n in names), workbook.sheetnames[0])
        for row in workbook[chosen].iter_rows(
            max_row=MAX_SCANNED_ROWS + 1, max_col=max_columns, values_only=True
        ):
            yield list(row)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        raise whole_file(not_xlsx) from exc
    finally:
        workbook.close()


def _csv_rows(content: bytes, max_columns: int) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise whole_file(
            _(
                "Het bestand is niet in UTF-8 opgeslagen (ongeldige byte op positie "
                "%(position)d). Sla het op als 'CSV UTF-8'."
            )
            % {"position": exc.start + 1}
        ) from exc
    # The first line with content tells the delimiter (Dutch Excel writes semicolons).
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield row[:max_columns]
    except csv.Error as exc:
        raise whole_file(
            _("Het CSV-bestand kan niet worden gelezen: %(error)s") % {"error": exc}
        ) from exc


def _rows(
    name: str, content: bytes, sheet_names: tuple[str, ...], max_columns: int
) -> Iterator[list[Any]]:
    lower = name.lower()
    if lower.endswith(XLSX_SUFFIXES):
        if not content.startswith(ZIP_MAGIC):
            raise whole_file(_("Het bestand is geen geldig XLSX-bestand."))
        return _xlsx_rows(content, sheet_names, max_columns)
    if lower.endswith(CSV_SUFFIXES):
        if content.startswith(ZIP_MAGIC):
            raise whole_file(_("Het bestand is geen CSV-bestand; is het een XLSX-bestand?"))
        return _csv_rows(content, max_columns)
    raise whole_file(_("Alleen XLSX- en CSV-bestanden kunnen worden geïmporteerd."))


def read_table(
    name: str, content: bytes, *, sheet_names: tuple[str, ...] = (), max_columns: int
) -> Table:
    """The header and the non-blank rows of an uploaded file (``name`` tells XLSX from CSV).

    An XLSX file is read from the first sheet named in ``sheet_names`` (lower case), else its
    first sheet; columns beyond ``max_columns`` are never read, so a sheet of a huge width
    costs nothing. A file with a header and no rows is returned as it is: the importer checks
    the header first and says what the rows should have held.
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise whole_file(
            _("Het bestand is groter dan %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise whole_file(_("Het bestand is leeg."))
    header: list[str] | None = None
    header_line = 0
    body: list[tuple[int, list[str]]] = []
    too_many = _("Het bestand heeft meer dan %(max)d regels.") % {"max": MAX_IMPORT_ROWS}
    for line, row in enumerate(_rows(name, content, sheet_names, max_columns), start=1):
        if line > MAX_SCANNED_ROWS:
            raise whole_file(too_many)
        cells = [cell_text(value) for value in row]
        if all(cell == "" for cell in cells):
            continue  # Blank rows (often at the end of a sheet) hold nothing.
        if header is None:
            header, header_line = cells, line
            continue
        body.append((line, cells))
        if len(body) > MAX_IMPORT_ROWS:
            raise whole_file(too_many)
    if header is None:
        raise whole_file(_("Het bestand is leeg."))
    return Table(header_line, header, body)
