"""Reads of suppliers, agreements and reviews."""

from __future__ import annotations

from django.db.models import QuerySet

from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.suppliers.models import Supplier


def board_of(organisation: Organisation) -> Organisation:
    """The board of a school, or the board itself."""
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent is not None:
        return organisation.parent
    return organisation


def available_suppliers(organisation: Organisation) -> QuerySet[Supplier]:
    """Suppliers a board or school can pick: its sector's catalogue and its board's own."""
    board = board_of(organisation)
    return Supplier.objects.filter(organisation_id__in=[board.pk, board.parent_id or 0])
