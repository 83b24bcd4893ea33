"""The demo's metingen: a nulmeting around the sector average and a later meting with progress,
created through the services, fixed by the demo file, and loaded idempotently."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from schildwacht.assessments.models import Assessment, AssessmentStatus, NormScore
from schildwacht.audit.models import AuditEntry
from schildwacht.demo.schema import DEMO_FILE, DemoData, MetingRoundData, MetingSeriesData
from schildwacht.demo.services import load_demo, norm_level
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.reports.queries import dashboard
from tests.personas import make_user


def test_norm_level_is_domain_level_plus_variation() -> None:
    series = MetingSeriesData(
        organisation="x",
        variation=[0, 1, -1],
        rounds=[MetingRoundData(title="t", months_ago=1, status="draft", levels={"GO": 1.5})],
    )
    meting = series.rounds[0]
    # 1.5 rounds half up to 2; +1 gives 3 (2.5 -> 3); -1 gives 1 (0.5 -> 1, kept within 1-5).
    assert [norm_level(series, meting, i, "GO.01") for i in range(4)] == [2, 3, 1, 2]
    assert norm_level(series, meting, 0, "XX.01") == 2  # unknown domain: level 2


def test_demo_metingen_schema_rejects_bad_series() -> None:
    raw = yaml.safe_load(DEMO_FILE.read_text())
    raw["metingen"][0]["rounds"].reverse()
    with pytest.raises(ValidationError, match="oldest to newest"):
        DemoData.model_validate(raw)
    raw = yaml.safe_load(DEMO_FILE.read_text())
    raw["metingen"][0]["rounds"][0]["levels"]["GO"] = 6
    with pytest.raises(ValidationError, match="between 1 and 5"):
        DemoData.model_validate(raw)
    raw = yaml.safe_load(DEMO_FILE.read_text())
    raw["metingen"][0]["organisation"] = "sector"
    with pytest.raises(ValidationError, match="unknown organisation"):
        DemoData.model_validate(raw)


@pytest.mark.django_db
def test_demo_metingen_tell_a_story() -> None:
    load_demo()
    boards = Organisation.objects.filter(kind=OrganisationKind.BOARD)
    metingen = Assessment.objects.filter(organisation__in=boards)
    assert metingen.count() == 4
    nulmetingen = metingen.filter(kind="nulmeting")
    assert nulmetingen.count() == 2
    assert all(m.status == AssessmentStatus.APPROVED for m in nulmetingen)
    schools = Assessment.objects.filter(organisation__kind=OrganisationKind.SCHOOL)
    assert schools.values("organisation").distinct().count() >= 2
    assert schools.filter(status=AssessmentStatus.IN_REVIEW).exists()
    assert NormScore.objects.filter(not_applicable=True).exclude(not_applicable_reason="").exists()
    regenboog = Organisation.objects.get(bevoegd_gezag_number="99001")
    user = make_user("lezer@regenboog.example")
    from schildwacht.audit.services import Actor
    from schildwacht.organisations.services import add_membership

    add_membership(Actor.system("tests"), user=user, organisation=regenboog, role="auditor")
    result = dashboard(user, regenboog)
    status = result.status
    assert status.previous is not None and status.previous.kind == "nulmeting"
    assert status.previous_overall is not None and status.previous_overall.average is not None
    # Around the sector's measured average of 1.9, then progress.
    assert 1.6 <= status.previous_overall.average <= 2.2
    assert status.change is not None and status.change > 0
    improved = [row for row in status.measured_domains if (row.change or 0) > 0]
    assert 3 <= len(improved) < len(status.measured_domains)
    assert status.assessment is not None
    assert (status.assessment.created_at - status.previous.created_at).days > 300
    assert len(result.schools) == 6 and sum(1 for s in result.schools if s.assessment) >= 2


@pytest.mark.django_db
def test_demo_metingen_are_idempotent() -> None:
    load_demo()
    counts = (Assessment.objects.count(), NormScore.objects.count(), AuditEntry.objects.count())
    load_demo()
    assert (
        Assessment.objects.count(),
        NormScore.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert all(e.actor_label == "systeem: demo" for e in AuditEntry.objects.all())
