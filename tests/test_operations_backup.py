"""``schildwacht backup`` / ``restore``: a full round trip onto a fresh installation."""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from schildwacht.operations.backups import BackupError, restore_backup

SCHILDWACHT = str(Path(sys.executable).with_name("schildwacht"))
DEMO_EMAIL = "ibp@regenboog.example"

# Counts every model's rows and reads one TOTP secret back (it must decrypt).
INSPECT = """
import json
from django.apps import apps
from schildwacht.accounts.models import AuthenticatorDevice
counts = {m._meta.label: m._base_manager.count() for m in apps.get_models()}
device = AuthenticatorDevice.objects.get(user__email=EMAIL)
from schildwacht.audit.models import AuditEntry
last = AuditEntry.objects.select_related("payload").order_by("-id").first()
restore_entry = last and {
    "actor_label": last.actor_label,
    "action": last.action,
    "object_type": last.object_type,
    "object_repr": last.object_repr,
    "changes": last.payload.changes,
}
print(json.dumps({"counts": counts, "secret": device.secret, "restore_entry": restore_entry}))
""".replace("EMAIL", repr(DEMO_EMAIL))


def _env(home: Path, *, key: str | None, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHILDWACHT_")}
    env["SCHILDWACHT_HOME"] = str(home)
    env["SCHILDWACHT_SECRET_KEY"] = secrets.token_urlsafe(50)
    if key is not None:
        env["SCHILDWACHT_ENCRYPTION_KEY"] = key
    if database_url is not None:
        env["SCHILDWACHT_DATABASE_URL"] = database_url
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [SCHILDWACHT, *args], env=env, capture_output=True, text=True, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _inspect(env: dict[str, str]) -> dict[str, Any]:
    return json.loads(_run(env, "shell", "-v", "0", "-c", INSPECT).stdout.strip().splitlines()[-1])


def _demo_secret_hex() -> str:
    accounts = {a["email"]: a for a in _DEMO_ACCOUNTS}
    return base64.b32decode(accounts[DEMO_EMAIL]["totp_secret"]).hex()


_DEMO_ACCOUNTS: list[dict[str, str]] = []


def _round_trip(tmp_path: Path, source_url: str | None, target_url: str | None) -> None:
    key = Fernet.generate_key().decode()
    source = _env(tmp_path / "source", key=key, database_url=source_url)
    _run(source, "migrate", "-v", "0")
    _DEMO_ACCOUNTS[:] = json.loads(_run(source, "demo", "--no-serve", "--json").stdout)
    stored = tmp_path / "source" / "files" / "evidence" / "2025" / "back-uptest.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"%PDF-1.4 restore test " + os.urandom(64))
    archive = tmp_path / "backup.tar.gz"
    backup = _run(source, "backup", str(archive))
    assert "versleutelingssleutel" in backup.stdout
    assert archive.stat().st_mode & 0o077 == 0
    before = _inspect(source)
    with tarfile.open(archive) as tar:
        handle = tar.extractfile("manifest.json")
        assert handle is not None
        manifest = json.load(handle)
    before["manifest_created_at"] = manifest["created_at"]
    before["schildwacht_version"] = manifest["schildwacht_version"]

    target_home = tmp_path / "target"
    target = _env(target_home, key=None, database_url=target_url)
    restored = _run(target, "restore", str(archive))
    assert "teruggezet" in restored.stdout
    key_file = target_home / "encryption.key"
    assert key_file.read_text().split() == [key]
    assert key_file.stat().st_mode & 0o777 == 0o600

    after = _inspect(target)
    # Everything came back, plus one audit entry that records the restore itself.
    expected = dict(before["counts"])
    expected["audit.AuditEntry"] += 1
    expected["audit.AuditPayload"] += 1
    assert after["counts"] == expected
    assert after["restore_entry"] == {
        "actor_label": "systeem: restore",
        "action": "restore",
        "object_type": "operations.backup",
        "object_repr": "backup.tar.gz",
        "changes": {
            "created_at": [None, before["manifest_created_at"]],
            "vendor": [None, "postgresql" if target_url else "sqlite"],
            "schildwacht_version": [None, before["schildwacht_version"]],
            "file_count": [None, 1],
        },
    }
    assert after["counts"]["accounts.User"] == len(_DEMO_ACCOUNTS)
    assert after["secret"] == _demo_secret_hex()
    copy = target_home / "files" / "evidence" / "2025" / "back-uptest.pdf"
    assert copy.read_bytes() == stored.read_bytes()
    verify = _run(target, "verifyaudit")
    assert f"Audittrail intact: {expected['audit.AuditEntry']} regels" in verify.stdout

    # A second restore onto the now-used installation is refused without --force.
    again = _run(target, "restore", str(archive), check=False)
    assert again.returncode != 0
    assert "--force" in again.stderr
    _run(target, "restore", "--force", str(archive))


def test_backup_and_restore_sqlite(tmp_path: Path) -> None:
    _round_trip(tmp_path, None, None)


@pytest.mark.skipif(
    not os.environ.get("SCHILDWACHT_DATABASE_URL", "").startswith("postgres"),
    reason="needs SCHILDWACHT_DATABASE_URL=postgres://…",
)
def test_backup_and_restore_postgresql(tmp_path: Path) -> None:
    import psycopg

    base = os.environ["SCHILDWACHT_DATABASE_URL"].rsplit("/", 1)[0]
    names = [f"sw_backup_{uuid.uuid4().hex[:10]}_{side}" for side in ("src", "dst")]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _round_trip(tmp_path, f"{base}/{names[0]}", f"{base}/{names[1]}")
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _archive(path: Path, members: dict[str, bytes], manifest: dict[str, Any] | None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        entries = dict(members)
        if manifest is not None:
            entries = {"manifest.json": json.dumps(manifest).encode(), **entries}
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _manifest(vendor: str | None = None) -> dict[str, Any]:
    vendor = vendor or connection.vendor
    return {
        "format_version": 1,
        "database_vendor": vendor,
        "database_file": {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[vendor],
        "file_count": 0,
    }


@pytest.mark.django_db
def test_restore_refuses_path_traversal(tmp_path: Path) -> None:
    manifest = _manifest()
    path = _archive(
        tmp_path / "evil.tar.gz",
        {manifest["database_file"]: b"x", "encryption.key": b"k", "files/../../evil.txt": b"!"},
        manifest,
    )
    with pytest.raises(BackupError, match="Onveilig pad"):
        restore_backup(path)
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.django_db
def test_restore_refuses_links(tmp_path: Path) -> None:
    path = tmp_path / "link.tar.gz"
    manifest = _manifest()
    with tarfile.open(path, "w:gz") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("files/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(BackupError, match="link"):
        restore_backup(path)


@pytest.mark.django_db
def test_restore_refuses_other_vendor(tmp_path: Path) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    path = _archive(tmp_path / "other.tar.gz", {}, _manifest(other))
    with pytest.raises(BackupError, match="deze installatie gebruikt"):
        restore_backup(path)


@pytest.mark.django_db
def test_restore_refuses_non_backups(tmp_path: Path) -> None:
    without_manifest = _archive(tmp_path / "plain.tar.gz", {"notes.txt": b"hi"}, None)
    with pytest.raises(BackupError, match="manifest"):
        restore_backup(without_manifest)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a tar")
    with pytest.raises(BackupError, match="geen leesbare"):
        restore_backup(garbage)
    future = _archive(tmp_path / "future.tar.gz", {}, {**_manifest(), "format_version": 99})
    with pytest.raises(BackupError, match="niet ondersteund"):
        restore_backup(future)
    with pytest.raises(BackupError, match="bestaat niet"):
        restore_backup(tmp_path / "missing.tar.gz")


@pytest.mark.django_db
def test_restore_refuses_database_in_use(tmp_path: Path, tree: object) -> None:
    path = _archive(tmp_path / "ok.tar.gz", {}, _manifest())
    with pytest.raises(BackupError, match="--force"):
        restore_backup(path)
