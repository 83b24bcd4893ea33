"""Uploading a log file, and the settings of the board's log sources.

The upload is checked (known source, not empty, not too big), stored by its content under
``SCHILDWACHT_HOME/detection/uploads/<board>/<sha256>`` and queued for the worker, which reads
it (``services.ingest``). The first upload of a board adds the processing activity and the DPIA
pre-scan (``services.privacy``) in the same transaction as the upload's own record.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.detection.engine.sources import sources
from schildwacht.detection.models import (
    MAX_RETENTION_DAYS,
    LogUpload,
    SourceSetting,
)
from schildwacht.detection.services.common import (
    detection_root,
    require,
    upload_folder,
    user_of,
)
from schildwacht.detection.services.privacy import register_log_analysis
from schildwacht.lib.text import CONTROL_CHARACTERS
from schildwacht.organisations.models import Organisation

CHUNK = 1024 * 1024
SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def max_upload_bytes() -> int:
    return int(settings.DETECTION_MAX_UPLOAD_BYTES)


def _clean_file_name(name: Any) -> str:
    text = Path(str(name or "").replace("\\", "/")).name.strip()
    text = CONTROL_CHARACTERS.sub("", text)
    return text[:255] or "logbestand"


def _store(board: Organisation, uploaded: Any) -> tuple[str, str, int]:
    """Copy the upload into the board's folder under its SHA-256; returns (path relative to the
    detection folder, sha256, size). The same content uploaded twice is stored once."""
    folder = upload_folder(board)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            if hasattr(uploaded, "seek"):
                uploaded.seek(0)
            for chunk in uploaded.chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        suffix = Path(_clean_file_name(getattr(uploaded, "name", ""))).suffix.lower()
        name = digest.hexdigest() + (suffix if SAFE_SUFFIX.match(suffix) else "")
        target = folder / name
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target.relative_to(detection_root())), digest.hexdigest(), size


def upload_log(actor: Actor, board: Organisation, source: Any, uploaded: Any) -> LogUpload:
    """Store a log file of ``source`` for ``board`` and queue it for processing (audited).

    Refused (``ValidationError`` naming the field) when the source is unknown, the file is
    missing, empty or larger than ``DETECTION_MAX_UPLOAD_BYTES``; nothing is stored then.
    """
    require(actor, board)
    errors: dict[str, list[str]] = {}
    if not isinstance(source, str) or source not in sources():
        errors["source"] = [_("Kies een van de logbronnen die Schildwacht kan lezen.")]
    size = getattr(uploaded, "size", None)
    limit = max_upload_bytes()
    if uploaded is None or size is None:
        errors["file"] = [_("Kies een logbestand.")]
    elif size == 0:
        errors["file"] = [_("Het bestand is leeg.")]
    elif size > limit:
        errors["file"] = [
            _("Het bestand is groter dan %(mb)s MB; splits het in delen.")
            % {"mb": limit // (1024 * 1024)}
        ]
    if errors:
        raise ValidationError(errors)
    stored, sha256, size = _store(board, uploaded)
    user = user_of(actor)
    upload = LogUpload(
        organisation=board,
        source=source,
        file_name=_clean_file_name(getattr(uploaded, "name", "")),
        stored_path=stored,
        size=size,
        sha256=sha256,
        uploaded_by=user,
    )
    with transaction.atomic():
        first = not LogUpload.objects.filter(organisation=board).exists()
        upload.save()
        changes = [change_for(AuditAction.CREATE, upload, None, model_snapshot(upload))]
        setting = SourceSetting.objects.filter(organisation=board, source=source).first()
        if setting is None:
            setting = SourceSetting.objects.create(organisation=board, source=source)
            changes.append(change_for(AuditAction.CREATE, setting, None, model_snapshot(setting)))
        record_changes(actor, changes)
        if first:
            register_log_analysis(actor, board)
        pk = upload.pk
        transaction.on_commit(lambda: enqueue_ingest(pk))
    return upload


def enqueue_ingest(upload_id: int) -> None:
    """Queue the worker's processing of an upload."""
    # The task module imports the services; imported here so the services load first.
    from schildwacht.detection.tasks import ingest_upload

    ingest_upload.enqueue(upload_id)


def set_source_setting(
    actor: Actor, board: Organisation, source: Any, *, retention_days: Any, enabled: Any
) -> SourceSetting:
    """Set how long a source's events are kept and whether the board expects it to deliver."""
    require(actor, board)
    errors: dict[str, list[str]] = {}
    known = set(sources()) | set(
        SourceSetting.objects.filter(organisation=board).values_list("source", flat=True)
    )
    if not isinstance(source, str) or source not in known:
        errors["source"] = [_("Kies een van de logbronnen die Schildwacht kan lezen.")]
    if (
        not isinstance(retention_days, int)
        or isinstance(retention_days, bool)
        or not 1 <= retention_days <= MAX_RETENTION_DAYS
    ):
        errors["retention_days"] = [
            _("Geef een aantal dagen van 1 tot en met %(max)s.") % {"max": MAX_RETENTION_DAYS}
        ]
    if not isinstance(enabled, bool):
        errors["enabled"] = [_("Geef ja of nee.")]
    if errors:
        raise ValidationError(errors)
    setting = SourceSetting.objects.filter(organisation=board, source=source).first()
    before = model_snapshot(setting) if setting is not None else None
    setting = setting or SourceSetting(organisation=board, source=source)
    setting.retention_days = retention_days
    setting.enabled = enabled
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    change = change_for(action, setting, before, model_snapshot(setting))
    if not change.changes and before is not None:
        return setting
    try:
        with transaction.atomic():
            setting.save()
            record_change(actor, change)
    except IntegrityError as error:
        raise ValidationError(
            {"source": [_("Deze logbron is zojuist door iemand anders ingesteld.")]}
        ) from error
    return setting
