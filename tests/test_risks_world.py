"""The risks test world, shared by the ``test_risks_*`` files (fixture ``world``), and a check
of it.

The sector has the shipped templates. Board A has "Ransomware" (its own, with an application
and a plan measure linked), school A1 "Laptop kwijt", school A2 "Rooster weg"; board B
"Bèta-lek". Nothing is accepted yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from schildwacht.audit.services import Actor
from schildwacht.planning.models import Measure
from schildwacht.planning.services import create_measure
from schildwacht.registers.models import Application
from schildwacht.risks import services
from schildwacht.risks.models import Risk, RiskTemplate
from schildwacht.risks.template_services import load_risk_templates
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
NONE = dict.fromkeys(PERSONAS, 404)
# Who reads board A's risks (area "all"): not the FG (privacy only), staff or the sector roles.
READS_A = {
    **NONE,
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "school_leader_a": 200,
    "auditor_a": 200,
}
# Changing board A's own risks: the IBP coordinator; other readers are refused with a reason.
CHANGES_A = {name: 403 if status == 200 else status for name, status in READS_A.items()}
CHANGES_A["coordinator_a"] = 200
# School A1's risks: its school leader changes them too.
CHANGES_A1 = {**CHANGES_A, "school_leader_a": 200}
# Accepting: the board member only.
ACCEPTS_A = {**CHANGES_A, "coordinator_a": 403, "board_member_a": 200}
# Pages of the active organisation: board B's coordinator gets their own board's page.
OWN_BOARD = {**READS_A, "coordinator_b": 200}


def risk_values(**values: Any) -> dict[str, Any]:
    base = {
        "title": "Risico",
        "threat": "Er kan iets misgaan.",
        "inherent_likelihood": 3,
        "inherent_impact": 3,
    }
    return {**base, **values}


@dataclass
class World:
    board_risk: Risk
    school_risk: Risk
    sibling_risk: Risk
    board_b_risk: Risk
    application: Application
    measure: Measure
    ransomware: RiskTemplate


def build_world(personas: Personas) -> World:
    tree = personas.tree
    load_risk_templates(SYSTEM, tree.sector)
    application = Application.objects.create(
        organisation=tree.board_a, name="ParnasSys", kind="other"
    )
    measure = create_measure(SYSTEM, tree.board_a, title="Offline back-up")
    board_risk = services.create_risk(
        SYSTEM,
        tree.board_a,
        **risk_values(
            title="Ransomware",
            inherent_likelihood=4,
            inherent_impact=5,
            applications=[application.pk],
            measures=[measure.pk],
            exposure_min="10000",
            exposure_max="80000",
        ),
    )
    return World(
        board_risk=board_risk,
        school_risk=services.create_risk(
            SYSTEM, tree.school_a1, **risk_values(title="Laptop kwijt", exposure_min=500)
        ),
        sibling_risk=services.create_risk(
            SYSTEM, tree.school_a2, **risk_values(title="Rooster weg")
        ),
        board_b_risk=services.create_risk(SYSTEM, tree.board_b, **risk_values(title="Bèta-lek")),
        application=application,
        measure=measure,
        ransomware=RiskTemplate.objects.get(organisation=tree.sector, code="ransomware"),
    )


@pytest.fixture(name="world")
def world_fixture(personas: Personas) -> World:
    return build_world(personas)


def test_world(world: World) -> None:
    assert world.board_risk.inherent_score == 20
    assert sorted(world.board_risk.applications.values_list("name", flat=True)) == ["ParnasSys"]
    assert list(world.board_risk.measures.values_list("title", flat=True)) == ["Offline back-up"]
    assert RiskTemplate.objects.count() >= 7
