"""The breach register as a spreadsheet: one row per breach, notified or not (AVG art. 33(5)).

Text cells are neutralised (``lib/spreadsheets.py``): a description such as ``=HYPERLINK(…)`` is
shown as text and never run. Times are written in Europe/Amsterdam without a zone (spreadsheets
know none); numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.incidents.clock import is_late
from schildwacht.incidents.models import Incident, NotificationKind
from schildwacht.incidents.queries import assessment_of, clock_of
from schildwacht.incidents.reference import reference
from schildwacht.lib.spreadsheets import neutralise_row

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_headers() -> list[str]:
    return [
        _("Nummer"),
        _("Korte omschrijving"),
        _("Organisatie"),
        _("Status"),
        _("Gebeurd op"),
        _("Ontdekt op"),
        _("Verwerker informeerde op"),
        _("Bestuur op de hoogte op"),
        _("Uiterste meldmoment"),
        _("Soort inbreuk"),
        _("Soorten persoonsgegevens"),
        _("Groepen betrokkenen"),
        _("Aantal betrokkenen (min)"),
        _("Aantal betrokkenen (max)"),
        _("Applicaties"),
        _("Gevolgen"),
        _("Genomen maatregelen"),
        _("Melden bij de AP"),
        _("Betrokkenen informeren"),
        _("Motivering"),
        _("Gemeld bij de AP op"),
        _("Kenmerk AP"),
        _("Te laat gemeld"),
        _("Redenen vertraging"),
        _("Aanvullingen en intrekking"),
        _("Afgesloten op"),
        _("Afsluitende toelichting"),
    ]


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A naive local time for the spreadsheet (openpyxl writes no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("ja") if value else _("nee")


def breach_row(incident: Incident) -> list[Any]:
    ref = reference()
    notifications = list(incident.notifications.all())
    first = next((n for n in notifications if n.kind == NotificationKind.INITIAL), None)
    later = [n for n in notifications if n.kind != NotificationKind.INITIAL]
    clock = clock_of(incident)
    assessment = assessment_of(incident)
    return [
        incident.pk,
        incident.title,
        incident.organisation.name,
        incident.get_status_display(),
        _local(incident.occurred_at),
        _local(incident.discovered_at),
        _local(incident.processor_informed_at),
        _local(incident.aware_at),
        _local(clock.deadline) if clock else None,
        ", ".join(ref.labels("breach_types", incident.breach_types)),
        ", ".join(ref.labels("data_kinds", incident.data_kinds)),
        ", ".join(ref.labels("subject_groups", incident.subject_groups)),
        incident.people_min,
        incident.people_max,
        ", ".join(application.name for application in incident.applications.all()),
        incident.consequences,
        incident.measures_taken,
        _yes_no(assessment.notify_ap) if assessment else _("nog geen besluit"),
        assessment.get_inform_display() if assessment else "",
        assessment.reasoning if assessment else "",
        _local(first.notified_at) if first else None,
        first.reference if first else "",
        _yes_no(is_late(incident.aware_at, first.notified_at))
        if first and incident.aware_at
        else "",
        first.delay_reasons if first else "",
        "\n".join(
            f"{timezone.localtime(n.notified_at):%Y-%m-%d %H:%M} {n.get_kind_display()}: {n.summary}"
            for n in later
        ),
        _local(incident.closed_at),
        incident.closing_note,
    ]


def export_breaches_xlsx(incidents: Iterable[Incident]) -> bytes:
    """A workbook with one sheet "Datalekken": a header row and a row per breach."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _("Datalekken")
    sheet.append(neutralise_row(list(export_headers())))
    for incident in incidents:
        sheet.append(neutralise_row(breach_row(incident)))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
