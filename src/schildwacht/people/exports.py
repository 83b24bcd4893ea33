"""Spreadsheets of the people app: the trainings with their participants, and the import
templates for participant lists and phishing results.

Text cells are neutralised (``lib/spreadsheets.py``): a name such as ``=HYPERLINK(…)`` is shown as
text and never run, and the importers undo the guard, so an exported participant sheet can be
edited and imported again. Dates and numbers stay real dates and numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from schildwacht.lib.spreadsheets import neutralise_row
from schildwacht.people.importers import COLUMN_HELP, PARTICIPANT_COLUMNS, PHISHING_COLUMNS
from schildwacht.people.models import Participant, Training

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _workbook_bytes(workbook: object) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def training_headers() -> list[str]:
    # The participant columns carry the import's own headers, so the sheet imports again.
    return [
        _("Training"),
        _("Soort"),
        _("Datum training"),
        _("Organisatie"),
        _("Doelgroep"),
        *(column.header for column in PARTICIPANT_COLUMNS),
    ]


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nee")


def training_row(training: Training, participant: Participant | None) -> list[object]:
    base: list[object] = [
        training.title,
        training.get_kind_display(),
        training.held_on,
        training.organisation.name,
        training.target_group,
    ]
    if participant is None:
        return [*base, *([""] * len(PARTICIPANT_COLUMNS))]
    return [
        *base,
        participant.email,
        participant.name,
        participant.role,
        (participant.school.brin6 or participant.school.name) if participant.school else "",
        _yes_no(participant.completed),
        participant.completed_on,
    ]


def export_trainings_xlsx(
    trainings: Iterable[Training], participants: Iterable[Participant]
) -> bytes:
    """One sheet "Deelnemers": a row per participant, and one for a training without any."""
    from openpyxl import Workbook

    by_training: dict[int, list[Participant]] = {}
    for person in participants:
        by_training.setdefault(person.training_id, []).append(person)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Deelnemers"
    sheet.append(neutralise_row(list[object](training_headers())))
    for training in trainings:
        rows: list[Participant | None] = list(by_training.get(training.pk, [])) or [None]
        for participant in rows:
            sheet.append(neutralise_row(training_row(training, participant)))
    sheet.freeze_panes = "A2"
    return _workbook_bytes(workbook)


def _template_xlsx(sheet_name: str, headers: list[str], explained: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_name
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    help_sheet = workbook.create_sheet("Uitleg")
    help_sheet.append([_("Kolom"), _("Verplicht"), _("Uitleg")])
    for row in explained:
        help_sheet.append(neutralise_row(list(row)))
    return _workbook_bytes(workbook)


def _template_csv(headers: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(headers)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def participant_template_xlsx() -> bytes:
    return _template_xlsx(
        "Deelnemers",
        [c.header for c in PARTICIPANT_COLUMNS],
        [
            [c.header, _("ja") if c.required else _("nee"), str(COLUMN_HELP[c.key])]
            for c in PARTICIPANT_COLUMNS
        ],
    )


def participant_template_csv() -> bytes:
    return _template_csv([c.header for c in PARTICIPANT_COLUMNS])


def phishing_help() -> dict[str, str]:
    return {
        "name": _("Naam van de campagne, zoals de simulatietool hem noemt."),
        "date": _("Datum van verzenden, als 2026-03-31 of 31-03-2026."),
        "school": _("Naam of BRIN-code met vestiging; leeg: het hele bestuur."),
        "sent": _("Aantal verzonden e-mails."),
        "opened": _("Aantal geopende e-mails (niet meer dan verzonden)."),
        "clicked": _("Aantal keer op de link geklikt (niet meer dan verzonden)."),
        "reported": _("Aantal meldingen als phishing (niet meer dan verzonden)."),
    }


def phishing_template_xlsx() -> bytes:
    texts = phishing_help()
    return _template_xlsx(
        "Phishing",
        [c.header for c in PHISHING_COLUMNS],
        [[c.header, _("ja") if c.required else _("nee"), texts[c.key]] for c in PHISHING_COLUMNS],
    )


def phishing_template_csv() -> bytes:
    return _template_csv([c.header for c in PHISHING_COLUMNS])
