"""The plan as a spreadsheet: the filtered list of measures, one row each.

Text cells are neutralised (``lib/spreadsheets.py``), so a title such as ``=HYPERLINK(…)`` is
shown as text and never run as a formula; dates and amounts stay real dates and numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.lib.spreadsheets import neutralise_row
from schildwacht.planning.models import Measure
from schildwacht.planning.queries import is_overdue

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_headers() -> list[str]:
    return [
        _("Titel"),
        _("Organisatie"),
        _("Status"),
        _("Eigenaar"),
        _("Deadline"),
        _("Over de deadline"),
        _("Inspanning"),
        _("Geschatte kosten (euro)"),
        _("Normen"),
        _("Basismaatregelen"),
        _("Deelproject groeipad"),
        _("Afgerond op"),
        _("Omschrijving"),
    ]


def measure_row(measure: Measure, day: dt.date) -> list[object]:
    done_at = timezone.localtime(measure.done_at).replace(tzinfo=None) if measure.done_at else None
    return [
        measure.title,
        measure.organisation.name,
        measure.get_status_display(),
        measure.owner_label,
        measure.due_date,
        _("ja") if is_overdue(measure, day) else _("nee"),
        measure.effort,
        measure.cost,
        ", ".join(measure.norm_ids),
        ", ".join(str(n) for n in measure.basismaatregelen),
        measure.groeipad_code,
        done_at,
        measure.description,
    ]


def export_measures_xlsx(measures: Iterable[Measure], day: dt.date | None = None) -> bytes:
    """A workbook with one sheet "Maatregelen": a header row and a row per measure."""
    from openpyxl import Workbook

    day = day or timezone.localdate()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _("Maatregelen")
    sheet.append(neutralise_row(list(export_headers())))
    for measure in measures:
        sheet.append(neutralise_row(measure_row(measure, day)))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
