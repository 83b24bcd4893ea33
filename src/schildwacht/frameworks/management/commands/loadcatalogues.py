"""``schildwacht loadcatalogues``: load the shipped catalogue files (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schildwacht.frameworks.loader import CatalogueError
from schildwacht.frameworks.services import CATALOGUE_ACTOR, load_catalogues


class Command(BaseCommand):
    help = _(
        "Laad de normenkaders, basismaatregelen en het groeipad uit de meegeleverde bestanden."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = load_catalogues(CATALOGUE_ACTOR)
        except CatalogueError as exc:
            raise CommandError(
                _("Catalogusbestanden afgekeurd, niets geladen:\n%(errors)s") % {"errors": exc}
            ) from exc
        for result in results:
            if result.changes:
                message = _("%(name)s: geladen (%(count)d wijzigingen)") % {
                    "name": result.name,
                    "count": result.changes,
                }
            else:
                message = _("%(name)s: ongewijzigd") % {"name": result.name}
            self.stdout.write(message)
