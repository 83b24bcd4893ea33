"""Start-up configuration: missing secrets stop start-up, production passes check --deploy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

SCHILDWACHT = str(Path(sys.executable).with_name("schildwacht"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHILDWACHT_")}
    env["SCHILDWACHT_HOME"] = str(tmp_path)
    env.update(extra)
    return env


def test_missing_secret_key_stops_start_up(tmp_path: Path) -> None:
    result = subprocess.run(
        [SCHILDWACHT, "check"], env=_env(tmp_path), capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "SCHILDWACHT_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_encryption_key_stops_start_up(tmp_path: Path) -> None:
    env = _env(tmp_path, SCHILDWACHT_SECRET_KEY=secrets.token_urlsafe(50))
    result = subprocess.run(
        [SCHILDWACHT, "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "encryption key" in result.stderr


def test_malformed_setting_is_named(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        SCHILDWACHT_SECRET_KEY=secrets.token_urlsafe(50),
        SCHILDWACHT_ENCRYPTION_KEY="dGVzdC1lbmNyeXB0aW9uLWtleS0wMTIzNDU2Nzg5YWI=",
        SCHILDWACHT_DEBUG="misschien",
    )
    result = subprocess.run(
        [SCHILDWACHT, "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "SCHILDWACHT_DEBUG" in result.stderr


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        SCHILDWACHT_SECRET_KEY=secrets.token_urlsafe(50),
        SCHILDWACHT_ENCRYPTION_KEY="dGVzdC1lbmNyeXB0aW9uLWtleS0wMTIzNDU2Nzg5YWI=",
        SCHILDWACHT_ALLOWED_HOSTS="ibp.example.nl",
    )
    result = subprocess.run(
        [SCHILDWACHT, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout
