"""Backups and restores of a whole installation: database, stored files and encryption key.

A backup is one ``.tar.gz`` with:

- ``manifest.json``: format version, creation time, Schildwacht version, database vendor,
  number of stored files;
- the database: ``database.sqlite3`` (SQLite's online backup API, consistent while the web
  server and worker keep writing) or ``database.pgdump`` (``pg_dump --format=custom``);
- ``files/``: everything under MEDIA_ROOT;
- ``encryption.key``: the Fernet key(s) that protect MFA secrets and connector credentials.
  Without it a restored installation cannot decrypt them, so it travels with every backup,
  and the archive must be kept as safe as the key itself.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, record_event

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEY_MEMBER = "encryption.key"
FILES_DIR = "files"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Tables whose rows mean an installation is in use; restore refuses to overwrite them.
_IN_USE_TABLES = ("accounts_user", "organisations_organisation", "audit_auditentry")


class BackupError(RuntimeError):
    """A backup or restore cannot go ahead; the message says why, for the operator."""


@dataclass
class BackupResult:
    """What ``create_backup`` wrote."""

    path: Path
    vendor: str
    file_count: int


@dataclass
class RestoreResult:
    """What ``restore_backup`` did, including warnings the operator must act on."""

    vendor: str
    file_count: int
    key_written_to: Path | None = None
    warnings: list[str] = field(default_factory=list)


def _schildwacht_version() -> str:
    try:
        return version("schildwacht")
    except PackageNotFoundError:
        return "unknown"


def _vendor(database: str = DEFAULT_DB_ALIAS) -> str:
    vendor = connections[database].vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(
            _("Back-ups ondersteunen SQLite en PostgreSQL, niet %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes through PGPASSWORD."""
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            _("%(program)s is niet geïnstalleerd (PostgreSQL-clienttools).")
            % {"program": command[0]}
        ) from exc
    if completed.returncode != 0:
        raise BackupError(
            _("%(program)s is mislukt: %(error)s")
            % {"program": command[0], "error": completed.stderr.strip()}
        )


def _dump_database(target: Path, database: str) -> None:
    vendor = _vendor(database)
    db = connections[database].settings_dict
    if vendor == "sqlite":
        # The online backup API copies a consistent snapshot while others keep writing.
        source = sqlite3.connect(str(db["NAME"]))
        destination = sqlite3.connect(str(target))
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    args, env = _pg_env(db)
    _run(["pg_dump", "--format=custom", "--file", str(target), *args, str(db["NAME"])], env)


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def create_backup(path: Path, database: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a consistent backup of database, stored files and encryption key to ``path``.

    The archive is written next to ``path`` first and moved into place, so a failed backup
    never leaves a half-written file under the requested name.
    """
    vendor = _vendor(database)
    keys = list(settings.SCHILDWACHT_ENCRYPTION_KEYS)
    if not keys:
        raise BackupError(
            _(
                "Er is geen versleutelingssleutel ingesteld; een back-up zonder sleutel is onbruikbaar."
            )
        )
    path = path.resolve()
    if not path.parent.is_dir():
        raise BackupError(_("Map %(path)s bestaat niet.") % {"path": path.parent})
    files = _media_files()
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="schildwacht-backup-") as tmp:
        dump = Path(tmp) / DUMP_NAMES[vendor]
        _dump_database(dump, database)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "schildwacht_version": _schildwacht_version(),
            "database_vendor": vendor,
            "database_file": dump.name,
            "file_count": len(files),
        }
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(dump, arcname=dump.name)
            _add_bytes(archive, KEY_MEMBER, ("\n".join(keys) + "\n").encode(), mode=0o600)
            for file in files:
                archive.add(file, arcname=f"{FILES_DIR}/{file.relative_to(media_root).as_posix()}")
        partial.chmod(0o600)
        partial.replace(path)
    return BackupResult(path=path, vendor=vendor, file_count=len(files))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _check_member(member: tarfile.TarInfo, dump_name: str) -> None:
    """Refuse anything but plain files and folders at the places a backup uses."""
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or "\\" in member.name:
        raise BackupError(_("Onveilig pad in back-up: %(name)r.") % {"name": member.name})
    if not (member.isfile() or member.isdir()):
        raise BackupError(
            _("Back-up bevat een link of speciaal bestand: %(name)r.") % {"name": member.name}
        )
    top = name.parts[0] if name.parts else ""
    if top not in {MANIFEST, KEY_MEMBER, dump_name, FILES_DIR}:
        raise BackupError(_("Onverwacht onderdeel in back-up: %(name)r.") % {"name": member.name})


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    """The archive's manifest, checked for the fields and format version restore needs."""
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest = json.loads(handle.read().decode()) if handle else None
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("Dit is geen Schildwacht-back-up: manifest.json ontbreekt.")) from exc
    if not isinstance(manifest, dict):
        raise BackupError(_("manifest.json is ongeldig."))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("Back-upformaat %(found)r wordt niet ondersteund (verwacht: %(expected)s).")
            % {"found": manifest.get("format_version"), "expected": FORMAT_VERSION}
        )
    vendor = manifest.get("database_vendor")
    if vendor not in DUMP_NAMES or manifest.get("database_file") != DUMP_NAMES[vendor]:
        raise BackupError(_("manifest.json noemt geen ondersteunde database."))
    return manifest


