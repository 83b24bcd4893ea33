"""``schildwacht loadrisktemplates``: put the shipped risk templates on every sector node.

Idempotent: templates already on a sector (by code) are left as the sector curator keeps them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.risks.template_services import load_risk_templates


class Command(BaseCommand):
    help = _("Laad de risicosjablonen van de sector uit het meegeleverde bestand.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("loadrisktemplates")
        sectors = Organisation.objects.filter(kind=OrganisationKind.SECTOR).order_by("pk")
        if not sectors.exists():
            self.stdout.write(_("Er is nog geen sector; niets geladen."))
        for sector in sectors:
            added = load_risk_templates(actor, sector)
            self.stdout.write(
                _("%(name)s: %(count)d sjablonen toegevoegd")
                % {"name": sector.name, "count": added}
            )
