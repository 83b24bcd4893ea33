"""The notification to the AP as PDF (WeasyPrint), like the DPIA: Dutch, tagged, no fetching.

The HTML is the printable page's body (``incidents/_notification_body.html``) in
``incidents/pdf.html``, with the board report's print stylesheet.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from schildwacht.incidents.models import Incident
from schildwacht.reports.pdf import PDF_VARIANT, Report, ReportFetchRefused
from schildwacht.reports.pdf import STYLESHEET as REPORT_STYLESHEET


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ReportFetchRefused(url)


def notification_html(context: dict[str, Any]) -> str:
    """The document's HTML, always in Dutch (the language of the notification)."""
    with override("nl"):
        return render_to_string(
            "incidents/pdf.html", {**context, "generated_at": timezone.localtime()}
        )


def notification_pdf(incident: Incident, context: dict[str, Any]) -> Report:
    """Render the notification document of ``incident`` to PDF bytes."""
    from weasyprint import CSS, HTML

    html = HTML(string=notification_html(context), url_fetcher=_no_fetch, base_url=None)
    content = html.write_pdf(
        stylesheets=[CSS(filename=str(REPORT_STYLESHEET), url_fetcher=_no_fetch)],
        pdf_variant=PDF_VARIANT,
    )
    assert content is not None
    return Report(f"melding-datalek-{incident.pk}.pdf", content)
