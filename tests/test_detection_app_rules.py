"""Rule files: a good file, a file of which some rules are skipped (kept, with the reasons), a
file of which none can run, text that is not YAML or not UTF-8 (refused, nothing stored); who
may add them (the board's coordinator, the sector curator on the sector node); a board's own
rule raising alerts on the next upload; the sector's rules running for every board."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.models import DetectionAlert, RuleFile
from schildwacht.detection.queries import skip_reason
from tests.personas import Personas
from tests.test_detection_app_ingest import (  # noqa: F401  (the fixture is used by name)
    at,
    detection_home_fixture,
    ingested,
    jsonl,
    signin,
)

IMAP = """title: IMAP sign-in
name: {name}
status: test
description: A successful sign-in over IMAP.
logsource:
  product: azure
  service: signinlogs
detection:
  selection:
    ClientAppUsed: IMAP4
  condition: selection
entity: user_name
level: {level}
"""
UNKNOWN_SOURCE = """title: Process creation
name: proc
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\\\cmd.exe'
  condition: selection
level: low
"""
BAD_REGEX = """title: Look-behind
name: lookbehind
logsource:
  product: azure
  service: signinlogs
detection:
  selection:
    UserPrincipalName|re: '(?<=a)b'
  condition: selection
level: low
"""


def coordinator(personas: Personas) -> Actor:
    return Actor.for_user(personas["coordinator_a"])


def test_a_good_file_is_taken_whole(personas: Personas) -> None:
    rule_file = services.add_rule_file(
        coordinator(personas),
        personas.tree.board_a,
        "IMAP",
        IMAP.format(name="imap", level="medium"),
    )
    assert [rule["rule_id"] for rule in rule_file.rules] == ["imap"]
    assert rule_file.rules[0]["sources"] == ["entra-signin"] and rule_file.skipped == []
    assert len(rule_file.sha256) == 64
    entry = AuditEntry.objects.get(object_type="detection.rulefile")
    assert entry.action == "create" and entry.organisation_id == personas.tree.board_a.pk


def test_a_partly_usable_file_is_kept_with_the_reasons(personas: Personas) -> None:
    content = "\n---\n".join(
        [
            IMAP.format(name="imap", level="medium"),
            UNKNOWN_SOURCE,
            BAD_REGEX,
            IMAP.format(name="brute_force", level="low"),
        ]
    )
    rule_file = services.add_rule_file(coordinator(personas), personas.tree.board_a, "Mix", content)
    assert [rule["rule_id"] for rule in rule_file.rules] == ["imap"]
    skipped = {item["rule"]: item["reason"] for item in rule_file.skipped}
    assert set(skipped) == {"proc", "lookbehind", "brute_force"}
    assert "logsource" in skipped["proc"] and "regular expression" in skipped["lookbehind"]
    assert skipped["brute_force"] == "duplicate name"  # a bundled rule's name
    assert "tmp" not in " ".join(skipped.values())  # the engine's temporary file is not named
    # Shown in Dutch, with the engine's words as detail.
    assert skip_reason(skipped["proc"]).startswith("Schildwacht leest deze logbron niet in")
    assert skip_reason("duplicate name").startswith("Een andere regel heeft al deze naam")
    # The same name again replaces the file (audited as a change).
    again = services.add_rule_file(
        coordinator(personas), personas.tree.board_a, "mix", IMAP.format(name="imap2", level="low")
    )
    assert again.pk == rule_file.pk and again.skipped == [] and again.name == "mix"
    assert AuditEntry.objects.filter(object_type="detection.rulefile", action="update").count() == 1


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        (UNKNOWN_SOURCE + "\n---\n" + BAD_REGEX, "content", "Geen enkele regel"),
        ("title: [unclosed\n", "content", "geen geldige YAML (regel 2"),
        ("- just\n- a list\n", "content", "geen Sigma-regel"),
        ("gewoon wat tekst", "content", "geen Sigma-regel"),
        (b"title: caf\xe9\n", "content", "geen UTF-8"),
        ("", "content", "leeg"),
        ("title: a\x00b\n", "content", "ongeldig"),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_stored(
    personas: Personas, content: str | bytes, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.add_rule_file(coordinator(personas), personas.tree.board_a, "Kapot", content)
    messages = " ".join(refused.value.message_dict[field])
    assert words in messages
    assert not RuleFile.objects.exists()


def test_names_and_size_are_checked(personas: Personas) -> None:
    board = personas.tree.board_a
    with pytest.raises(ValidationError) as refused:
        services.add_rule_file(coordinator(personas), board, " ", "x" * (600 * 1024))
    assert set(refused.value.message_dict) == {"name", "content"}


def test_who_may_add_rule_files(personas: Personas) -> None:
    tree = personas.tree
    content = IMAP.format(name="imap", level="medium")
    for name in (
        "board_member_a",
        "auditor_a",
        "privacy_officer_a",
        "coordinator_b",
        "sector_curator",
    ):
        with pytest.raises(services.DetectionRefused):
            services.add_rule_file(Actor.for_user(personas[name]), tree.board_a, "x", content)
    for name in ("coordinator_a", "sector_analyst"):
        with pytest.raises(services.DetectionRefused):
            services.add_rule_file(Actor.for_user(personas[name]), tree.sector, "x", content)
    with pytest.raises(services.DetectionRefused):
        services.add_rule_file(coordinator(personas), tree.school_a1, "x", content)
    sector_file = services.add_rule_file(
        Actor.for_user(personas["sector_curator"]), tree.sector, "Sector", content
    )
    assert sector_file.is_sector
    with pytest.raises(services.DetectionRefused):
        services.delete_rule_file(coordinator(personas), sector_file)


def test_a_boards_rule_raises_alerts_and_the_sectors_runs_for_every_board(
    personas: Personas,
) -> None:
    tree = personas.tree
    services.add_rule_file(
        coordinator(personas), tree.board_a, "Eigen", IMAP.format(name="imap", level="medium")
    )
    # The sector's rule has the same name: the sector's goes first, the board's is left out.
    services.add_rule_file(
        Actor.for_user(personas["sector_curator"]),
        tree.sector,
        "Sector",
        IMAP.format(name="imap", level="high"),
    )
    records = jsonl([signin(at(1, 9), "printer", client="IMAP4"), signin(at(1, 9, 5), "anna")])
    ingested(tree.board_a, records)
    ingested(tree.board_b, records)
    for board in (tree.board_a, tree.board_b):
        alert = DetectionAlert.objects.get(organisation=board, rule_id="imap")
        assert alert.entity == "printer@alfa.example" and alert.severity == "high"
        assert alert.kind == "sigma"
    pack = services.rule_pack_for(tree.board_a)
    assert [rule.rule_id for rule in pack.rules].count("imap") == 1
    assert any(item.reason == "duplicate name" for item in pack.skipped)


def test_the_bundled_rules_are_listed(personas: Personas) -> None:
    ids = {rule.rule_id for rule in services.bundled_rules()}
    assert {"brute_force", "password_spray", "impossible_travel", "admin_role_granted"} <= ids
