"""Checking uploaded evidence files: size, type by content (magic bytes), SHA-256.

The extension alone proves nothing: a file is accepted when its first bytes (and for Office
files, the parts inside the zip) match the type its extension claims.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_EVIDENCE_SIZE = 20 * 1024 * 1024

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
    "csv": "text/csv",
}
_ALIASES = {"jpeg": "jpg"}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with what is stored about it."""

    kind: str
    content_type: str
    size: int
    sha256: str


def _extension(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _ALIASES.get(suffix, suffix)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        # A multi-byte character may be cut at the end of the sample.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


def _zip_members(stream: IO[bytes]) -> set[str]:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()
    finally:
        stream.seek(0)


def sniff(stream: IO[bytes]) -> str | None:
    """The type of the content by its magic bytes: one of ``CONTENT_TYPES`` or None."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        members = _zip_members(stream)
        if "word/document.xml" in members:
            return "docx"
        if "xl/workbook.xml" in members:
            return "xlsx"
        return None
    if head and _is_text(head):
        return "text"
    return None


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Check size, type by content and extension; raise ``ValidationError`` on field ``file``."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("Het bestand is leeg.")})
    if size > MAX_EVIDENCE_SIZE:
        raise ValidationError(
            {
                "file": _("Het bestand is te groot (%(size)s); het maximum is %(max)s.")
                % {"size": filesizeformat(size), "max": filesizeformat(MAX_EVIDENCE_SIZE)}
            }
        )
    claimed = _extension(upload.name or "")
    allowed = ", ".join(sorted(CONTENT_TYPES))
    if claimed not in CONTENT_TYPES:
        raise ValidationError(
            {
                "file": _("Dit bestandstype is niet toegestaan. Toegestaan: %(types)s.")
                % {"types": allowed}
            }
        )
    found = sniff(upload.file) if upload.file is not None else None
    matches = found == claimed or (found == "text" and claimed in {"txt", "csv"})
    if not matches:
        raise ValidationError(
            {
                "file": _(
                    "De inhoud van het bestand past niet bij de extensie .%(extension)s. "
                    "Toegestaan: %(types)s."
                )
                % {"extension": claimed, "types": allowed}
            }
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(claimed, CONTENT_TYPES[claimed], size, digest.hexdigest())
