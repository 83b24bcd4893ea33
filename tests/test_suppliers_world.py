"""The suppliers test world, shared by the ``test_suppliers_*`` files, and a check of it.

Other files import the fixtures ``world_fixture`` and ``media_fixture`` (named ``world`` and
``media``).

Sector catalogue: "Leerling BV" (shared). Board A's own supplier "Lokale ICT"; board B's own
"Bèta Software". Applications: board A "ParnasSys" (personal data) and "Website" (none);
school A1 "Rekenapp"; school A2 "Leesapp"; board B "Magister". Agreements: board A's signed
agreement for ParnasSys, school A1's draft for Rekenapp, school A2's signed one for Leesapp,
board B's signed one for Magister.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import Application
from schildwacht.suppliers import services
from schildwacht.suppliers.models import Agreement, Supplier
from tests.personas import Personas

SYSTEM = Actor.system("tests")
PERSONAS = (
    "coordinator_a",
    "board_member_a",
    "privacy_officer_a",
    "fg_a",
    "school_leader_a",
    "staff_a",
    "auditor_a",
    "coordinator_b",
    "sector_analyst",
    "sector_curator",
)


def application(organisation: Organisation, name: str, **values: Any) -> Application:
    values.setdefault("kind", "other")
    return Application.objects.create(organisation=organisation, name=name, **values)


@dataclass
class World:
    shared: Supplier
    own_a: Supplier
    own_b: Supplier
    parnassys: Application
    website: Application
    rekenapp: Application
    leesapp: Application
    magister: Application
    board_agreement: Agreement
    school_agreement: Agreement
    sibling_agreement: Agreement
    board_b_agreement: Agreement


def build_world(personas: Personas) -> World:
    tree = personas.tree
    shared = services.create_supplier(
        SYSTEM,
        tree.sector,
        name="Leerling BV",
        kvk_number="12345678",
        convenant_status="participant",
        certifications=["ISO 27001"],
    )
    own_a = services.create_supplier(SYSTEM, tree.board_a, name="Lokale ICT")
    own_b = services.create_supplier(SYSTEM, tree.board_b, name="Bèta Software")
    parnassys = application(tree.board_a, "ParnasSys", supplier=shared)
    website = application(tree.board_a, "Website", personal_data=False)
    rekenapp = application(tree.school_a1, "Rekenapp")
    leesapp = application(tree.school_a2, "Leesapp")
    magister = application(tree.board_b, "Magister")
    signed = {"status": "signed", "signed_on": dt.date(2024, 1, 1), "model": "model_4"}
    return World(
        shared=shared,
        own_a=own_a,
        own_b=own_b,
        parnassys=parnassys,
        website=website,
        rekenapp=rekenapp,
        leesapp=leesapp,
        magister=magister,
        board_agreement=services.create_agreement(
            SYSTEM,
            tree.board_a,
            supplier=shared,
            title="VWO Leerling BV",
            applications=[parnassys],
            breach_notification_hours=48,
            **signed,
        ),
        school_agreement=services.create_agreement(
            SYSTEM,
            tree.school_a1,
            supplier=own_a,
            title="VWO Rekenapp",
            model="supplier",
            applications=[rekenapp],
        ),
        sibling_agreement=services.create_agreement(
            SYSTEM,
            tree.school_a2,
            supplier=shared,
            title="VWO Leesapp",
            applications=[leesapp],
            **signed,
        ),
        board_b_agreement=services.create_agreement(
            SYSTEM,
            tree.board_b,
            supplier=own_b,
            title="VWO Magister",
            applications=[magister],
            **signed,
        ),
    )


@pytest.fixture(name="world")
def world_fixture(personas: Personas) -> World:
    return build_world(personas)


@pytest.fixture(name="media")
def media_fixture(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_world_is_as_described(world: World) -> None:
    assert world.shared.organisation.kind == "sector"
    assert list(world.board_agreement.applications.all()) == [world.parnassys]
    assert world.school_agreement.status == "draft"
    assert Agreement.objects.count() == 4
    assert timezone.localdate() > dt.date(2024, 1, 1)
