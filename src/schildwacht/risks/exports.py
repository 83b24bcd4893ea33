"""The risk register as a spreadsheet, one row per risk.

Text cells are neutralised (``lib/spreadsheets.py``): a title such as ``=HYPERLINK(…)`` is shown
as text and never run; scores, amounts and dates stay real numbers and dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.lib.spreadsheets import neutralise_row
from schildwacht.risks.matrix import band_for
from schildwacht.risks.models import Risk
from schildwacht.risks.queries import needs_review

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_headers() -> list[str]:
    return [
        _("Titel"),
        _("Organisatie"),
        _("Dreiging"),
        _("Applicaties"),
        _("Processen en middelen"),
        _("Kans (bruto)"),
        _("Impact (bruto)"),
        _("Score (bruto)"),
        _("Niveau (bruto)"),
        _("Kans (netto)"),
        _("Impact (netto)"),
        _("Score (netto)"),
        _("Niveau (netto)"),
        _("Eigenaar"),
        _("Behandeling"),
        _("Maatregelen"),
        _("Blootstelling per jaar, minimaal (euro)"),
        _("Blootstelling per jaar, maximaal (euro)"),
        _("Status"),
        _("Herbeoordelen op"),
        _("Geaccepteerd door"),
        _("Acceptatie geldig tot"),
        _("Herbeoordeling nodig"),
        _("Sjabloon"),
    ]


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nee")


def risk_row(risk: Risk, day: dt.date) -> list[object]:
    residual = risk.residual_score
    return [
        risk.title,
        risk.organisation.name,
        risk.threat,
        ", ".join(a.name for a in risk.applications.all()),
        risk.processes,
        risk.inherent_likelihood,
        risk.inherent_impact,
        risk.inherent_score,
        band_for(risk.inherent_score).label.text,
        risk.residual_likelihood,
        risk.residual_impact,
        residual,
        band_for(residual).label.text if residual else "",
        risk.owner_label,
        risk.get_treatment_display(),
        ", ".join(m.title for m in risk.measures.all()),
        risk.exposure_min,
        risk.exposure_max,
        risk.get_status_display(),
        risk.review_date,
        risk.accepted_by_name,
        risk.acceptance_expires_on,
        _yes_no(needs_review(risk, day)),
        risk.template.title if risk.template is not None else "",
    ]


def export_risks_xlsx(risks: Iterable[Risk], day: dt.date | None = None) -> bytes:
    """A workbook with one sheet "Risico's": a header row and a row per risk."""
    from openpyxl import Workbook

    day = day or timezone.localdate()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _("Risico's")
    sheet.append(neutralise_row(list(export_headers())))
    for risk in risks:
        sheet.append(neutralise_row(risk_row(risk, day)))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
