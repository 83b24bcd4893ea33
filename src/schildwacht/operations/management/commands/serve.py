"""``schildwacht serve``: the production web server (gunicorn), see operations/server.py."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from schildwacht.operations.server import serve, unapplied_migrations


class Command(BaseCommand):
    help = _("Start de webserver (gunicorn) voor productiegebruik.")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=_("Adres om op te luisteren."))
        parser.add_argument("--port", type=int, default=8000, help=_("Poort (standaard 8000)."))
        parser.add_argument("--workers", type=int, default=2, help=_("Aantal werkprocessen."))
        parser.add_argument("--threads", type=int, default=4, help=_("Threads per werkproces."))

    def handle(self, *args: Any, **options: Any) -> None:
        pending = unapplied_migrations()
        if pending:
            self.stderr.write(
                self.style.WARNING(
                    _(
                        "Let op: %(count)d databasemigratie(s) zijn nog niet uitgevoerd. "
                        "Voer eerst `schildwacht migrate` uit."
                    )
                    % {"count": len(pending)}
                )
            )
        self.stdout.write(
            _("Schildwacht luistert op http://%(host)s:%(port)s/")
            % {"host": options["host"], "port": options["port"]}
        )
        self.stdout.flush()
        serve(
            host=options["host"],
            port=options["port"],
            workers=max(1, options["workers"]),
            threads=max(1, options["threads"]),
        )
