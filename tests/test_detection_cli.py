"""``schildwacht detect`` and ``schildwacht sigma export`` as a user runs them: a separate
process, no database, no secret key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate_logs import generate

pytestmark = pytest.mark.dbless

SCRIPT = Path(sys.executable).with_name("schildwacht")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # No Django settings, no secret key, no database: what an analyst's laptop has.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SCHILDWACHT_", "DJANGO_"))
    }
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("logs")
    generate(folder, events=6000, accounts=500, days=21, seed=5, gzip=True, audit_events=2000)
    return folder


def test_detect_finds_every_injected_attack(logs: Path, tmp_path: Path) -> None:
    result = run("detect", "--source", "entra-signin", str(logs / "signins.jsonl.gz"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    for alert in alerts:
        assert {
            "rule_id",
            "title",
            "severity",
            "first_seen",
            "last_seen",
            "count",
            "entity",
        } <= set(alert)
    truth = {
        (item["rule"], item["entity"])
        for item in json.loads((logs / "truth.json").read_text())
        if item["source"] == "entra-signin"
    }
    assert {(alert["rule_id"], alert["entity"]) for alert in alerts} == truth
    assert "0 refused" in result.stderr and "alerts (" in result.stderr
    assert not list(tmp_path.iterdir()), "detect leaves nothing behind"


def test_detect_reports_a_bad_file_and_an_unusable_rule(logs: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"not": "a sign-in"}\n{broken\n')
    rule = tmp_path / "rule.yml"
    rule.write_text(
        "title: x\nid: 6f0d1c9e-0000-4000-8000-0000000000aa\nlogsource:\n"
        "  product: windows\n  category: process_creation\n"
        "detection:\n  s:\n    Image: x\n  condition: s\n",
        encoding="utf-8",
    )
    result = run("detect", "--source", "entra-signin", "--rules", str(rule), str(bad), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "record 1: not a record of this source" in result.stderr
    assert "record 2: not valid JSON" in result.stderr
    assert "rule skipped: 6f0d1c9e-0000-4000-8000-0000000000aa" in result.stderr


def test_detect_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("detect", "--source", "nonsense", "x", cwd=tmp_path).returncode == 2
    missing = run("detect", "--source", "syslog", "missing.log", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "x.log").write_text("", encoding="utf-8")
    no_folder = run("detect", "--source", "syslog", "--work-dir", "gone", "x.log", cwd=tmp_path)
    assert no_folder.returncode == 2 and "no such folder: gone" in no_folder.stderr


def test_detect_spills_into_the_work_folder_it_is_given(logs: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = run(
        "detect",
        "--source",
        "m365-audit",
        "--work-dir",
        str(work),
        "--memory-limit",
        "200MB",
        "--threads",
        "1",
        str(logs / "m365-audit.jsonl"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    truth = {
        (item["rule"], item["entity"])
        for item in json.loads((logs / "truth.json").read_text())
        if item["source"] == "m365-audit"
    }
    assert truth and {(alert["rule_id"], alert["entity"]) for alert in alerts} == truth
    assert not list(work.iterdir()), "the work folder is cleaned up"


@pytest.mark.parametrize("target", ["opensearch", "elasticsearch", "splunk", "kusto"])
def test_sigma_export_lists_what_a_target_cannot_take(target: str, tmp_path: Path) -> None:
    result = run("sigma", "export", "--target", target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    names = {rule["rule_id"] for rule in exported["rules"]}
    skipped = {item["rule_id"]: item["reason"] for item in exported["not_exported"]}
    # Every bundled rule is accounted for, exported or listed with its reason.
    assert names | set(skipped) >= {
        "brute_force",
        "password_spray",
        "mfa_fatigue",
        "legacy_auth",
        "admin_role_granted",
        "mfa_method_removed",
        "mailbox_forwarding",
        "mass_download",
        "mass_deletion",
        "impossible_travel",
        "new_country",
    }
    assert not names & set(skipped)
    assert "legacy_auth" in names and "impossible_travel" in skipped
    assert "forward_external" in skipped["mailbox_forwarding"]
    for reason in skipped.values():
        assert reason
    if target == "splunk":
        # Splunk's backend takes correlations: brute force without the Google part.
        brute = next(rule for rule in exported["rules"] if rule["rule_id"] == "brute_force")
        assert "UserPrincipalName" in brute["queries"][0] and "google" in brute["note"]
    if target == "kusto":
        legacy = next(rule for rule in exported["rules"] if rule["rule_id"] == "legacy_auth")
        assert legacy["queries"][0].startswith("SigninLogs")
        assert "correlation" in skipped["brute_force"].lower()
    assert f"for {target}" in result.stderr
