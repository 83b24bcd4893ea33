"""The registers as spreadsheets: the application register (the same columns as the import,
plus what is missing), the import templates (XLSX with an explanation sheet, and CSV) and the
processing register.

Text cells are neutralised (``lib/spreadsheets.py``), so a name such as ``=HYPERLINK(…)`` is
shown as text and never run as a formula; the importer undoes the guard, so an exported register
can be edited and imported again. Choice and category cells hold the Dutch labels.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schildwacht.lib.spreadsheets import neutralise_row
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.registers.columns import COLUMNS, EXPORT_ONLY_HEADERS, Cell, Column
from schildwacht.registers.importers import dutch_labels
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.registers.queries import missing_items
from schildwacht.registers.reference import Kind, categories, labels
from schildwacht.suppliers.queries import available_suppliers, board_of

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Excel refuses longer cells; a long list of allowed values is cut short.
MAX_CELL = 32000


def _dutch(value: Any) -> str:
    with translation.override("nl"):
        return str(value)


def _school_label(school: Organisation) -> str:
    # A name with a list separator in it would split on import; the BRIN code does not.
    if ("," in school.name or ";" in school.name) and school.brin6:
        return school.brin6
    return school.name


def _cell(column: Column, application: Application, schools: list[Organisation]) -> object:
    value = getattr(application, column.key, None)
    if column.cell == Cell.CHOICE:
        assert column.choices is not None
        return _dutch(column.choices(value).label) if value else ""
    if column.cell in (Cell.BOOL, Cell.NULLBOOL):
        return "" if value is None else ("ja" if value else "nee")
    if column.cell == Cell.CODES:
        assert column.codes is not None
        names = {item.code: item.label.nl for item in categories(column.codes)}
        return ", ".join(names.get(code, code) for code in value or [])
    if column.cell == Cell.SUPPLIER:
        return application.supplier.name if application.supplier else ""
    if column.cell == Cell.SCHOOLS:
        return ", ".join(_school_label(school) for school in schools)
    if column.cell == Cell.ORGANISATION:
        return application.organisation.name
    return value


def _workbook_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_applications_xlsx(applications: Iterable[Application]) -> bytes:
    """One sheet "Applicaties": the import's columns, then whether each entry is complete and
    what it misses. ``applications`` should prefetch ``schools``."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "Applicaties"
    sheet.append([column.header for column in COLUMNS] + list(EXPORT_ONLY_HEADERS))
    for application in applications:
        schools = sorted(application.schools.all(), key=lambda s: s.name)
        missing = missing_items(application)
        row = [_cell(column, application, schools) for column in COLUMNS]
        row += ["nee" if missing else "ja", "; ".join(_dutch(item) for item in missing)]
        sheet.append(neutralise_row(row))
    sheet.freeze_panes = "B2"
    return _workbook_bytes(workbook)


def _allowed_values(column: Column, organisation: Organisation) -> str:
    if column.choices is not None:
        return ", ".join(dutch_labels(column.choices))
    if column.codes is not None:
        return ", ".join(item.label.nl for item in categories(column.codes))
    if column.cell in (Cell.BOOL, Cell.NULLBOOL):
        return "ja, nee"
    board = board_of(organisation)
    if column.cell == Cell.SUPPLIER:
        return ", ".join(available_suppliers(organisation).values_list("name", flat=True))
    if column.cell == Cell.SCHOOLS:
        schools = board.children.filter(kind=OrganisationKind.SCHOOL).order_by("name")
        return ", ".join(_school_label(school) for school in schools)
    if column.cell == Cell.ORGANISATION:
        tree = Organisation.objects.filter(path__startswith=board.path).order_by("path")
        return ", ".join(tree.values_list("name", flat=True))
    return ""


def import_template_xlsx(organisation: Organisation) -> bytes:
    """The import template: an empty sheet "Applicaties" with the column names, a sheet
    "Uitleg" explaining each column and its allowed values (the suppliers and schools of
    ``organisation``'s board included) and a sheet "Categorieën" with every category."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Applicaties"
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    explained = workbook.create_sheet("Uitleg")
    explained.append([_("Kolom"), _("Verplicht"), _("Uitleg"), _("Toegestane waarden")])
    for column in COLUMNS:
        allowed = _allowed_values(column, organisation)[:MAX_CELL]
        explained.append(
            neutralise_row(
                [column.header, _("ja") if column.required else _("nee"), str(column.help), allowed]
            )
        )
    for letter, width in zip("ABCD", (28, 10, 60, 80), strict=True):
        explained.column_dimensions[letter].width = width
    for row in explained.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    listing = workbook.create_sheet("Categorieën")
    listing.append([_("Lijst"), _("Code"), _("Naam"), _("Omschrijving")])
    titles = {
        Kind.DATA: _("soorten persoonsgegevens"),
        Kind.SPECIAL: _("bijzondere persoonsgegevens"),
        Kind.SUBJECTS: _("categorieën betrokkenen"),
    }
    for kind, title in titles.items():
        for item in categories(kind):
            listing.append([title, item.code, item.label.nl, item.description.nl])
    return _workbook_bytes(workbook)


def import_template_csv() -> bytes:
    """The column names as a CSV header (semicolons, UTF-8 with BOM, as Dutch Excel opens it)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow([column.header for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def activity_headers() -> list[str]:
    return [
        _("Naam"),
        _("Organisatie"),
        _("Verwerkingsverantwoordelijke"),
        _("Contactgegevens FG"),
        _("Doeleinden"),
        _("Grondslag"),
        _("Toelichting grondslag"),
        _("Categorieën betrokkenen"),
        _("Soorten persoonsgegevens"),
        _("Bijzondere persoonsgegevens"),
        _("Ontvangers"),
        _("Doorgifte buiten de EER"),
        _("Landen"),
        _("Waarborgen bij doorgifte"),
        _("Bewaartermijnen"),
        _("Beveiligingsmaatregelen"),
        _("Gebruikte applicaties"),
        _("Toelichting"),
        _("Laatst gewijzigd"),
    ]


def _labels(kind: Kind, codes: list[str]) -> str:
    return ", ".join(labels(kind, codes))


def activity_row(activity: ProcessingActivity) -> list[object]:
    """One processing activity with every art. 30 field; ``applications`` prefetched."""
    return [
        activity.name,
        activity.organisation.name,
        activity.controller,
        activity.fg_contact,
        activity.purposes,
        activity.get_legal_basis_display(),
        activity.legal_basis_note,
        _labels(Kind.SUBJECTS, activity.data_subject_categories),
        _labels(Kind.DATA, activity.data_categories),
        _labels(Kind.SPECIAL, activity.special_categories),
        activity.recipients,
        _("ja") if activity.transfers_outside_eea else _("nee"),
        activity.transfer_countries,
        activity.transfer_safeguards,
        activity.retention,
        activity.security_measures,
        ", ".join(app.name for app in activity.applications.all()),
        activity.notes,
        timezone.localtime(activity.updated_at).replace(tzinfo=None),
    ]


def export_activities_xlsx(activities: Iterable[ProcessingActivity]) -> bytes:
    """The processing register (AVG art. 30) as one sheet "Verwerkingen"."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Verwerkingen")
    sheet.append(neutralise_row(list(activity_headers())))
    for activity in activities:
        sheet.append(neutralise_row(activity_row(activity)))
    sheet.freeze_panes = "B2"
    return _workbook_bytes(workbook)
