"""What every detection service shares: the refusal, who may do what, where files live, and
cleaning values that come from log files before they reach the database."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from schildwacht.audit.services import Actor
from schildwacht.detection.engine.storage import EventStore
from schildwacht.detection.models import (
    DEFAULT_RETENTION_DAYS,
    SourceSetting,
    detection_board_ids,
)
from schildwacht.lib.text import CONTROL_CHARACTERS
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import sector_ids

# How long a value from a log file may be in an alert's sample; a record can hold anything.
MAX_SAMPLE_TEXT = 500


class DetectionRefused(PermissionDenied):
    """The actor reaches the board (or rule file) but may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def user_of(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def may(actor: Actor, board: Organisation, action: str = "change") -> bool:
    """Whether ``actor`` may ``action`` the log analysis of ``board`` (a system actor may)."""
    if actor.user is None:
        return board.kind == OrganisationKind.BOARD
    return board.pk in detection_board_ids(actor.user, action)


def require(actor: Actor, board: Organisation, action: str = "change") -> None:
    if board.kind != OrganisationKind.BOARD:
        raise DetectionRefused(_("Loganalyse hoort bij een bestuur, niet bij een school."))
    if not may(actor, board, action):
        raise DetectionRefused(
            _("U mag de loganalyse van %(name)s lezen, maar niet wijzigen.") % {"name": board}
        )


def may_manage_rules(actor: Actor, organisation: Organisation) -> bool:
    """Rule files of a board: whoever changes its log analysis; of the sector: its curator."""
    if organisation.kind == OrganisationKind.SECTOR:
        return actor.user is None or organisation.pk in sector_ids(
            actor.user, "manage", "catalogues"
        )
    return organisation.kind == OrganisationKind.BOARD and may(actor, organisation)


def detection_root() -> Path:
    return Path(settings.SCHILDWACHT_HOME) / "detection"


def upload_folder(board: Organisation) -> Path:
    return detection_root() / "uploads" / str(board.pk)


def event_store(board: Organisation | int) -> EventStore:
    pk = board if isinstance(board, int) else board.pk
    return EventStore(detection_root() / "events" / str(pk))


def work_folder() -> Path:
    """Where DuckDB spills what does not fit in memory; on the same disk as the store."""
    folder = detection_root() / "work"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def retention_of(board: Organisation | int) -> dict[str, int]:
    """Days to keep per source (a source without a setting keeps the default)."""
    pk = board if isinstance(board, int) else board.pk
    return dict(
        SourceSetting.objects.filter(organisation_id=pk).values_list("source", "retention_days")
    )


def retention_default() -> int:
    return DEFAULT_RETENTION_DAYS


def clean_text(value: Any, limit: int = MAX_SAMPLE_TEXT) -> Any:
    """A value from a log file made safe to store: control characters (PostgreSQL refuses NUL
    in JSON) replaced, long texts cut; times as ISO text in UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("\ufffd", value)
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, float):
        # JSON (and PostgreSQL's jsonb) has no NaN or infinity.
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int) or value is None:
        return value
    return clean_text(str(value), limit)
