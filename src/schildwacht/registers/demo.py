"""The demo landscape of the registers, from ``data/demo.yaml`` (idempotent).

``load_demo_registers`` gives a demo board its applications (used by all its schools) and its
processing activities, through the same services as the pages, so everything is audited. An
application or activity whose name the board already has is left as it is.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.registers import services
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.suppliers.queries import available_suppliers

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


@cache
def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return data


def _application_values(item: dict[str, Any], board: Organisation) -> dict[str, Any]:
    values = dict(item)
    values["availability"], values["integrity"], values["confidentiality"] = values.pop(
        "classification"
    )
    name = values.pop("supplier", "")
    values["supplier"] = available_suppliers(board).filter(name__iexact=name).first()
    values["schools"] = list(board.children.filter(kind=OrganisationKind.SCHOOL))
    return values


def load_demo_registers(
    actor: Actor, board: Organisation, level: Literal["po", "vo"]
) -> tuple[int, int]:
    """Add the demo applications and activities of ``level`` to ``board``; returns how many of
    each were added (0, 0 on a second run)."""
    landscape = demo_data()[level]
    made_apps = made_activities = 0
    for item in landscape["applications"]:
        if Application.objects.filter(organisation=board, name__iexact=item["name"]).exists():
            continue
        services.create_application(actor, board, **_application_values(item, board))
        made_apps += 1
    for item in landscape["activities"]:
        if ProcessingActivity.objects.filter(
            organisation=board, name__iexact=item["name"]
        ).exists():
            continue
        values = dict(item)
        values["applications"] = list(
            Application.objects.filter(organisation=board, name__in=values["applications"])
        )
        values.setdefault("controller", board.name)
        services.create_processing_activity(actor, board, **values)
        made_activities += 1
    return made_apps, made_activities