def database_in_use(database: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the configured database holds users, organisations or audit entries."""
    connection = connections[database]
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in _IN_USE_TABLES:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    return True
    return False


def _extract(archive: tarfile.TarFile, target: Path, dump_name: str) -> None:
    members = archive.getmembers()
    for member in members:
        _check_member(member, dump_name)
    names = {m.name for m in members}
    for required in (dump_name, KEY_MEMBER):
        if required not in names:
            raise BackupError(_("Back-up is onvolledig: %(name)s ontbreekt.") % {"name": required})
    archive.extractall(target, members=members, filter="data")


def _restore_sqlite(dump: Path, database: str) -> None:
    connection = connections[database]
    connection.close()
    target = Path(connection.settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(str(dump))
    destination = sqlite3.connect(str(target))
    try:
        # The backup API replaces the target's pages as one transaction, WAL included.
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()


def _restore_postgresql(dump: Path, database: str) -> None:
    connection = connections[database]
    connection.close()
    db = connection.settings_dict
    args, env = _pg_env(db)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            str(db["NAME"]),
            *args,
            str(dump),
        ],
        env,
    )


def _restore_files(source: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    if not source.is_dir():
        return 0
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        destination = root / file.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, destination)
        count += 1
    return count


def _restore_key(key_text: str, result: RestoreResult) -> None:
    """Put the restored key(s) where settings read them, keeping any key already there."""
    restored = [line.strip() for line in key_text.splitlines() if line.strip()]
    from_env = [
        k.strip() for k in os.environ.get("SCHILDWACHT_ENCRYPTION_KEY", "").split(",") if k.strip()
    ]
    if from_env:
        missing = [key for key in restored if key not in from_env]
        if missing:
            result.warnings.append(
                _(
                    "SCHILDWACHT_ENCRYPTION_KEY is ingesteld maar mist de sleutel uit de "
                    "back-up. Voeg hem toe (als eerste in de kommalijst), anders zijn de "
                    "MFA-geheimen niet te ontsleutelen: %(keys)s"
                )
                % {"keys": ",".join(missing)}
            )
        return
    key_file = Path(settings.KEY_FILE)
    existing = []
    if key_file.exists():
        existing = [line.strip() for line in key_file.read_text().splitlines() if line.strip()]
    # The restored key encrypts from now on; older keys here still decrypt (rotation order).
    keys = restored + [key for key in existing if key not in restored]
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    key_file.chmod(0o600)
    result.key_written_to = key_file


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(
            _("%(path)s is geen leesbare .tar.gz-back-up: %(error)s") % {"path": path, "error": exc}
        ) from exc


def restore_backup(
    path: Path, *, force: bool = False, database: str = DEFAULT_DB_ALIAS
) -> RestoreResult:
    """Restore a backup made by ``create_backup`` onto this installation.

    Refuses a database that is already in use unless ``force``; checks the archive (manifest,
    database vendor, no unsafe paths) before anything is written.
    """
    if not path.is_file():
        raise BackupError(_("Bestand %(path)s bestaat niet.") % {"path": path})
    vendor = _vendor(database)
    archive = _open_archive(path)
    with archive, tempfile.TemporaryDirectory(prefix="schildwacht-restore-") as tmp:
        manifest = read_manifest(archive)
        if manifest["database_vendor"] != vendor:
            raise BackupError(
                _(
                    "De back-up bevat een %(found)s-database, maar deze installatie gebruikt "
                    "%(vendor)s."
                )
                % {"found": manifest["database_vendor"], "vendor": vendor}
            )
        if database_in_use(database) and not force:
            raise BackupError(
                _(
                    "De database bevat al gegevens. Zet een back-up terug op een nieuwe "
                    "installatie, of gebruik --force om hem te overschrijven."
                )
            )
        workdir = Path(tmp)
        try:
            _extract(archive, workdir, manifest["database_file"])
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(
                _("De back-up kan niet worden uitgepakt: %(error)s") % {"error": exc}
            ) from exc
        dump = workdir / manifest["database_file"]
        if vendor == "sqlite":
            _restore_sqlite(dump, database)
        else:
            _restore_postgresql(dump, database)
        result = RestoreResult(vendor=vendor, file_count=_restore_files(workdir / FILES_DIR))
        if result.file_count != manifest.get("file_count"):
            result.warnings.append(
                _("Het manifest noemt %(listed)s bestanden; %(restored)d zijn teruggezet.")
                % {"listed": manifest.get("file_count"), "restored": result.file_count}
            )
        _restore_key((workdir / KEY_MEMBER).read_text(), result)
    _record_restore(path, manifest, vendor, database, result)
    return result


def _record_restore(
    path: Path, manifest: dict[str, Any], vendor: str, database: str, result: RestoreResult
) -> None:
    """Append the restore itself to the restored trail, so the trail shows where it resumed."""
    if database != DEFAULT_DB_ALIAS:
        # record_event writes through the default connection; other aliases are not audited.
        return
    try:
        record_event(
            Actor.system("restore"),
            AuditAction.RESTORE,
            object_type="operations.backup",
            object_repr=path.name,
            details={
                "created_at": manifest.get("created_at"),
                "vendor": vendor,
                "schildwacht_version": manifest.get("schildwacht_version"),
                "file_count": result.file_count,
            },
        )
    except DatabaseError as exc:
        # A backup of an older version may lack columns until `migrate` has run; the data is
        # back, so the restore stands and the operator is told what is missing.
        result.warnings.append(
            _("Het terugzetten is niet in de audittrail vastgelegd: %(error)s") % {"error": exc}
        )
