"""Writing the risk register: validation naming fields, grants, audit entries (links
included), acceptance and its expiry, the acceptance lapsing on a change, adoption of
templates, template curation, matrix labels, and the figures (review, exposure, heat map,
basismaatregel 3, dashboard summary) checked against hand-made values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.registers.models import Application
from schildwacht.risks import services, template_services
from schildwacht.risks.demo import load_demo_risks
from schildwacht.risks.matrix import matrix_for
from schildwacht.risks.models import MatrixLabels, Risk, RiskTemplate
from schildwacht.risks.queries import (
    acceptance_valid,
    exposure_total,
    heat_map_counts,
    needs_review,
    needs_review_q,
    risk_register_figure,
    risk_summary,
    risks_for_user,
    top_risks,
)
from tests.personas import Personas
from tests.test_risks_world import SYSTEM, World, risk_values, world_fixture  # noqa: F401

TODAY = dt.date(2026, 3, 10)


def _as(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


def test_validation_names_every_bad_field(personas: Personas, world: World) -> None:
    tree = personas.tree
    with pytest.raises(ValidationError) as caught:
        services.create_risk(
            SYSTEM,
            tree.board_a,
            title="",
            threat="",
            inherent_likelihood=6,
            inherent_impact=0,
            residual_likelihood=2,
            exposure_min="12,5x",
            applications=[world.application.pk, 999999],
            measures=[999998],
            treatment="negeren",
            colour="rood",
        )
    assert set(caught.value.message_dict) == {"colour"}  # unknown fields first, on their own
    with pytest.raises(ValidationError) as caught:
        services.create_risk(
            SYSTEM,
            tree.board_a,
            title="",
            threat="",
            inherent_likelihood=6,
            inherent_impact=0,
            residual_likelihood=2,
            exposure_min="12,5x",
            exposure_max="1",
            applications=[world.application.pk, 999999],
            measures=[999998],
            treatment="negeren",
        )
    assert set(caught.value.message_dict) == {
        "title",
        "threat",
        "inherent_likelihood",
        "inherent_impact",
        "residual_impact",
        "exposure_min",
        "applications",
        "measures",
        "treatment",
    }
    assert "999999" in caught.value.message_dict["applications"][0]
    with pytest.raises(ValidationError) as caught:
        services.create_risk(
            SYSTEM, tree.board_a, **risk_values(exposure_min="900", exposure_max="100")
        )
    assert set(caught.value.message_dict) == {"exposure_max"}
    # A school links its board's own application and measure, never a sibling school's.
    services.create_risk(
        SYSTEM,
        tree.school_a1,
        **risk_values(applications=[world.application.pk], measures=[world.measure.pk]),
    )
    sibling_app = Application.objects.create(
        organisation=tree.school_a2, name="Leesapp", kind="other"
    )
    with pytest.raises(ValidationError) as caught:
        services.create_risk(SYSTEM, tree.school_a1, **risk_values(applications=[sibling_app.pk]))
    assert set(caught.value.message_dict) == {"applications"}
    with pytest.raises(ValidationError) as caught:
        services.create_risk(SYSTEM, tree.board_b, **risk_values(measures=[world.measure.pk]))
    assert set(caught.value.message_dict) == {"measures"}
    with pytest.raises(ValidationError):
        services.create_risk(SYSTEM, tree.sector, **risk_values())
    assert not Risk.objects.filter(organisation=tree.board_b, title="Risico").exists()


def test_grants(personas: Personas, world: World) -> None:
    tree = personas.tree
    for name in ("board_member_a", "privacy_officer_a", "auditor_a", "school_leader_a"):
        with pytest.raises(services.RiskRefused):
            services.create_risk(_as(personas, name), tree.board_a, **risk_values())
    with pytest.raises(services.RiskRefused):
        services.update_risk(_as(personas, "school_leader_a"), world.sibling_risk, title="x")
    risk = services.create_risk(_as(personas, "school_leader_a"), tree.school_a1, **risk_values())
    assert risk.created_by == personas["school_leader_a"]
    with pytest.raises(services.RiskRefused):
        services.accept_risk(_as(personas, "coordinator_a"), risk, expires_on=timezone.localdate())
    with pytest.raises(services.RiskRefused):
        services.delete_risk(_as(personas, "coordinator_b"), world.board_risk)


def test_audit_entries_with_links(personas: Personas, world: World) -> None:
    actor = _as(personas, "coordinator_a")
    risk = world.board_risk
    created = AuditEntry.objects.get(
        object_type="risks.risk", object_id=str(risk.pk), action="create"
    )
    assert created.payload.changes["applications"] == [None, [world.application.pk]]
    assert created.payload.changes["measures"] == [None, [world.measure.pk]]
    assert created.payload.changes["exposure_min"] == [None, "10000.00"]
    services.update_risk(actor, risk, applications=[], measures=[world.measure.pk], title="R2")
    entry = AuditEntry.objects.filter(object_type="risks.risk", object_id=str(risk.pk)).latest("pk")
    assert entry.action == "update" and entry.actor_user_id == personas["coordinator_a"].pk
    assert entry.organisation_id == personas.tree.board_a.pk
    changes = entry.payload.changes
    assert changes["applications"] == [[world.application.pk], []]
    assert changes["title"] == ["Ransomware", "R2"]
    assert "measures" not in changes
    # Nothing changed: nothing recorded.
    count = AuditEntry.objects.count()
    services.update_risk(actor, risk, title="R2")
    assert AuditEntry.objects.count() == count
    pk = risk.pk
    services.delete_risk(actor, risk)
    deleted = AuditEntry.objects.filter(object_type="risks.risk", object_id=str(pk)).latest("pk")
    assert deleted.action == "delete"
    assert deleted.payload.changes["measures"] == [[world.measure.pk], None]
    assert Application.objects.filter(pk=world.application.pk).exists()


def test_acceptance_and_its_expiry(personas: Personas, world: World) -> None:
    member = _as(personas, "board_member_a")
    risk = world.school_risk
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        services.accept_risk(member, risk, expires_on=today + dt.timedelta(days=30))
    assert set(caught.value.message_dict) == {"treatment"}
    services.update_risk(SYSTEM, risk, treatment="accept", residual_likelihood=2, residual_impact=2)
    for expires, message in (
        (today, "na vandaag"),
        (today + dt.timedelta(days=4 * 366), "drie jaar"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.accept_risk(member, risk, expires_on=expires)
        assert message in caught.value.message_dict["expires_on"][0]
    with pytest.raises(ValueError):
        services.accept_risk(member, risk, expires_on=today, on=today - dt.timedelta(days=9))
    services.accept_risk(member, risk, expires_on=today + dt.timedelta(days=30), note="Bewust")
    risk.refresh_from_db()
    assert risk.accepted_by == personas["board_member_a"]
    assert risk.accepted_by_name == personas["board_member_a"].full_name
    assert risk.acceptance_note == "Bewust"
    entry = AuditEntry.objects.filter(object_type="risks.risk", object_id=str(risk.pk)).latest("pk")
    assert entry.actor_user_id == personas["board_member_a"].pk
    assert (
        entry.payload.changes["acceptance_expires_on"][1]
        == (today + dt.timedelta(days=30)).isoformat()
    )
    # Valid through the expiry day; from the next day it asks for review.
    expiry = today + dt.timedelta(days=30)
    assert acceptance_valid(risk, expiry) and not needs_review(risk, expiry)
    after = expiry + dt.timedelta(days=1)
    assert not acceptance_valid(risk, after) and needs_review(risk, after)
    in_db = risks_for_user(personas["coordinator_a"], personas.tree.board_a)
    assert list(in_db.filter(needs_review_q(after)).values_list("pk", flat=True)) == [risk.pk]
    assert not in_db.filter(needs_review_q(expiry)).exists()
    # A closed risk never asks for review.
    risk.status = "closed"
    assert not needs_review(risk, after)
    risk.status = "open"
    # Withdrawing: board member only; then nothing to withdraw.
    services.withdraw_acceptance(member, risk)
    assert risk.accepted_at is None and risk.acceptance_expires_on is None
    with pytest.raises(ValidationError):
        services.withdraw_acceptance(member, risk)


def test_changing_scores_or_treatment_withdraws_acceptance(
    personas: Personas, world: World
) -> None:
    member = _as(personas, "board_member_a")
    risk = world.board_risk
    services.update_risk(SYSTEM, risk, treatment="reduce")
    services.accept_risk(member, risk, expires_on=timezone.localdate() + dt.timedelta(days=90))
    services.update_risk(SYSTEM, risk, description="Alleen tekst", owner_name="Piet")
    assert risk.is_accepted
    services.update_risk(SYSTEM, risk, residual_likelihood=3, residual_impact=3)
    risk.refresh_from_db()
    assert not risk.is_accepted and risk.accepted_by_name == ""
    entry = AuditEntry.objects.filter(object_type="risks.risk", object_id=str(risk.pk)).latest("pk")
    assert entry.payload.changes["accepted_by"][0] == personas["board_member_a"].pk


def test_review_date_needs_review() -> None:
    risk = Risk(title="x", threat="y", inherent_likelihood=1, inherent_impact=1, review_date=TODAY)
    assert not needs_review(risk, TODAY)
    assert needs_review(risk, TODAY + dt.timedelta(days=1))


def test_exposure_totals_and_heat_map_by_hand(personas: Personas, world: World) -> None:
    tree = personas.tree
    services.create_risk(
        SYSTEM,
        tree.board_a,
        **risk_values(title="Lek", exposure_min="1500.50", exposure_max="2000"),
    )
    services.create_risk(
        SYSTEM,
        tree.board_a,
        **risk_values(title="Oud", exposure_min="99999", exposure_max="99999", status="closed"),
    )
    services.update_risk(SYSTEM, world.school_risk, residual_likelihood=1, residual_impact=2)
    coordinator = personas["coordinator_a"]
    risks = risks_for_user(coordinator, tree.board_a)
    total = exposure_total(risks)
    # Board: 10000 + 1500.50 (min), 80000 + 2000 (max); school A1 only a minimum of 500, which
    # counts at both ends; A2 none; the closed one left out.
    assert total.minimum == Decimal("12000.50")
    assert total.maximum == Decimal("82500.00")
    assert total.risks == 4 and total.without_estimate == 1
    # The school leader of A1 reads the board's and its own school's, not A2's.
    leader_total = exposure_total(risks_for_user(personas["school_leader_a"], tree.board_a))
    assert leader_total.minimum == Decimal("12000.50") and leader_total.risks == 3
    counts = heat_map_counts(risks)
    assert counts.inherent[(4, 5)] == 1
    assert counts.inherent[(3, 3)] == 3  # school A1, A2 and "Lek"; the closed one is left out
    assert counts.inherent_total == 4
    assert counts.residual[(1, 2)] == 1 and counts.residual_total == 1
    assert counts.unassessed == 3
    assert sum(1 for value in counts.inherent.values() if value) == 2


def test_register_figure_and_summary_by_hand(personas: Personas, world: World) -> None:
    tree = personas.tree
    member = _as(personas, "board_member_a")
    today = timezone.localdate()
    # 1 covered: owner, treatment reduce.
    services.update_risk(
        SYSTEM, world.board_risk, owner=personas["coordinator_a"], treatment="reduce"
    )
    # 2 not covered: treatment "accept" without an acceptance.
    services.update_risk(SYSTEM, world.school_risk, owner_name="Jan", treatment="accept")
    # 3 covered: "accept", accepted and valid.
    services.update_risk(SYSTEM, world.sibling_risk, owner_name="Els", treatment="accept")
    services.accept_risk(member, world.sibling_risk, expires_on=today + dt.timedelta(days=10))
    # 4 not covered: reduce, owner, but its acceptance expired.
    expired = services.create_risk(
        SYSTEM,
        tree.board_a,
        **risk_values(title="Verlopen", owner_name="Ans", treatment="transfer"),
    )
    services.accept_risk(
        SYSTEM,
        expired,
        expires_on=today - dt.timedelta(days=1),
        on=today - dt.timedelta(days=100),
    )
    # 5 not covered: no owner.
    services.create_risk(SYSTEM, tree.board_a, **risk_values(title="Wees", treatment="avoid"))
    # Closed: not counted at all.
    services.create_risk(
        SYSTEM, tree.board_a, **risk_values(title="Weg", status="closed", owner_name="X")
    )
    figure = risk_register_figure(personas["coordinator_a"], tree.board_a)
    assert (figure.covered, figure.total) == (2, 5)
    school = risk_register_figure(personas["coordinator_a"], tree.school_a1)
    assert (school.covered, school.total) == (0, 1)
    assert risk_register_figure(personas["coordinator_b"], tree.board_a).total == 0
    services.update_risk(SYSTEM, world.board_risk, residual_likelihood=2, residual_impact=3)
    summary = risk_summary(personas["board_member_a"], tree.board_a)
    # Inherent: 20 (kritiek), four at 9 (midden).
    assert summary.total == 5
    assert summary.inherent == {"laag": 0, "midden": 4, "hoog": 0, "kritiek": 1}
    assert summary.residual == {"laag": 0, "midden": 1, "hoog": 0, "kritiek": 0}
    assert summary.unassessed == 4
    assert summary.accepted == 1
    assert summary.needs_review == 1
    # The school risk gives only a minimum (500), which counts at both ends.
    assert summary.exposure_min == Decimal("10500") and summary.exposure_max == Decimal("80500")
    # Top risks go by the current score: the board's 20 is 6 after measures.
    top = top_risks(personas["board_member_a"], tree.board_a, limit=2)
    assert [risk.title for risk in top] == ["Laptop kwijt", "Rooster weg"]


def test_adoption(personas: Personas, world: World) -> None:
    tree = personas.tree
    coordinator = _as(personas, "coordinator_a")
    phishing = RiskTemplate.objects.get(organisation=tree.sector, code="phishing_account_takeover")
    risks = template_services.adopt_templates(
        coordinator, tree.board_a, [world.ransomware, phishing]
    )
    assert [r.template for r in risks] == [world.ransomware, phishing]
    adopted = risks[0]
    assert adopted.title == world.ransomware.title
    assert (adopted.inherent_likelihood, adopted.inherent_impact) == (3, 5)
    assert adopted.exposure_min == Decimal("20000") and adopted.exposure_max == Decimal("150000")
    assert "offline" in adopted.treatment_notes
    assert "Back-ups" in adopted.processes
    assert AuditEntry.objects.filter(object_type="risks.risk", object_id=str(adopted.pk)).exists()
    # Adjusting the board's risk leaves the template alone.
    services.update_risk(coordinator, adopted, inherent_likelihood=2)
    world.ransomware.refresh_from_db()
    assert world.ransomware.likelihood == 3
    # Adopting again: refused, all or nothing.
    ddos = RiskTemplate.objects.get(organisation=tree.sector, code="ddos")
    count = Risk.objects.count()
    with pytest.raises(ValidationError) as caught:
        template_services.adopt_templates(coordinator, tree.board_a, [ddos, phishing])
    assert "al overgenomen" in caught.value.message_dict["templates"][0]
    assert Risk.objects.count() == count
    # A school adopts for itself; an unavailable template cannot be adopted.
    template_services.adopt_templates(_as(personas, "school_leader_a"), tree.school_a1, [ddos])
    template_services.update_template(SYSTEM, phishing, active=False)
    with pytest.raises(ValidationError):
        template_services.adopt_templates(SYSTEM, tree.board_b, [phishing])
    with pytest.raises(services.RiskRefused):
        template_services.adopt_templates(_as(personas, "board_member_a"), tree.board_a, [ddos])


def test_template_curation(personas: Personas, world: World) -> None:
    curator = _as(personas, "sector_curator")
    sector = personas.tree.sector
    template = template_services.create_template(
        curator,
        sector,
        title="Stroomstoring",
        threat="De stroom valt uit.",
        likelihood=2,
        impact=3,
        exposure_min=100,
        exposure_max=1000,
    )
    assert template.code == "" and template.created_by == personas["sector_curator"]
    with pytest.raises(ValidationError) as caught:
        template_services.update_template(curator, template, likelihood=7, exposure_min=5000)
    assert set(caught.value.message_dict) == {"likelihood", "exposure_max"}
    template.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        template_services.update_template(curator, template, code="ransomware")
    assert set(caught.value.message_dict) == {"code"}
    for name in ("coordinator_a", "board_member_a", "coordinator_b"):
        with pytest.raises(services.RiskRefused):
            template_services.update_template(_as(personas, name), template, title="x")
    with pytest.raises(services.RiskRefused):
        template_services.create_template(_as(personas, "coordinator_a"), sector, title="x")
    with pytest.raises(services.RiskRefused):
        template_services.create_template(curator, personas.tree.board_a, title="x")
    with pytest.raises(ValidationError) as caught:
        template_services.create_template(
            SYSTEM, personas.tree.board_a, title="x", threat="y.", likelihood=1, impact=1
        )
    assert set(caught.value.message_dict) == {"organisation"}
    template_services.adopt_templates(SYSTEM, personas.tree.board_b, [world.ransomware])
    with pytest.raises(ValidationError):
        template_services.delete_template(curator, world.ransomware)
    pk = template.pk
    template_services.delete_template(curator, template)
    assert AuditEntry.objects.filter(
        object_type="risks.risktemplate", object_id=str(pk), action="delete"
    ).exists()


def test_matrix_labels(personas: Personas, world: World) -> None:
    tree = personas.tree
    coordinator = _as(personas, "coordinator_a")
    default = matrix_for(tree.school_a1)
    assert not default.custom and default.likelihood_label(1) == "Zeer onwaarschijnlijk"
    own = ["Nooit", "Zelden", "Soms", "Vaak", "Altijd"]
    with pytest.raises(ValidationError) as caught:
        services.save_matrix_labels(
            coordinator, tree.board_a, likelihood_labels=own[:4], impact_labels=["a"] * 5
        )
    assert set(caught.value.message_dict) == {"likelihood_labels", "impact_labels"}
    with pytest.raises(services.RiskRefused):
        services.save_matrix_labels(
            _as(personas, "school_leader_a"), tree.board_a, likelihood_labels=own, impact_labels=own
        )
    with pytest.raises(ValidationError):
        services.save_matrix_labels(
            coordinator, tree.school_a1, likelihood_labels=own, impact_labels=own
        )
    services.save_matrix_labels(coordinator, tree.board_a, likelihood_labels=own, impact_labels=own)
    # The board's schools use the board's names; board B keeps the default.
    school = matrix_for(tree.school_a1)
    assert school.custom and school.likelihood_label(5) == "Altijd"
    assert school.likelihood[4].description.startswith("Gebeurt vrijwel zeker")
    assert not matrix_for(tree.board_b).custom
    services.reset_matrix_labels(coordinator, tree.board_a)
    assert not MatrixLabels.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="risks.matrixlabels")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "delete"]


def test_demo_loader(personas: Personas) -> None:
    board = personas.tree.board_a
    actor = Actor.system("demo")
    assert load_demo_risks(actor, board) == 8
    assert load_demo_risks(actor, board) == 0
    risks = Risk.objects.filter(organisation=board)
    assert risks.count() == 8 and all(r.template_id for r in risks)
    assert risks.exclude(treatment="").count() == 5
    accepted = risks.get(template__code="invoice_fraud")
    assert accepted.is_accepted and needs_review(accepted)
    summary = risk_summary(personas["board_member_a"], board)
    assert summary.needs_review == 1 and summary.accepted == 0
