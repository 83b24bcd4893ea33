"""Reading the rows of an uploaded XLSX or CSV file, before any row is checked.

Only the shape of the file is checked here: its size, that it is really XLSX or UTF-8 text
(CSV, BOM allowed), that it is not empty and not too long. Anything wrong raises
``ImportRejected`` with one problem for the whole file. Cells come back with the spreadsheet
guard undone (``lib/spreadsheets.restore``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from schildwacht.frameworks.importers import ImportProblem, ImportRejected
from schildwacht.lib.spreadsheets import restore

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
# Blank rows are skipped but still read; this bounds the reading of a sheet padded with them.
MAX_SCANNED_ROWS = 5 * MAX_IMPORT_ROWS
# Columns beyond these are never read, so a sheet with a huge width costs nothing.
MAX_COLUMNS = 60
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")


@dataclass(frozen=True)
class Table:
    """The header row and the non-blank rows below it, each with its line number."""

    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def whole_file(reason: str) -> ImportRejected:
    return ImportRejected([ImportProblem(None, "", "", reason)])


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


def _xlsx_rows(content: bytes, sheet_names: tuple[str, ...]) -> Iterator[list[Any]]:
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
            max_row=MAX_SCANNED_ROWS + 1, max_col=MAX_COLUMNS, values_only=True
        ):
            yield list(row)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        raise whole_file(not_xlsx) from exc
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
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
    if "\x00" in text:
        raise whole_file(_("Het bestand is geen tekstbestand (CSV)."))
    # The first line with content tells the delimiter (Dutch Excel writes semicolons).
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield row[:MAX_COLUMNS]
    except csv.Error as exc:
        raise whole_file(
            _("Het CSV-bestand kan niet worden gelezen: %(error)s") % {"error": exc}
        ) from exc


def _rows(name: str, content: bytes, sheet_names: tuple[str, ...]) -> Iterator[list[Any]]:
    lower = name.lower()
    if lower.endswith(XLSX_SUFFIXES):
        if not content.startswith(b"PK\x03\x04"):
            raise whole_file(_("Het bestand is geen geldig XLSX-bestand."))
        return _xlsx_rows(content, sheet_names)
    if lower.endswith(CSV_SUFFIXES):
        if content.startswith(b"PK\x03\x04"):
            raise whole_file(_("Het bestand is geen CSV-bestand; is het een XLSX-bestand?"))
        return _csv_rows(content)
    raise whole_file(_("Alleen XLSX- en CSV-bestanden kunnen worden geïmporteerd."))


def read_table(
    name: str, content: bytes, *, sheet_names: tuple[str, ...] = (), what: str = ""
) -> Table:
    """The header and the rows of a file (``what``: the name of a row's item, for messages).

    An XLSX file is read from the first sheet named in ``sheet_names`` (lower case), else its
    first sheet.
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
    for line, row in enumerate(_rows(name, content, sheet_names), start=1):
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
    if not body:
        raise whole_file(
            _("Het bestand bevat alleen een kopregel en geen %(what)s.") % {"what": what}
        )
    return Table(header_line, header, body)
