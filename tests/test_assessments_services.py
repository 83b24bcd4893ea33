"""Meting services and queries: copy from the previous meting, workflow rights, locking, scores
computed in the database against hand-made values, compare, trend, board from schools, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from schildwacht.assessments import services
from schildwacht.assessments.models import Assessment, AssessmentStatus, Evidence, NormScore
from schildwacht.assessments.queries import (
    assessment_scores,
    compare_assessments,
    school_norm_levels,
    trend,
)
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor, verify_chain
from schildwacht.frameworks.models import Framework, Norm
from schildwacht.frameworks.services import load_catalogues
from tests.personas import Personas

SYSTEM = Actor.system("tests")


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues(Actor.system("tests"))
    return Framework.objects.get(slug="normenkader-ibp-fo")


def _actor(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


def _score(assessment: Assessment, norm_id: str) -> NormScore:
    score = assessment.scores.get(norm_id=norm_id)
    score.assessment = assessment
    return score


def _domain_norms(framework: Framework, count: int) -> tuple[int, int, list[str]]:
    """(part, number, norm ids) of the first domain with at least ``count`` norms."""
    for domain in framework.domains.order_by("part", "number"):
        ids = list(domain.norms.order_by("norm_id").values_list("norm_id", flat=True))
        if len(ids) >= count:
            return domain.part, domain.number, ids  # type: ignore[return-value]
    raise AssertionError("no domain with enough norms")


def test_new_meting_has_one_empty_score_per_norm(personas: Personas, framework: Framework) -> None:
    meting = services.create_assessment(
        _actor(personas, "coordinator_a"), personas.tree.board_a, framework, "Nulmeting 2025"
    )
    assert meting.kind == "nulmeting" and meting.status == AssessmentStatus.DRAFT
    assert meting.previous is None
    assert meting.scores.count() == framework.norms.count() == 36
    assert not meting.scores.exclude(level=None).exists()
    assert set(meting.scores.values_list("target_level", flat=True)) == {3}
    # One audit entry for the meting and one per score, all in one chain that still verifies.
    assert AuditEntry.objects.filter(object_type="assessments.normscore").count() == 36
    assert (
        AuditEntry.objects.filter(object_type="assessments.assessment", action="create").count()
        == 1
    )
    assert verify_chain().intact


def test_new_meting_copies_the_previous_one(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    first = services.create_assessment(coordinator, personas.tree.board_a, framework, "Nulmeting")
    services.update_score(coordinator, _score(first, "GO.01"), level=2, owner="Jan", notes="n")
    services.update_score(
        coordinator,
        _score(first, "GO.02"),
        not_applicable=True,
        not_applicable_reason="Geen eigen ICT",
    )
    services.submit_for_review(coordinator, first)
    services.approve_assessment(_actor(personas, "board_member_a"), first)
    second = services.create_assessment(coordinator, personas.tree.board_a, framework, "Meting 2")
    assert second.kind == "meting" and second.previous_id == first.pk
    copied = _score(second, "GO.01")
    assert (copied.level, copied.owner, copied.notes) == (2, "Jan", "n")
    assert _score(second, "GO.02").not_applicable_reason == "Geen eigen ICT"
    services.update_score(coordinator, copied, level=4)
    first.refresh_from_db()
    assert _score(first, "GO.01").level == 2  # the approved one stays as it was
    assert first.status == AssessmentStatus.APPROVED


def test_copy_maps_by_norm_id_onto_a_new_edition(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    first = services.create_assessment(coordinator, personas.tree.board_a, framework, "Oud")
    services.update_score(coordinator, _score(first, "GO.01"), level=3)
    # A new edition: same norms minus GO.01's neighbour, plus a new norm.
    edition = Framework.objects.get(pk=framework.pk)
    edition.pk = None
    edition.edition = 2
    edition.save()
    domain = framework.domains.first()
    assert domain is not None
    new_domain = framework.domains.get(pk=domain.pk)
    new_domain.pk = None
    new_domain.framework = edition
    new_domain.save()
    Norm.objects.bulk_create(
        [
            Norm(
                framework=edition,
                domain=new_domain,
                norm_id=norm_id,
                title=norm_id,
                title_is_official=True,
                confidence="confirmed",
                description="-",
            )
            for norm_id in ["GO.01", "ZZ.99"]
        ]
    )
    second = services.create_assessment(coordinator, personas.tree.board_a, edition, "Nieuw")
    assert sorted(second.scores.values_list("norm_id", "level")) == [("GO.01", 3), ("ZZ.99", None)]


def test_scores_against_hand_made_values(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    meting = services.create_assessment(coordinator, personas.tree.board_a, framework, "M")
    part, number, ids = _domain_norms(framework, 4)
    for norm_id, level in zip(ids[:3], [1, 2, 3], strict=True):
        services.update_score(coordinator, _score(meting, norm_id), level=level)
    services.update_score(
        coordinator, _score(meting, ids[3]), not_applicable=True, not_applicable_reason="r"
    )
    scores = assessment_scores(meting)
    domain = next(d for d in scores.domains if (d.part, d.number) == (part, number))
    unscored = len(ids) - 4
    assert domain.score.average == 2.0
    assert domain.score.scored == 3
    assert domain.score.at_target == 1
    assert domain.score.applicable == 3 + unscored
    if unscored == 0:
        assert domain.score.share_at_target == pytest.approx(1 / 3)
    assert scores.overall.average == 2.0
    assert scores.overall.scored == 3
    assert scores.overall.applicable == 35
    assert scores.overall.at_target == 1
    # A higher target moves a norm below it.
    services.update_score(coordinator, _score(meting, ids[2]), target_level=4)
    assert assessment_scores(meting).overall.at_target == 0


def test_school_leader_edits_own_school_not_the_board(
    personas: Personas, framework: Framework
) -> None:
    tree = personas.tree
    leader = _actor(personas, "school_leader_a")
    school = services.create_assessment(leader, tree.school_a1, framework, "School")
    services.update_score(leader, _score(school, "GO.01"), level=2)
    board = services.create_assessment(SYSTEM, tree.board_a, framework, "Bestuur")
    with pytest.raises(services.AssessmentRefused):
        services.update_score(leader, _score(board, "GO.01"), level=2)
    with pytest.raises(services.AssessmentRefused):
        services.create_assessment(leader, tree.school_a2, framework, "Andere school")
    services.submit_for_review(leader, school)
    with pytest.raises(services.AssessmentRefused, match="bestuurder"):
        services.approve_assessment(leader, school)


def test_auditor_and_board_member_change_nothing(personas: Personas, framework: Framework) -> None:
    meting = services.create_assessment(SYSTEM, personas.tree.board_a, framework, "M")
    for name in ["auditor_a", "board_member_a", "privacy_officer_a", "coordinator_b"]:
        actor = _actor(personas, name)
        with pytest.raises(services.AssessmentRefused):
            services.update_score(actor, _score(meting, "GO.01"), level=3)
        with pytest.raises(services.AssessmentRefused):
            services.create_assessment(actor, personas.tree.board_a, framework, "x")
        with pytest.raises(services.AssessmentRefused):
            services.submit_for_review(actor, meting)
    assert not meting.scores.exclude(level=None).exists()


def test_approved_meting_is_locked(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    meting = services.create_assessment(coordinator, personas.tree.board_a, framework, "M")
    with pytest.raises(services.AssessmentLocked):
        services.approve_assessment(_actor(personas, "board_member_a"), meting)  # still draft
    services.submit_for_review(coordinator, meting)
    services.approve_assessment(_actor(personas, "board_member_a"), meting)
    assert meting.approved_by == personas["board_member_a"] and meting.approved_at
    with pytest.raises(services.AssessmentLocked, match="goedgekeurd"):
        services.update_score(coordinator, _score(meting, "GO.01"), level=3)
    with pytest.raises(services.AssessmentLocked):
        services.update_assessment(coordinator, meting, title="Nieuw")
    with pytest.raises(services.AssessmentLocked):
        services.reopen_assessment(coordinator, meting)
    with pytest.raises(services.AssessmentLocked):
        services.delete_assessment(coordinator, meting)
    with pytest.raises(services.AssessmentLocked):
        services.add_evidence_link(coordinator, _score(meting, "GO.01"), "https://example.test/")


def test_reopen_and_delete_draft(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    meting = services.create_assessment(coordinator, personas.tree.board_a, framework, "M")
    services.submit_for_review(coordinator, meting)
    with pytest.raises(services.AssessmentLocked):
        services.delete_assessment(coordinator, meting)
    services.reopen_assessment(_actor(personas, "board_member_a"), meting)
    assert meting.status == AssessmentStatus.DRAFT
    services.delete_assessment(coordinator, meting)
    assert not Assessment.objects.exists() and not NormScore.objects.exists()
    assert (
        AuditEntry.objects.filter(object_type="assessments.normscore", action="delete").count()
        == 36
    )
    assert verify_chain().intact


def test_score_validation_names_the_field(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    meting = services.create_assessment(coordinator, personas.tree.board_a, framework, "M")
    score = _score(meting, "GO.01")
    with pytest.raises(ValidationError) as error:
        services.update_score(coordinator, score, not_applicable=True)
    assert "not_applicable_reason" in error.value.message_dict
    score = _score(meting, "GO.01")
    with pytest.raises(ValidationError) as error:
        services.update_score(coordinator, score, level=6)
    assert "level" in error.value.message_dict
    score = _score(meting, "GO.01")
    with pytest.raises(ValidationError) as error:
        services.update_score(coordinator, score, target_level=0)
    assert "target_level" in error.value.message_dict
    assert _score(meting, "GO.01").level is None


def test_database_refuses_bad_scores(personas: Personas, framework: Framework) -> None:
    meting = services.create_assessment(SYSTEM, personas.tree.board_a, framework, "M")
    for values in [{"level": 0}, {"level": 6}, {"not_applicable": True}, {"target_level": 9}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            NormScore.objects.filter(assessment=meting, norm_id="GO.01").update(**values)


def test_every_change_is_audited(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    meting = services.create_assessment(coordinator, personas.tree.board_a, framework, "M")
    before = AuditEntry.objects.count()
    services.update_score(coordinator, _score(meting, "GO.01"), level=2)
    services.update_score(coordinator, _score(meting, "GO.01"), level=2)  # no change, no entry
    services.update_assessment(coordinator, meting, title="M2")
    services.add_evidence_link(coordinator, _score(meting, "GO.01"), "https://example.test/x")
    services.submit_for_review(coordinator, meting)
    services.approve_assessment(_actor(personas, "board_member_a"), meting)
    entries = list(AuditEntry.objects.order_by("pk")[before:].select_related("payload"))
    assert [(e.object_type, e.action) for e in entries] == [
        ("assessments.normscore", "update"),
        ("assessments.assessment", "update"),
        ("assessments.evidence", "create"),
        ("assessments.assessment", "update"),
        ("assessments.assessment", "update"),
    ]
    assert entries[0].payload.changes == {"level": [None, 2]}
    assert entries[0].organisation_id == personas.tree.board_a.pk
    assert entries[0].actor_user_id == personas["coordinator_a"].pk
    assert entries[-1].payload.changes["status"] == ["in_review", "approved"]
    assert verify_chain().intact


def test_compare_and_trend(personas: Personas, framework: Framework) -> None:
    coordinator = _actor(personas, "coordinator_a")
    board = personas.tree.board_a
    first = services.create_assessment(coordinator, board, framework, "Een")
    services.update_score(coordinator, _score(first, "GO.01"), level=1)
    services.update_score(coordinator, _score(first, "GO.02"), level=2)
    second = services.create_assessment(coordinator, board, framework, "Twee")
    services.update_score(coordinator, _score(second, "GO.01"), level=3)
    comparison = compare_assessments(first, second)
    by_norm = {row.norm_id: row for row in comparison.norms}
    assert by_norm["GO.01"].difference == 2
    assert by_norm["GO.02"].difference == 0
    assert by_norm["GO.03"].difference is None
    assert comparison.overall_difference == 1.0  # 1.5 → 2.5
    go = next(d for d in comparison.domains if d.second and d.second.scored)
    assert go.difference == 1.0
    result = trend(personas["auditor_a"], board)
    assert [a.title for a in result.assessments] == ["Een", "Twee"]
    assert result.overall == [1.5, 2.5]
    row = next(r for r in result.domains if r.averages[0] is not None)
    assert row.averages == [1.5, 2.5]
    # Board B sees none of board A's metingen in a trend.
    assert trend(personas["coordinator_b"], board).assessments == []


def test_board_meting_from_schools(personas: Personas, framework: Framework) -> None:
    tree = personas.tree
    coordinator = _actor(personas, "coordinator_a")
    with pytest.raises(ValidationError):
        services.create_board_assessment_from_schools(coordinator, tree.board_a, framework, "B")
    one = services.create_assessment(coordinator, tree.school_a1, framework, "A1 oud")
    services.update_score(coordinator, _score(one, "GO.01"), level=1)
    one_new = services.create_assessment(coordinator, tree.school_a1, framework, "A1")
    services.update_score(coordinator, _score(one_new, "GO.01"), level=4)
    services.update_score(coordinator, _score(one_new, "GO.02"), level=2)
    two = services.create_assessment(coordinator, tree.school_a2, framework, "A2")
    services.update_score(coordinator, _score(two, "GO.01"), level=2)
    other_board = services.create_assessment(SYSTEM, tree.school_b1, framework, "B1")
    services.update_score(SYSTEM, _score(other_board, "GO.01"), level=1)
    levels = {row.norm_id: row for row in school_norm_levels(tree.board_a)}
    assert (levels["GO.01"].lowest, levels["GO.01"].average, levels["GO.01"].schools) == (2, 3.0, 2)
    assert (levels["GO.02"].lowest, levels["GO.02"].schools) == (2, 1)
    assert "GO.03" not in levels
    board = services.create_board_assessment_from_schools(
        coordinator, tree.board_a, framework, "Bestuur"
    )
    assert board.organisation == tree.board_a
    assert _score(board, "GO.01").level == 2
    assert "Laagste niveau van 2" in _score(board, "GO.01").notes
    assert _score(board, "GO.03").level is None
    with pytest.raises(services.AssessmentRefused):
        services.create_board_assessment_from_schools(
            _actor(personas, "school_leader_a"), tree.board_a, framework, "x"
        )


def test_evidence_comes_along_and_files_outlive_their_copies(
    personas: Personas, framework: Framework, django_capture_on_commit_callbacks
) -> None:
    coordinator = _actor(personas, "coordinator_a")
    board = personas.tree.board_a
    first = services.create_assessment(coordinator, board, framework, "Nulmeting")
    pdf = SimpleUploadedFile("beleid.pdf", b"%PDF-1.7\n% IBP-beleid\n", "application/pdf")
    original = services.add_evidence_file(coordinator, _score(first, "GO.01"), pdf, "Beleid")
    services.add_evidence_link(coordinator, _score(first, "GO.02"), "https://example.test/raad")
    services.submit_for_review(coordinator, first)
    services.approve_assessment(_actor(personas, "board_member_a"), first)
    storage, name = original.file.storage, original.file.name
    assert storage.exists(name)

    second = services.create_assessment(coordinator, board, framework, "Meting 2")
    copied = Evidence.objects.filter(score__assessment=second).order_by("pk")
    assert [(e.score.norm_id, e.description, e.url) for e in copied] == [
        ("GO.01", "Beleid", ""),
        ("GO.02", "", "https://example.test/raad"),
    ]
    copy = copied[0]
    assert (copy.file.name, copy.sha256, copy.size) == (name, original.sha256, original.size)
    assert copy.uploaded_by_id == original.uploaded_by_id
    assert (
        AuditEntry.objects.filter(object_type="assessments.evidence", action="create").count() == 4
    )

    # Removing the copy from the draft leaves the approved meting's file in place.
    copy.score.assessment = second
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_evidence(coordinator, copy)
    assert storage.exists(name) and Evidence.objects.filter(score__assessment=first).count() == 2

    # A draft with a file of its own takes that file along when it is deleted, with audit entries.
    own = services.add_evidence_file(
        coordinator,
        _score(second, "GO.03"),
        SimpleUploadedFile("eigen.pdf", b"%PDF-1.7\n% eigen\n", "application/pdf"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_assessment(coordinator, second)
    assert not storage.exists(own.file.name)
    assert storage.exists(name)
    assert (
        AuditEntry.objects.filter(object_type="assessments.evidence", action="delete").count() == 3
    )
    assert verify_chain().intact
