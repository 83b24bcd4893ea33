"""A DPIA as PDF (WeasyPrint): Dutch, tagged (PDF/UA-1), fonts DejaVu, like the board report.

The HTML comes from ``dpia/pdf.html`` with the board report's print stylesheet and, after it,
``data/pdf.css`` for what only a DPIA has. WeasyPrint may fetch nothing: text a user typed can
never make the server load a resource.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import override

from schildwacht.dpia.models import Advice, Dpia
from schildwacht.dpia.prescan import explain
from schildwacht.dpia.reference import risk_matrix
from schildwacht.reports.pdf import PDF_VARIANT, Report, ReportFetchRefused
from schildwacht.reports.pdf import STYLESHEET as REPORT_STYLESHEET

# The board report's print stylesheet, and after it what only a DPIA needs.
STYLESHEET = Path(__file__).parent / "data" / "pdf.css"


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ReportFetchRefused(url)


def dpia_html(dpia: Dpia, advice: Advice | None, basis: Dpia | None) -> str:
    """The DPIA's HTML, always in Dutch, with the pre-scan it followed from (if any)."""
    prescan = dpia.prescan
    with override("nl"):
        # The outcome's words and the criteria's names follow the active language.
        explanation = (
            explain(prescan.ap_items, prescan.criteria, prescan.reasons) if prescan else None
        )
        return render_to_string(
            "dpia/pdf.html",
            {
                "dpia": dpia,
                "advice": advice,
                "basis": basis,
                "explanation": explanation,
                "matrix": risk_matrix(),
                "generated_at": timezone.localtime(),
            },
        )


def dpia_pdf(dpia: Dpia, advice: Advice | None, basis: Dpia | None) -> Report:
    """Render ``dpia`` (with the FG's advice and the sector DPIA it builds on) to PDF bytes."""
    from weasyprint import CSS, HTML

    html = HTML(string=dpia_html(dpia, advice, basis), url_fetcher=_no_fetch, base_url=None)
    content = html.write_pdf(
        stylesheets=[
            CSS(filename=str(path), url_fetcher=_no_fetch)
            for path in (REPORT_STYLESHEET, STYLESHEET)
        ],
        pdf_variant=PDF_VARIANT,
    )
    assert content is not None
    name = slugify(dpia.title)[:80] or "dpia"
    return Report(f"dpia-{name}-v{dpia.version}.pdf", content)
