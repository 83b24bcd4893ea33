"""``schildwacht restore FILE``: put a backup back onto a fresh installation."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schildwacht.operations.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = _("Zet een back-up terug op een nieuwe installatie (database, bestanden, sleutel).")
    # The restored database may be from another version; checks run after `migrate`.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help=_("Het back-upbestand (.tar.gz)."))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Overschrijf ook een database die al gegevens bevat."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_backup(options["file"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Back-up teruggezet (database: %(vendor)s, %(count)d bestanden).")
                % {"vendor": result.vendor, "count": result.file_count}
            )
        )
        if result.key_written_to is not None:
            self.stdout.write(
                _(
                    "Versleutelingssleutel geschreven naar %(path)s (alleen leesbaar "
                    "voor de eigenaar)."
                )
                % {"path": result.key_written_to}
            )
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(_("Waarschuwing: %(text)s") % {"text": warning}))
        self.stdout.write(
            _(
                "Voer nu `schildwacht migrate` uit als deze versie nieuwer is dan "
                "die van de back-up, en controleer met `schildwacht verifyaudit`."
            )
        )
