"""``schildwacht backup FILE``: database, stored files and encryption key in one archive."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schildwacht.operations.backups import BackupError, create_backup


class Command(BaseCommand):
    help = _("Maak een consistente back-up (database, bestanden, sleutel) terwijl alles draait.")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help=_("Het back-upbestand (.tar.gz)."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Back-up geschreven naar %(path)s (database: %(vendor)s, %(count)d bestanden).")
                % {"path": result.path, "vendor": result.vendor, "count": result.file_count}
            )
        )
        self.stdout.write(
            self.style.WARNING(
                _(
                    "Deze back-up bevat de versleutelingssleutel (encryption.key) die de MFA-geheimen "
                    "beschermt. Bewaar hem even veilig als de sleutel zelf: versleuteld en niet "
                    "naast de server."
                )
            )
        )
