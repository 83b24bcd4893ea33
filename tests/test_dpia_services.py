"""DPIA services: the pre-scan rule and its record, the four parts, risks and the art. 36
outcome, the FG's advice (only the FG), the decision (after advice or with a note), locking and
new versions, plan measures, sector DPIAs and adopting them, and the audit trail of each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.demo import ensure_demo_dpias
from schildwacht.dpia.models import Advice, Dpia, DpiaStatus, PreScan
from schildwacht.dpia.prescan import Outcome, UnknownCodes, evaluate, outcome_reason
from schildwacht.dpia.queries import (
    DpiaState,
    application_overview,
    dpia_coverage,
    latest_prescan_for_application,
    prescan_coverage,
)
from schildwacht.organisations.models import Organisation
from schildwacht.planning.models import Measure
from schildwacht.registers.models import Application, ProcessingActivity
from tests.personas import Personas

SYSTEM = Actor.system("tests")


def actor(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


def make_application(organisation: Organisation, name: str, **values: Any) -> Application:
    values.setdefault("kind", "sis")
    return Application.objects.create(organisation=organisation, name=name, **values)


def make_dpia(
    organisation: Organisation, title: str = "DPIA leerlingvolgsysteem", **values: Any
) -> Dpia:
    return services.create_dpia(SYSTEM, organisation, title=title, **values)


def decide(dpia: Dpia, **values: Any) -> Dpia:
    values.setdefault("decision", "proceed")
    values.setdefault("reasoning", "Risico's zijn aanvaardbaar.")
    values.setdefault("decided_by_name", "College van bestuur")
    values.setdefault("decided_on", timezone.localdate())
    values.setdefault("no_advice_note", "Test zonder advies.")
    return services.record_decision(SYSTEM, dpia, **values)


def entries(object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("pk"))


# The pre-scan rule, against hand-made cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("ap_items", "criteria", "required"),
    [
        (["cameratoezicht"], [], True),  # one AP item is enough
        ([], ["evaluatie_scoring"], False),  # one criterion is not
        ([], ["evaluatie_scoring", "stelselmatige_monitoring"], True),  # two criteria are
        ([], ["kwetsbare_betrokkenen", "grote_schaal"], True),  # children + large scale
        ([], [], False),
        (["gezondheidsgegevens"], ["grote_schaal"], True),
    ],
)
def test_prescan_rule(ap_items: list[str], criteria: list[str], required: bool) -> None:
    assert evaluate(ap_items, criteria).required is required


def test_prescan_reason_in_plain_dutch() -> None:
    assert outcome_reason(evaluate(["cameratoezicht"], [])).startswith(
        "Een DPIA is verplicht omdat de verwerking voorkomt op de lijst van de Autoriteit "
        "Persoonsgegevens: cameratoezicht."
    )
    two = outcome_reason(evaluate([], ["grote_schaal", "kwetsbare_betrokkenen"]))
    assert two.startswith("Een DPIA is verplicht omdat 2 Europese criteria van toepassing zijn: ")
    assert "verwerking op grote schaal en gegevens over kwetsbare betrokkenen" in two
    one = outcome_reason(evaluate([], ["nieuwe_technologie"]))
    assert one.startswith("Een DPIA is niet verplicht") and "maar één Europees criterium" in one
    assert "geen van de Europese criteria" in outcome_reason(Outcome((), ()))
    with pytest.raises(UnknownCodes) as raised:
        evaluate(["onbekend"], ["ook_onbekend", "grote_schaal"])
    assert raised.value.unknown == {"ap_items": ["onbekend"], "criteria": ["ook_onbekend"]}


# Pre-scans ---------------------------------------------------------------------------------------


def test_prescan_is_stored_audited_and_redone_with_history(personas: Personas) -> None:
    app = make_application(personas.tree.board_a, "Leerlingvolgsysteem", pupil_data=True)
    officer = actor(personas, "privacy_officer_a")
    first = services.create_prescan(
        officer,
        application=app,
        criteria=["grote_schaal"],
        reasoning="Alleen grote schaal is van toepassing.",
    )
    assert first.required is False and first.organisation == personas.tree.board_a
    assert first.created_by == personas["privacy_officer_a"]
    second = services.create_prescan(
        officer,
        application=app,
        criteria=["kwetsbare_betrokkenen", "grote_schaal"],
        reasons={
            "kwetsbare_betrokkenen": "Leerlingen zijn kinderen.",
            "grote_schaal": "Alle scholen.",
        },
    )
    # Stored in reference order, required, history kept.
    assert second.criteria == ["grote_schaal", "kwetsbare_betrokkenen"] and second.required
    assert PreScan.objects.filter(application=app).count() == 2
    assert latest_prescan_for_application(personas["fg_a"], app) == second
    assert latest_prescan_for_application(personas["coordinator_b"], app) is None
    audit = entries("dpia.prescan")
    assert [e.action for e in audit] == ["create", "create"]
    assert audit[1].actor_user == personas["privacy_officer_a"]
    assert audit[1].organisation_id == personas.tree.board_a.pk


def test_prescan_validation_names_fields_and_writes_nothing(personas: Personas) -> None:
    app = make_application(personas.tree.board_a, "Cameraportaal")
    officer = actor(personas, "privacy_officer_a")
    with pytest.raises(ValidationError) as raised:
        services.create_prescan(
            officer,
            application=app,
            ap_items=["cameratoezicht", "onbekend"],
            criteria=["xx"],
            reasons={"grote_schaal": "niet aangevinkt"},
        )
    errors = raised.value.message_dict
    assert set(errors) == {"ap_items", "criteria", "reasons", "reasoning"}
    assert "onbekend" in errors["ap_items"][0] and "xx" in errors["criteria"][0]
    # Nothing ticked still needs a reasoning.
    with pytest.raises(ValidationError) as raised:
        services.create_prescan(officer, application=app)
    assert set(raised.value.message_dict) == {"reasoning"}
    # A ticked item without its own reasoning and no overall reasoning is refused too.
    with pytest.raises(ValidationError):
        services.create_prescan(
            officer,
            application=app,
            ap_items=["cameratoezicht"],
            criteria=["grote_schaal"],
            reasons={"cameratoezicht": "Camera's bij de ingang."},
        )
    with pytest.raises(ValidationError) as raised:
        services.create_prescan(officer, reasoning="x")
    assert "application" in raised.value.message_dict
    assert not PreScan.objects.exists() and not entries("dpia.prescan")


def test_prescan_permissions(personas: Personas) -> None:
    tree = personas.tree
    board_app = make_application(tree.board_a, "Salarisadministratie", kind="finance_hr")
    school_app = make_application(tree.school_a1, "Leesapp De Eik", kind="learning_app")
    values = {"reasoning": "Geen criteria van toepassing."}
    for name in ("fg_a", "auditor_a", "board_member_a", "school_leader_a", "coordinator_b"):
        with pytest.raises(services.DpiaRefused):
            services.create_prescan(actor(personas, name), application=board_app, **values)
    # The school leader does its own school's; the coordinator anything of the board.
    assert (
        services.create_prescan(
            actor(personas, "school_leader_a"), application=school_app, **values
        ).organisation
        == tree.school_a1
    )
    activity = ProcessingActivity.objects.create(
        organisation=tree.board_a, name="Leerlingenzorg", purposes="Zorg"
    )
    prescan = services.create_prescan(
        actor(personas, "coordinator_a"),
        processing_activity=activity,
        ap_items=["gezondheidsgegevens"],
        **values,
    )
    assert prescan.required and prescan.application is None


def test_application_overview_and_coverage(personas: Personas) -> None:
    tree = personas.tree
    apps = {
        name: make_application(tree.board_a, name)
        for name in ("Geen scan", "Niet verplicht", "Ontbreekt", "Bezig", "Klaar")
    }
    make_application(tree.board_a, "Zonder persoonsgegevens", personal_data=False)
    make_application(tree.board_b, "Van bestuur B")
    for name, criteria in (
        ("Niet verplicht", ["grote_schaal"]),
        ("Ontbreekt", ["grote_schaal", "kwetsbare_betrokkenen"]),
        ("Bezig", ["grote_schaal", "kwetsbare_betrokkenen"]),
        ("Klaar", ["grote_schaal", "kwetsbare_betrokkenen"]),
    ):
        services.create_prescan(SYSTEM, application=apps[name], criteria=criteria, reasoning="x")
    make_dpia(tree.board_a, "Bezig", applications=[apps["Bezig"]])
    decide(make_dpia(tree.board_a, "Klaar", applications=[apps["Klaar"]]))
    # A redo that says "not required" wins over the older "required" pre-scan.
    services.create_prescan(SYSTEM, application=apps["Niet verplicht"], reasoning="opnieuw")
    states = {
        app.name: app.dpia_state
        for app in application_overview(personas["auditor_a"], tree.board_a)
    }
    assert states == {
        "Geen scan": DpiaState.NO_PRESCAN,
        "Niet verplicht": DpiaState.NOT_REQUIRED,
        "Ontbreekt": DpiaState.MISSING,
        "Bezig": DpiaState.IN_PROGRESS,
        "Klaar": DpiaState.DONE,
        "Zonder persoonsgegevens": DpiaState.NO_PRESCAN,
    }
    coverage = dpia_coverage(personas["privacy_officer_a"], tree.board_a)
    assert (coverage.covered, coverage.total, coverage.percent) == (1, 3, 33)
    scanned = prescan_coverage(personas["privacy_officer_a"], tree.board_a)
    assert (scanned.covered, scanned.total) == (4, 5)


# DPIAs -------------------------------------------------------------------------------------------


def test_parts_are_validated_and_audited_with_links(personas: Personas) -> None:
    tree = personas.tree
    app = make_application(tree.board_a, "Leerlingvolgsysteem")
    other = make_application(tree.board_b, "Van bestuur B")
    officer = actor(personas, "privacy_officer_a")
    dpia = services.create_dpia(officer, tree.board_a, title="DPIA LVS", applications=[app])
    with pytest.raises(ValidationError) as raised:
        services.update_dpia(officer, dpia, applications=[other.pk], legal_basis="magie")
    assert set(raised.value.message_dict) == {"applications", "legal_basis"}
    services.update_dpia(
        officer, dpia, nature="Registratie van vorderingen", legal_basis="public_task"
    )
    dpia.refresh_from_db()
    assert dpia.legal_basis == "public_task" and list(dpia.applications.all()) == [app]
    audit = entries("dpia.dpia")
    assert audit[0].action == "create"
    assert [e.action for e in audit] == ["create", "update"]
    for name in ("fg_a", "auditor_a", "board_member_a", "school_leader_a"):
        with pytest.raises(services.DpiaRefused):
            services.update_dpia(actor(personas, name), dpia, nature="x")


def test_risks_scores_and_prior_consultation(personas: Personas) -> None:
    dpia = make_dpia(personas.tree.board_a)
    officer = actor(personas, "privacy_officer_a")
    low = services.add_risk(officer, dpia, title="Onbevoegde inzage", likelihood=2, impact=2)
    assert (low.inherent_score, low.residual_score, low.inherent_level.code) == (4, None, "midden")
    dpia.refresh_from_db()
    assert dpia.prior_consultation is False
    # High inherent risk without residual score: a high risk remains.
    high = services.add_risk(officer, dpia, title="Profilering", likelihood=3, impact=4)
    dpia.refresh_from_db()
    assert high.inherent_score == 12 and dpia.prior_consultation is True
    # Measures bring it down to 2 × 3 = 6 (midden): no prior consultation any more.
    services.update_risk(officer, high, residual_likelihood=2, residual_impact=3)
    dpia.refresh_from_db()
    assert high.residual_score == 6 and dpia.prior_consultation is False
    # 2 × 4 = 8 is high again.
    services.update_risk(officer, high, residual_impact=4)
    dpia.refresh_from_db()
    assert dpia.prior_consultation is True
    with pytest.raises(ValidationError) as raised:
        services.add_risk(officer, dpia, title="x", likelihood=5, impact=0, residual_likelihood=2)
    assert set(raised.value.message_dict) == {"likelihood", "impact", "residual_impact"}
    services.delete_risk(officer, high)
    dpia.refresh_from_db()
    assert dpia.prior_consultation is False
    changes = [e for e in entries("dpia.dpia") if e.action == "update"]
    assert len(changes) == 4  # the outcome flipped four times, each audited


def test_fg_writes_only_the_advice(personas: Personas) -> None:
    dpia = make_dpia(personas.tree.board_a)
    fg = actor(personas, "fg_a")
    for name in ("privacy_officer_a", "coordinator_a", "board_member_a", "auditor_a"):
        with pytest.raises(services.DpiaRefused):
            services.record_advice(actor(personas, name), dpia, text="Advies")
    with pytest.raises(services.DpiaRefused):
        services.add_risk(fg, dpia, title="x", likelihood=1, impact=1)
    with pytest.raises(services.DpiaRefused):
        services.record_decision(
            fg,
            dpia,
            decision="proceed",
            reasoning="x",
            decided_by_name="x",
            decided_on=timezone.localdate(),
        )
    with pytest.raises(ValidationError) as raised:
        services.record_advice(
            fg, dpia, text=" ", advised_on=timezone.localdate() + dt.timedelta(1)
        )
    assert set(raised.value.message_dict) == {"text", "advised_on"}
    advice = services.record_advice(fg, dpia, text="Neem aanvullende maatregelen.")
    assert advice.advised_by == personas["fg_a"] and advice.advised_by_name == "fg_a"
    services.record_advice(fg, dpia, text="Neem aanvullende maatregelen. Herzien.")
    assert Advice.objects.get().text.endswith("Herzien.")
    assert [e.action for e in entries("dpia.advice")] == ["create", "update"]


def test_decision_needs_advice_or_note_and_locks(personas: Personas) -> None:
    dpia = make_dpia(personas.tree.board_a)
    officer = actor(personas, "privacy_officer_a")
    risk = services.add_risk(officer, dpia, title="Lek", likelihood=3, impact=3)
    services.submit_for_advice(officer, dpia)
    assert dpia.status == DpiaStatus.ADVICE
    values = {
        "decision": "proceed_with_measures",
        "reasoning": "Met versleuteling.",
        "decided_by_name": "College van bestuur",
        "decided_on": timezone.localdate(),
    }
    with pytest.raises(ValidationError) as raised:
        services.record_decision(officer, dpia, **values)
    assert set(raised.value.message_dict) == {"no_advice_note"}
    with pytest.raises(ValidationError) as raised:
        services.record_decision(officer, dpia, **{**values, "decision": "x", "reasoning": ""})
    assert {"decision", "decision_reasoning"} <= set(raised.value.message_dict)
    services.record_advice(actor(personas, "fg_a"), dpia, text="Akkoord met maatregelen.")
    services.record_decision(officer, dpia, **values)
    dpia.refresh_from_db()
    assert dpia.status == DpiaStatus.DECIDED and dpia.locked
    assert dpia.prior_consultation is True  # 3 × 3 = 9 remains high
    assert dpia.decision_recorded_by == personas["privacy_officer_a"]
    # Locked: nothing changes any more, the advice neither.
    for attempt in (
        lambda: services.update_dpia(officer, dpia, nature="x"),
        lambda: services.add_risk(officer, dpia, title="x", likelihood=1, impact=1),
        lambda: services.update_risk(officer, risk, residual_likelihood=1, residual_impact=1),
        lambda: services.record_advice(actor(personas, "fg_a"), dpia, text="Nog iets"),
        lambda: services.record_decision(officer, dpia, **values),
        lambda: services.delete_dpia(officer, dpia),
    ):
        with pytest.raises(services.DpiaRefused):
            attempt()
    # A change means a new version: a concept copy with the risks, the old one untouched.
    copy = services.new_version(officer, dpia)
    assert (copy.version, copy.status, copy.previous_id) == (2, "concept", dpia.pk)
    assert [r.title for r in copy.risks.all()] == ["Lek"] and copy.prior_consultation
    assert not Advice.objects.filter(dpia=copy).exists() and copy.decision == ""
    with pytest.raises(services.DpiaRefused):
        services.new_version(officer, dpia)


def test_measures_and_the_plan(personas: Personas) -> None:
    tree = personas.tree
    dpia = make_dpia(tree.board_a)
    officer = actor(personas, "privacy_officer_a")
    coordinator = actor(personas, "coordinator_a")
    risk = services.add_risk(officer, dpia, title="Lek", likelihood=3, impact=3)
    measure = services.add_measure(officer, dpia, description="Versleutel de export", risks=[risk])
    assert list(measure.risks.all()) == [risk]
    # The privacy officer may not add to the plan (the plan's own rule); the coordinator may.
    with pytest.raises(services.DpiaRefused, match="IBP-coördinator"):
        services.create_plan_measure(officer, measure)
    assert not Measure.objects.exists()
    plan = services.create_plan_measure(coordinator, measure, due_date=dt.date(2027, 1, 1))
    measure.refresh_from_db()
    assert measure.plan_measure == plan and plan.organisation == tree.board_a
    assert plan.title == "Versleutel de export" and "DPIA leerlingvolgsysteem" in plan.description
    # Linking an existing plan measure: same organisation only.
    other = Measure.objects.create(organisation=tree.school_a1, title="Andere school")
    with pytest.raises(ValidationError) as raised:
        services.add_measure(officer, dpia, description="Koppel", plan_measure=other.pk)
    assert set(raised.value.message_dict) == {"plan_measure"}
    linked = services.add_measure(officer, dpia, description="Koppel", plan_measure=plan.pk)
    assert linked.plan_measure == plan
    audit = entries("dpia.dpiameasure")
    assert [e.action for e in audit] == ["create", "update", "create"]
    assert audit[0].payload.changes["risks"] == [None, [risk.pk]]


# Sector DPIAs ------------------------------------------------------------------------------------


def test_sector_dpia_is_written_by_the_curator_and_adopted_by_a_board(personas: Personas) -> None:
    tree = personas.tree
    curator = actor(personas, "sector_curator")
    for name in ("coordinator_a", "privacy_officer_a", "sector_analyst"):
        with pytest.raises(services.DpiaRefused):
            services.create_dpia(actor(personas, name), tree.sector, title="x")
    sector_dpia = services.create_dpia(
        curator, tree.sector, title="Sector-DPIA Parnassys", subject_name="ParnasSys"
    )
    services.update_dpia(curator, sector_dpia, nature="Leerlingadministratie", purposes="Onderwijs")
    risk = services.add_risk(curator, sector_dpia, title="Te ruime toegang", likelihood=3, impact=3)
    services.add_measure(curator, sector_dpia, description="Rollen per school", risks=[risk])
    # Board users do not see it, nor adopt it, before it is published.
    assert not Dpia.objects.for_user(personas["privacy_officer_a"]).filter(pk=sector_dpia.pk)
    with pytest.raises(services.DpiaRefused):
        services.adopt_sector_dpia(actor(personas, "privacy_officer_a"), sector_dpia, tree.board_a)
    with pytest.raises(services.DpiaRefused):
        services.record_decision(
            curator,
            sector_dpia,
            decision="proceed",
            reasoning="x",
            decided_by_name="x",
            decided_on=timezone.localdate(),
        )
    services.publish_sector_dpia(curator, sector_dpia)
    assert sector_dpia.status == DpiaStatus.PUBLISHED and sector_dpia.published_at
    with pytest.raises(services.DpiaRefused):
        services.update_dpia(curator, sector_dpia, nature="x")
    for name in ("privacy_officer_a", "fg_a", "auditor_a", "school_leader_a", "coordinator_b"):
        assert Dpia.objects.for_user(personas[name]).filter(pk=sector_dpia.pk).exists(), name
    for name in ("staff_a", "sector_analyst"):
        assert not Dpia.objects.for_user(personas[name]).filter(pk=sector_dpia.pk).exists(), name
    with pytest.raises(services.DpiaRefused):
        services.adopt_sector_dpia(actor(personas, "fg_a"), sector_dpia, tree.board_a)
    with pytest.raises(services.DpiaRefused):
        services.adopt_sector_dpia(actor(personas, "coordinator_b"), sector_dpia, tree.board_a)
    board_dpia = services.adopt_sector_dpia(
        actor(personas, "privacy_officer_a"), sector_dpia, tree.board_a
    )
    assert board_dpia.sector_dpia == sector_dpia and board_dpia.status == "concept"
    copied = board_dpia.risks.get()
    assert copied.from_sector == risk and copied.inherent_score == 9
    assert board_dpia.prior_consultation is True
    assert list(board_dpia.measures.get().risks.all()) == [copied]
    # The board adds its own context; the sector's text stays the sector's.
    services.update_dpia(actor(personas, "privacy_officer_a"), board_dpia, context="Zes scholen")
    sector_dpia.refresh_from_db()
    assert sector_dpia.context == "" and board_dpia.nature == ""
    # The curator never reaches the board's DPIA.
    assert not Dpia.objects.for_user(personas["sector_curator"]).filter(pk=board_dpia.pk)
    with pytest.raises(services.DpiaRefused):
        services.update_dpia(curator, board_dpia, nature="x")
    assert entries("dpia.dpia")[-1].organisation_id == tree.board_a.pk


def test_delete_concept_with_rows_is_audited(personas: Personas) -> None:
    dpia = make_dpia(personas.tree.board_a)
    officer = actor(personas, "privacy_officer_a")
    risk = services.add_risk(officer, dpia, title="Lek", likelihood=1, impact=1)
    measure = services.add_measure(officer, dpia, description="Maatregel", risks=[risk])
    services.delete_dpia(officer, dpia)
    assert not Dpia.objects.exists()
    deleted = {
        e.object_type: e.payload.changes
        for e in AuditEntry.objects.filter(action="delete").select_related("payload")
    }
    assert set(deleted) == {"dpia.dpia", "dpia.dpiarisk", "dpia.dpiameasure"}
    # The measure's link to the risk goes with it, and the entry keeps it.
    assert deleted["dpia.dpiameasure"]["risks"] == [[risk.pk], None]
    assert deleted["dpia.dpiameasure"]["description"] == [measure.description, None]


def test_a_concept_with_the_fgs_advice_is_not_deleted(personas: Personas) -> None:
    dpia = make_dpia(personas.tree.board_a)
    services.record_advice(actor(personas, "fg_a"), dpia, text="Advies")
    before = AuditEntry.objects.count()
    with pytest.raises(services.DpiaRefused, match="advies blijft bewaard"):
        services.delete_dpia(actor(personas, "privacy_officer_a"), dpia)
    assert Dpia.objects.filter(pk=dpia.pk).exists() and Advice.objects.filter(dpia=dpia).exists()
    assert AuditEntry.objects.count() == before


def test_demo_hook_is_idempotent(personas: Personas) -> None:
    tree = personas.tree
    done = make_application(tree.board_a, "Leerlingadministratie")
    missing = make_application(tree.board_a, "Ouderapp", kind="communication")
    dpia = ensure_demo_dpias(SYSTEM, done, missing)
    assert dpia.status == DpiaStatus.DECIDED and dpia.prior_consultation is False
    assert ensure_demo_dpias(SYSTEM, done, missing) == dpia
    assert Dpia.objects.count() == 1 and PreScan.objects.count() == 2
    states = {
        a.name: a.dpia_state for a in application_overview(personas["auditor_a"], tree.board_a)
    }
    assert states == {"Leerlingadministratie": DpiaState.DONE, "Ouderapp": DpiaState.MISSING}
