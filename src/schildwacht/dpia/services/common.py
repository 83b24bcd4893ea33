"""What every DPIA service shares: the refusal, who may do what, the locked check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import (
    Dpia,
    DpiaMeasure,
    DpiaRisk,
)
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids, sector_ids

DESCRIPTION_FIELDS = ("nature", "scope", "context", "purposes")
LINK_FIELDS = ("applications", "processing_activities")
LAWFULNESS_FIELDS = (
    "legal_basis",
    "legal_basis_note",
    "necessity",
    "subsidiarity",
    "retention",
    "data_subject_rights",
)
# The fields a caller may set on a DPIA; the links are many-to-many.
DPIA_FIELDS = (
    "title",
    "subject_name",
    "supplier",
    "prescan",
    *DESCRIPTION_FIELDS,
    *LINK_FIELDS,
    *LAWFULNESS_FIELDS,
)
RISK_FIELDS = (
    "title",
    "description",
    "likelihood",
    "impact",
    "residual_likelihood",
    "residual_impact",
)
MAX_REASON = 4000


class DpiaRefused(PermissionDenied):
    """The actor reaches the DPIA but may not do this to it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def user_of(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def may(actor: Actor, organisation: Organisation, action: str = "change") -> bool:
    """Whether ``actor`` may ``action`` ("change" or "advise") DPIAs of ``organisation``."""
    if actor.user is None:
        return action == "change" or organisation.kind != OrganisationKind.SECTOR
    if organisation.kind == OrganisationKind.SECTOR:
        return action == "change" and organisation.pk in sector_ids(
            actor.user, "manage", "catalogues"
        )
    return organisation.pk in organisation_ids(actor.user, action, Dpia.scope_area)


def require(actor: Actor, organisation: Organisation, action: str = "change") -> None:
    if not may(actor, organisation, action):
        if action == "advise":
            raise DpiaRefused(_("Alleen de functionaris gegevensbescherming schrijft het advies."))
        raise DpiaRefused(_("U mag de DPIA's van %(name)s niet wijzigen.") % {"name": organisation})


def require_open(dpia: Dpia) -> None:
    if dpia.locked:
        raise DpiaRefused(
            _("Deze DPIA is vastgelegd (%(status)s); maak een nieuwe versie om te wijzigen.")
            % {"status": dpia.get_status_display().lower()}
        )


def dpia_snapshot(dpia: Dpia, links: dict[str, list[int]] | None = None) -> dict[str, Any]:
    if links is None:
        links = dpia_links(dpia)
    return {**model_snapshot(dpia), **{name: sorted(ids) for name, ids in links.items()}}


def dpia_links(dpia: Dpia) -> dict[str, list[int]]:
    if dpia.pk is None:
        return {name: [] for name in LINK_FIELDS}
    return {
        "applications": list(dpia.applications.values_list("pk", flat=True)),
        "processing_activities": list(dpia.processing_activities.values_list("pk", flat=True)),
    }


def write_links(dpia: Dpia, links: dict[str, list[int] | None]) -> None:
    if links.get("applications") is not None:
        dpia.applications.set(links["applications"] or [])
    if links.get("processing_activities") is not None:
        dpia.processing_activities.set(links["processing_activities"] or [])


# The largest id a database key holds; a larger number is no id (and SQLite cannot even bind it).
MAX_ID = 2**63 - 1


def ids_of(values: Iterable[Any]) -> set[int]:
    """The ids of ``values`` (objects or numbers); ValueError for anything that is no id."""
    ids = {value.pk if isinstance(value, Model) else int(value) for value in values}
    if any(not 1 <= pk <= MAX_ID for pk in ids):
        raise ValueError("not an id")
    return ids


def measure_snapshot(measure: DpiaMeasure, risk_ids: Iterable[int] | None = None) -> dict[str, Any]:
    if risk_ids is None:
        risk_ids = measure.risks.values_list("pk", flat=True) if measure.pk else []
    return {**model_snapshot(measure), "risks": sorted(risk_ids)}


def refresh_outcome(dpia: Dpia) -> Change | None:
    """Store whether a high residual risk remains (prior consultation, AVG art. 36)."""
    needed = any(risk.residual_high for risk in DpiaRisk.objects.filter(dpia=dpia))
    if needed == dpia.prior_consultation:
        return None
    before = {"prior_consultation": dpia.prior_consultation}
    dpia.prior_consultation = needed
    dpia.save(update_fields=["prior_consultation", "updated_at"])
    return change_for(AuditAction.UPDATE, dpia, before, {"prior_consultation": needed})


def set_status(actor: Actor, dpia: Dpia, status: str, **extra: Any) -> Dpia:
    before = dpia_snapshot(dpia)
    dpia.status = status
    for name, value in extra.items():
        setattr(dpia, name, value)
    dpia.updated_by = user_of(actor)
    with transaction.atomic():
        dpia.save()
        record_change(actor, change_for(AuditAction.UPDATE, dpia, before, dpia_snapshot(dpia)))
    return dpia
