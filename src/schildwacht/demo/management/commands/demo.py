"""``schildwacht demo``: a working demo in one command (migrate, load, print accounts, serve)."""

from __future__ import annotations

import io
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from schildwacht.demo.services import DemoAccount, load_demo
from schildwacht.operations.server import serve


class Command(BaseCommand):
    help = _("Start een demo met een fictieve sector en een account per rol.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help=_("Poort (standaard 8000)."))
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help=_("Alleen database en demogegevens klaarzetten."),
        )
        parser.add_argument(
            "--json", action="store_true", help=_("Druk de accounts af als JSON (en verder niets).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # With --json nothing but the JSON may reach stdout, so migrate reports elsewhere.
        migrate_output = io.StringIO()
        call_command("migrate", interactive=False, verbosity=0, stdout=migrate_output)
        accounts = load_demo()
        if options["json"]:
            self.stdout.write(
                json.dumps([a.as_dict() for a in accounts], ensure_ascii=False, indent=2)
            )
        else:
            self._print_table(accounts)
        if options["no_serve"]:
            return
        port = options["port"]
        message = _("Demo op http://127.0.0.1:%(port)s/ (stoppen met Ctrl+C)") % {"port": port}
        (self.stderr if options["json"] else self.stdout).write(message)
        serve(host="127.0.0.1", port=port, workers=2)

    def _print_table(self, accounts: list[DemoAccount]) -> None:
        headers = [
            _("E-mailadres"),
            _("Wachtwoord"),
            _("TOTP-geheim (base32)"),
            _("Rol"),
            _("Organisatie"),
        ]
        rows = [[a.email, a.password, a.totp_secret, a.role, a.organisation] for a in accounts]
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write(
            self.style.MIGRATE_HEADING(_("Demo-accounts (fictief, alleen voor deze demo)"))
        )
        self.stdout.write(line.format(*headers).rstrip())
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows:
            self.stdout.write(line.format(*row).rstrip())
        self.stdout.write("")
        self.stdout.write(
            _("Voeg het TOTP-geheim toe aan een authenticator-app, of open de otpauth-URI:")
        )
        for account in accounts:
            self.stdout.write(f"  {account.email}: {account.otpauth_uri}")
        self.stdout.write("")
