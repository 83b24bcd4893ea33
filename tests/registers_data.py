"""Shared data of the registers tests: suppliers and the values of a complete application."""

from __future__ import annotations

from typing import Any

from schildwacht.audit.services import Actor
from schildwacht.registers import services
from schildwacht.registers.models import Application
from schildwacht.suppliers.models import Supplier
from tests.personas import Tree

SYSTEM = Actor.system("tests")


def make_suppliers(tree: Tree) -> dict[str, Supplier]:
    """A sector supplier every board sees, one of board A's own and one of board B's own."""
    return {
        "sector": Supplier.objects.create(
            organisation=tree.sector, name="Leerling BV", incident_contact="0800-1234"
        ),
        "board_a": Supplier.objects.create(organisation=tree.board_a, name="Alfa ICT"),
        "board_b": Supplier.objects.create(organisation=tree.board_b, name="Bèta Hosting"),
    }


def complete_values(**overrides: Any) -> dict[str, Any]:
    """Values of an application that counts as complete for basismaatregel 1."""
    values: dict[str, Any] = {
        "name": "ParnasSys",
        "kind": "sis",
        "owner_name": "Leerlingadministratie",
        "supplier_contact": "Jan Jansen, 030-1234567",
        "incident_contacts": "ICT-coördinator, 06-12345678",
        "incident_first_steps": "Account blokkeren, leverancier bellen.",
        "availability": "high",
        "integrity": "high",
        "confidentiality": "high",
        "personal_data": True,
        "data_categories": ["contact", "results"],
    }
    values.update(overrides)
    return values


def make_application(organisation: Any, **overrides: Any) -> Application:
    return services.create_application(SYSTEM, organisation, **complete_values(**overrides))
