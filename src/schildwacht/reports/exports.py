"""The export of one meting as an XLSX workbook (spreadsheet-safe, see lib/spreadsheets.py).

Sheet "Normen": per norm its id, title, domain, level, N/A and reason, target, owner and notes.
Sheet "Domeinen": the scores per domain and in total. Sheet "Meting": what was exported.
Every text cell goes through ``neutralise_row``, so a note such as ``=HYPERLINK(...)`` stays
text in Excel and LibreOffice; numbers stay numbers.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from schildwacht.assessments.models import Assessment
from schildwacht.assessments.queries import assessment_scores
from schildwacht.frameworks.exports import Export
from schildwacht.lib.spreadsheets import neutralise_row
from schildwacht.reports.queries import export_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _headers(sheet: Any, headers: list[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def assessment_workbook(assessment: Assessment) -> Export:
    """The meting as a workbook, with Dutch headers whatever the user's language."""
    from openpyxl import Workbook

    with override("nl"):
        workbook = Workbook()
        norms = workbook.active
        assert norms is not None  # a new workbook always has its first sheet
        norms.title = _("Normen")
        _headers(
            norms,
            [
                _("Norm"),
                _("Titel"),
                _("Domein"),
                _("Niveau"),
                _("Niet van toepassing"),
                _("Reden niet van toepassing"),
                _("Streefniveau"),
                _("Eigenaar"),
                _("Toelichting"),
            ],
        )
        for row in export_rows(assessment):
            score = row.score
            norms.append(
                neutralise_row(
                    [
                        row.norm_id,
                        row.title,
                        row.domain,
                        score.level,
                        _("ja") if score.not_applicable else _("nee"),
                        score.not_applicable_reason,
                        score.target_level,
                        score.owner,
                        score.notes,
                    ]
                )
            )
        scores = assessment_scores(assessment)
        domains = workbook.create_sheet(_("Domeinen"))
        _headers(
            domains,
            [
                _("Domein"),
                _("Gemiddeld niveau"),
                _("Gescoord"),
                _("Normen"),
                _("Van toepassing"),
                _("Op of boven streefniveau"),
            ],
        )
        for domain in scores.domains:
            s = domain.score
            domains.append(
                neutralise_row(
                    [domain.label, s.average, s.scored, s.total, s.applicable, s.at_target]
                )
            )
        s = scores.overall
        domains.append(
            neutralise_row([_("Totaal"), s.average, s.scored, s.total, s.applicable, s.at_target])
        )
        about = workbook.create_sheet(_("Meting"))
        for label, value in [
            (_("Organisatie"), assessment.organisation.name),
            (_("Meting"), assessment.title),
            (_("Status"), assessment.get_status_display()),
            (_("Normenkader"), str(assessment.framework)),
            (_("Aangemaakt op"), timezone.localtime(assessment.created_at).strftime("%d-%m-%Y")),
            (_("Geëxporteerd op"), timezone.localtime().strftime("%d-%m-%Y %H:%M")),
        ]:
            about.append(neutralise_row([label, value]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = slugify(f"{assessment.organisation.name} {assessment.title}")[:80] or "meting"
    return Export(f"{name}-{assessment.pk}.xlsx", XLSX, buffer.getvalue())
