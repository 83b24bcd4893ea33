"""The board report as PDF (WeasyPrint): Dutch, tagged (PDF/UA-1), fonts DejaVu.

The report is rendered from a template like any page, with its own print stylesheet
(``pdf/report.css``). WeasyPrint may fetch nothing: the fetcher refuses every URL, so text a
user typed can never make the server load a resource; fonts come from the system (fontconfig).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import override

from schildwacht.reports.queries import Dashboard

STYLESHEET = Path(__file__).parent / "pdf" / "report.css"
# PDF/UA-1 makes WeasyPrint write a tagged PDF with a structure tree, /Lang and the title shown
# as the document title; it works with WeasyPrint ≥ 63 (measured with 70).
PDF_VARIANT = "pdf/ua-1"


class ReportFetchRefused(ValueError):
    """The report tried to load an external resource; reports are self-contained."""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ReportFetchRefused(url)


@dataclass(frozen=True)
class Report:
    filename: str
    content: bytes


def board_report_html(dashboard: Dashboard) -> str:
    """The report's HTML, always in Dutch (the language of the annual report)."""
    with override("nl"):
        return render_to_string(
            "reports/board_report.html",
            {"dashboard": dashboard, "generated_at": timezone.localtime()},
        )


def board_report_pdf(dashboard: Dashboard) -> Report:
    """Render the board report of ``dashboard`` to PDF bytes."""
    from weasyprint import CSS, HTML

    html = HTML(string=board_report_html(dashboard), url_fetcher=_no_fetch, base_url=None)
    content = html.write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET), url_fetcher=_no_fetch)],
        pdf_variant=PDF_VARIANT,
    )
    assert content is not None  # without a target, write_pdf returns the bytes
    name = slugify(dashboard.organisation.name)[:80] or "organisatie"
    day = timezone.localdate().isoformat()
    return Report(f"bestuursrapport-{name}-{day}.pdf", content)
