"""``schildwacht createtoken --user EMAIL``: print a new API token for that user."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schildwacht.accounts.models import User
from schildwacht.accounts.services import create_api_token
from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import visible_organisation_ids


class Command(BaseCommand):
    help = _("Maak een API-token voor een gebruiker en druk alleen het token af.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", required=True, help=_("E-mailadres van de gebruiker."))
        parser.add_argument("--name", default="createtoken", help=_("Naam van het token."))
        parser.add_argument("--read-only", action="store_true", help=_("Alleen lezen."))
        parser.add_argument(
            "--organisation",
            type=int,
            action="append",
            default=[],
            dest="organisations",
            metavar="ID",
            help=_("Beperk het token tot deze organisatie (herhaalbaar)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["user"].strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(
                _("Er is geen gebruiker met e-mailadres %(email)s.") % {"email": email}
            )
        if not user.is_active:
            raise CommandError(_("Gebruiker %(email)s is niet actief.") % {"email": email})
        wanted = set(options["organisations"])
        outside = sorted(wanted - visible_organisation_ids(user))
        if outside:
            raise CommandError(
                _("Organisatie(s) %(ids)s vallen buiten wat %(email)s mag zien.")
                % {"ids": ", ".join(str(i) for i in outside), "email": email}
            )
        name = options["name"].strip()[:100]
        if not name:
            raise CommandError(_("Geef het token een naam."))
        _token, raw = create_api_token(
            Actor.system("createtoken"),
            user=user,
            name=name,
            read_only=options["read_only"],
            organisations=Organisation.objects.filter(pk__in=wanted),
        )
        self.stdout.write(raw)
