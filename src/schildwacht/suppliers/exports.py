"""The agreements list as a spreadsheet, one row per agreement.

Text cells are neutralised (``lib/spreadsheets.py``): a title such as ``=HYPERLINK(…)`` is shown
as text and never run; dates and numbers stay real dates and numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.lib.spreadsheets import neutralise_row
from schildwacht.suppliers.models import Agreement
from schildwacht.suppliers.queries import is_expiring, is_valid

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_headers() -> list[str]:
    return [
        _("Titel"),
        _("Organisatie"),
        _("Leverancier"),
        _("Applicaties"),
        _("Model"),
        _("Status"),
        _("Geldig"),
        _("Verloopt binnenkort"),
        _("Getekend op"),
        _("Loopt af op"),
        _("Privacybijsluiter"),
        _("Beveiligingsbijlage"),
        _("Meldtermijn datalek (uren)"),
        _("Subverwerkers"),
        _("Document"),
        _("Toelichting"),
    ]


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nee")


def agreement_row(agreement: Agreement, day: dt.date) -> list[object]:
    return [
        agreement.title,
        agreement.organisation.name,
        agreement.supplier.name,
        ", ".join(a.name for a in agreement.applications.all()),
        agreement.get_model_display(),
        agreement.get_status_display(),
        _yes_no(is_valid(agreement, day)),
        _yes_no(is_expiring(agreement, day)),
        agreement.signed_on,
        agreement.expires_on,
        _yes_no(agreement.privacy_annex),
        _yes_no(agreement.security_annex),
        agreement.breach_notification_hours,
        agreement.sub_processors,
        agreement.document_name,
        agreement.notes,
    ]


def export_agreements_xlsx(agreements: Iterable[Agreement], day: dt.date | None = None) -> bytes:
    """A workbook with one sheet "Verwerkersovereenkomsten": a header row and a row each."""
    from openpyxl import Workbook

    day = day or timezone.localdate()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _("Verwerkersovereenkomsten")
    sheet.append(neutralise_row(list(export_headers())))
    for agreement in agreements:
        sheet.append(neutralise_row(agreement_row(agreement, day)))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
