"""Writing the registers: validation naming each field, who may write, the audit trail of
every create, update and delete (links included)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.dpia import services as dpia_services
from schildwacht.registers import services
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.suppliers.models import Agreement
from tests.personas import Personas
from tests.registers_data import SYSTEM, complete_values, make_application, make_suppliers


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_create_update_delete_are_audited_with_links(personas: Personas) -> None:
    tree = personas.tree
    suppliers = make_suppliers(tree)
    actor = Actor.for_user(personas["privacy_officer_a"])
    application = services.create_application(
        actor,
        tree.board_a,
        **complete_values(supplier=suppliers["sector"], schools=[tree.school_a1]),
    )
    assert application.created_by == personas["privacy_officer_a"]
    assert list(application.schools.all()) == [tree.school_a1]
    created = AuditEntry.objects.get(object_type="registers.application", action="create")
    assert created.organisation_id == tree.board_a.pk
    assert created.payload.changes["schools"] == [None, [tree.school_a1.pk]]
    assert created.payload.changes["data_categories"] == [None, ["contact", "results"]]

    services.update_application(actor, application, schools=[tree.school_a1, tree.school_a2])
    update = AuditEntry.objects.filter(action="update").latest("pk")
    assert update.payload.changes == {
        "schools": [[tree.school_a1.pk], [tree.school_a1.pk, tree.school_a2.pk]]
    }
    # Saving the same values again writes nothing.
    count = AuditEntry.objects.count()
    services.update_application(
        actor, application, name="ParnasSys", schools=[tree.school_a2.pk, tree.school_a1.pk]
    )
    assert AuditEntry.objects.count() == count

    activity = services.create_processing_activity(
        actor,
        tree.board_a,
        name="Leerlingadministratie",
        purposes="Onderwijs geven",
        applications=[application],
    )
    services.delete_application(actor, application)
    deleted = AuditEntry.objects.filter(action="delete").latest("pk")
    assert deleted.payload.changes["processing_activities"] == [[activity.pk], None]
    assert deleted.payload.changes["name"] == ["ParnasSys", None]
    assert not Application.objects.exists()
    assert activity.applications.count() == 0


def test_unknown_codes_and_bad_values_name_each_field(personas: Personas) -> None:
    tree = personas.tree
    with pytest.raises(ValidationError) as excinfo:
        services.create_application(
            SYSTEM,
            tree.board_a,
            name="",
            kind="spaceship",
            data_categories=["contact", "shoe_size"],
            special_categories=["health", "zodiac"],
            hosting_country="Nederland",
            people_count=-3,
            colour="blue",
        )
    errors = _errors(excinfo)
    assert set(errors) == {
        "name",
        "kind",
        "data_categories",
        "special_categories",
        "hosting_country",
        "people_count",
        "colour",
    }
    assert "shoe_size" in errors["data_categories"][0]
    assert "zodiac" in errors["special_categories"][0]
    assert (
        not Application.objects.exists()
        and not AuditEntry.objects.filter(object_type="registers.application").exists()
    )


def test_no_personal_data_means_no_categories(personas: Personas) -> None:
    with pytest.raises(ValidationError) as excinfo:
        make_application(personas.tree.board_a, personal_data=False, pupil_data=True)
    assert set(_errors(excinfo)) == {"data_categories", "pupil_data"}
    application = make_application(personas.tree.board_a, personal_data=False, data_categories=[])
    assert application.data_categories == []


def test_supplier_must_be_available_to_the_board(personas: Personas) -> None:
    tree = personas.tree
    suppliers = make_suppliers(tree)
    own = make_application(tree.school_a1, supplier=suppliers["board_a"].pk)
    assert own.supplier == suppliers["board_a"]
    with pytest.raises(ValidationError) as excinfo:
        make_application(tree.board_a, name="X", supplier=suppliers["board_b"])
    assert set(_errors(excinfo)) == {"supplier"}


def test_schools_only_for_a_board_and_only_its_own(personas: Personas) -> None:
    tree = personas.tree
    with pytest.raises(ValidationError) as excinfo:
        make_application(tree.board_a, schools=[tree.school_b1])
    assert "Stichting Alfa" in _errors(excinfo)["schools"][0]
    with pytest.raises(ValidationError) as excinfo:
        make_application(tree.school_a1, schools=[tree.school_a1])
    assert set(_errors(excinfo)) == {"schools"}


def test_names_are_unique_per_organisation_ignoring_case(personas: Personas) -> None:
    tree = personas.tree
    make_application(tree.board_a, name="Magister")
    with pytest.raises(ValidationError) as excinfo:
        make_application(tree.board_a, name="  MAGISTER ")
    assert set(_errors(excinfo)) == {"name"}
    # Another organisation may use the same name.
    assert make_application(tree.school_a1, name="Magister").name == "Magister"


def test_who_may_write(personas: Personas) -> None:
    tree = personas.tree
    board_app = make_application(tree.board_a, name="Board")
    school_app = make_application(tree.school_a1, name="School")
    refused = {"fg_a", "board_member_a", "auditor_a", "staff_a", "coordinator_b", "sector_curator"}
    for name in refused:
        with pytest.raises(services.RegisterRefused):
            services.update_application(Actor.for_user(personas[name]), board_app, notes="x")
    leader = Actor.for_user(personas["school_leader_a"])
    with pytest.raises(services.RegisterRefused):
        services.update_application(leader, board_app, notes="x")
    with pytest.raises(services.RegisterRefused):
        services.create_application(leader, tree.school_a2, **complete_values())
    services.update_application(leader, school_app, notes="Eigen school")
    services.update_application(
        Actor.for_user(personas["privacy_officer_a"]), board_app, notes="po"
    )
    services.update_application(Actor.for_user(personas["coordinator_a"]), board_app, notes="ibp")
    board_app.refresh_from_db()
    school_app.refresh_from_db()
    assert board_app.notes == "ibp" and school_app.notes == "Eigen school"


def test_processing_activity_rules(personas: Personas) -> None:
    tree = personas.tree
    board_app = make_application(tree.board_a, name="Board")
    school_app = make_application(tree.school_a1, name="Eik")
    sibling_app = make_application(tree.school_a2, name="Linde")
    other_board = make_application(tree.board_b, name="Bèta")
    # A school's activity may use its own and its board's applications, not a sibling's.
    with pytest.raises(ValidationError) as excinfo:
        services.create_processing_activity(
            SYSTEM,
            tree.school_a1,
            name="Toetsen",
            purposes="Voortgang volgen",
            applications=[board_app, school_app, sibling_app],
        )
    assert set(_errors(excinfo)) == {"applications"}
    activity = services.create_processing_activity(
        SYSTEM,
        tree.school_a1,
        name="Toetsen",
        purposes="Voortgang volgen",
        applications=[board_app, school_app],
        data_subject_categories=["pupils", "parents"],
    )
    assert sorted(activity.applications.values_list("name", flat=True)) == ["Board", "Eik"]
    # A board's activity reaches its schools' applications, never another board's.
    with pytest.raises(ValidationError) as excinfo:
        services.create_processing_activity(
            SYSTEM, tree.board_a, name="X", purposes="Y", applications=[sibling_app, other_board]
        )
    assert set(_errors(excinfo)) == {"applications"}
    with pytest.raises(ValidationError) as excinfo:
        services.update_processing_activity(
            SYSTEM,
            activity,
            transfers_outside_eea=True,
            data_subject_categories=["martians"],
            purposes="",
        )
    assert set(_errors(excinfo)) == {"transfer_countries", "data_subject_categories", "purposes"}
    services.update_processing_activity(
        SYSTEM, activity, transfers_outside_eea=True, transfer_countries="VS", applications=[]
    )
    entry = AuditEntry.objects.filter(object_type="registers.processingactivity").latest("pk")
    assert entry.action == "update"
    assert entry.payload.changes["applications"] == [sorted([board_app.pk, school_app.pk]), []]
    with pytest.raises(services.RegisterRefused):
        services.delete_processing_activity(Actor.for_user(personas["fg_a"]), activity)
    services.delete_processing_activity(Actor.for_user(personas["school_leader_a"]), activity)
    assert not ProcessingActivity.objects.exists()
    assert AuditEntry.objects.filter(
        object_type="registers.processingactivity", action="delete"
    ).exists()


def test_a_delete_records_what_it_does_to_linked_objects(personas: Personas) -> None:
    """Deleting an entry unlinks agreements, activities and DPIAs and deletes its pre-scans
    (a DPIA pointing at one loses it): each of those gets its own entry, in one transaction."""
    tree = personas.tree
    suppliers = make_suppliers(tree)
    app = make_application(tree.board_a, name="ParnasSys", supplier=suppliers["sector"])
    other = make_application(tree.board_a, name="Gynzy")
    agreement = Agreement.objects.create(
        organisation=tree.board_a, supplier=suppliers["sector"], title="VWO", model="model_4"
    )
    agreement.applications.add(app, other)
    activity = services.create_processing_activity(
        SYSTEM, tree.board_a, name="Toetsen", purposes="Volgen", applications=[app]
    )
    prescan = dpia_services.create_prescan(SYSTEM, application=app, reasoning="Geen criteria.")
    dpia = dpia_services.create_dpia(
        SYSTEM,
        tree.board_a,
        title="DPIA ParnasSys",
        applications=[app, other],
        processing_activities=[activity],
        prescan=prescan,
    )
    last = AuditEntry.objects.order_by("pk").last()
    assert last is not None
    app_pk, activity_pk = app.pk, activity.pk  # a deleted instance forgets its pk
    services.delete_application(Actor.for_user(personas["privacy_officer_a"]), app)
    entries = {
        (e.object_type, e.object_id, e.action): e.payload.changes
        for e in AuditEntry.objects.filter(pk__gt=last.pk)
    }
    own = entries[("registers.application", str(app_pk), "delete")]
    assert own["agreements"] == [[agreement.pk], None]
    assert own["processing_activities"] == [[activity.pk], None]
    assert own["dpias"] == [[dpia.pk], None]
    assert entries[("suppliers.agreement", str(agreement.pk), "update")] == {
        "applications": [sorted([app_pk, other.pk]), [other.pk]]
    }
    assert entries[("registers.processingactivity", str(activity_pk), "update")] == {
        "applications": [[app_pk], []]
    }
    assert entries[("dpia.dpia", str(dpia.pk), "update")] == {
        "applications": [sorted([app_pk, other.pk]), [other.pk]],
        "prescan": [prescan.pk, None],
    }
    assert ("dpia.prescan", str(prescan.pk), "delete") in entries
    assert len(entries) == 5
    dpia.refresh_from_db()
    assert dpia.prescan is None and list(dpia.applications.all()) == [other]
    # Deleting the activity unlinks the DPIA in the same way.
    last = AuditEntry.objects.order_by("pk").last()
    assert last is not None
    services.delete_processing_activity(SYSTEM, activity)
    changes = {
        (e.object_type, e.action): e.payload.changes
        for e in AuditEntry.objects.filter(pk__gt=last.pk)
    }
    assert changes[("dpia.dpia", "update")] == {"processing_activities": [[activity_pk], []]}
    assert changes[("registers.processingactivity", "delete")]["dpias"] == [[dpia.pk], None]
    assert len(changes) == 2
