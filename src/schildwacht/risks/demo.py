"""The demo risk register, from ``data/demo.yaml`` (idempotent).

``load_demo_risks(actor, board)`` makes sure the board's sector has the templates
(``template_services.load_risk_templates``), adopts the listed ones the board does not have
yet, treats a few and records one acceptance that has run out, so the register shows a risk
that needs review. Everything goes through the services, so it is audited; a second run adds
nothing and leaves changes made in the demo alone.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.risks import services, template_services
from schildwacht.risks.models import Risk, RiskTemplate

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


@cache
def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return data


def _treat(actor: Actor, risk: Risk, values: dict[str, Any], today: dt.date) -> None:
    values = dict(values)
    if "review_days" in values:
        values["review_date"] = today + dt.timedelta(days=values.pop("review_days"))
    services.update_risk(actor, risk, **values)


def load_demo_risks(actor: Actor, board: Organisation) -> int:
    """Adopt, treat and accept the demo risks of ``board``; returns how many were adopted."""
    if board.parent is None:
        raise ValueError("demo: a board without a sector has no risk templates")
    template_services.load_risk_templates(actor, board.parent)
    data = demo_data()
    templates = {
        t.code: t
        for t in RiskTemplate.objects.filter(organisation=board.parent, code__in=data["adopt"])
    }
    adopted = set(
        Risk.objects.filter(organisation=board, template__code__in=data["adopt"]).values_list(
            "template__code", flat=True
        )
    )
    wanted = [templates[code] for code in data["adopt"] if code not in adopted]
    if not wanted:
        return 0
    today = timezone.localdate()
    risks = {
        risk.template.code: risk
        for risk in template_services.adopt_templates(actor, board, wanted)
        if risk.template is not None
    }
    for code, values in data["treat"].items():
        if code in risks:
            _treat(actor, risks[code], values, today)
    for code, acceptance in data["accept"].items():
        if code in risks:
            services.accept_risk(
                actor,
                risks[code],
                expires_on=today + dt.timedelta(days=acceptance["expires_days"]),
                note=acceptance["note"],
                on=today + dt.timedelta(days=acceptance["accepted_days"]),
            )
    return len(risks)
