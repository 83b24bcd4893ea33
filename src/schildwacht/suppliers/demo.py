"""The demo suppliers and agreements, from ``data/demo.yaml`` (idempotent).

``load_demo_catalogue`` fills the demo sector's shared catalogue and the curator's central
reviews; ``load_demo_agreements`` gives a board its agreements (load its applications first, so
the agreements can point at them). Everything goes through the services, so it is audited.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import Application
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.checklist import checklist_codes
from schildwacht.suppliers.models import Agreement, Review, Supplier
from schildwacht.suppliers.queries import available_suppliers

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


@cache
def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return data


def load_demo_catalogue(actor: Actor, sector: Organisation) -> int:
    """The shared suppliers and completed central reviews; returns how many suppliers were added."""
    made = 0
    for item in demo_data()["catalogue"]:
        if not Supplier.objects.filter(organisation=sector, name__iexact=item["name"]).exists():
            services.create_supplier(actor, sector, **item)
            made += 1
    for item in demo_data()["central_reviews"]:
        supplier = Supplier.objects.get(organisation=sector, name__iexact=item["supplier"])
        if Review.objects.filter(supplier=supplier, completed_at__isnull=False).exists():
            continue
        review = review_services.start_central_review(actor, supplier)
        for code in checklist_codes():
            verdict = item["items"].get(code, {"verdict": item["default"], "note": ""})
            review_services.update_review_item(actor, review, code, **verdict)
        review_services.complete_review(actor, review, item["conclusion"])
    return made


def _agreement_values(item: dict[str, Any], board: Organisation, today: dt.date) -> dict[str, Any]:
    values = {k: v for k, v in item.items() if k not in {"signed_days", "expires_days", "review"}}
    values["supplier"] = available_suppliers(board).get(name__iexact=item["supplier"])
    values["applications"] = list(
        Application.objects.filter(organisation=board, name__in=item.get("applications", []))
    )
    for field, key in (("signed_on", "signed_days"), ("expires_on", "expires_days")):
        if key in item:
            values[field] = today + dt.timedelta(days=item[key])
    return values


def load_demo_agreements(actor: Actor, board: Organisation, level: Literal["po", "vo"]) -> int:
    """The agreements of ``level`` for ``board``; returns how many were added (0 on a re-run)."""
    today = timezone.localdate()
    made = 0
    for item in demo_data()["boards"][level]:
        if Agreement.objects.filter(organisation=board, title=item["title"]).exists():
            continue
        agreement = services.create_agreement(actor, board, **_agreement_values(item, board, today))
        made += 1
        if review := item.get("review"):
            started = review_services.start_review(actor, agreement)
            if started.base_id is None and review.get("based_on_central"):
                raise ValueError(f"demo: no central review to build on for {agreement}")
            review_services.complete_review(actor, started, review["conclusion"])
    return made
