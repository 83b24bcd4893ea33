"""Demo data of the DPIA module, for the demo command to call (fictional, idempotent).

For one board: a pre-scan that requires a DPIA and a decided DPIA (risks, measures, FG advice,
decision) for ``done``; a pre-scan that requires a DPIA that has not been started for
``missing``. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.models import Dpia, PreScan
from schildwacht.registers.models import Application


@transaction.atomic
def ensure_demo_dpias(actor: Actor, done: Application, missing: Application) -> Dpia:
    """Pre-scans for both applications and a decided DPIA for ``done``; returns that DPIA."""
    existing = Dpia.objects.filter(applications=done).first()
    if existing is not None:
        return existing
    for application in (done, missing):
        if not PreScan.objects.filter(application=application).exists():
            services.create_prescan(
                actor,
                application=application,
                criteria=["gevoelige_gegevens", "grote_schaal", "kwetsbare_betrokkenen"],
                reasoning=(
                    "Gegevens van alle leerlingen van het bestuur, waaronder zorggegevens; "
                    "leerlingen zijn kinderen."
                ),
            )
    prescan = PreScan.objects.filter(application=done).order_by("-pk").first()
    dpia = services.create_dpia(
        actor,
        done.organisation,
        title=f"DPIA {done.name}",
        prescan=prescan,
        applications=[done],
        nature="Vastleggen van leerlinggegevens, resultaten en zorgnotities.",
        scope="Alle leerlingen en hun ouders; bewaard tot twee jaar na uitschrijving.",
        context="Leerlingen zijn kinderen en kunnen de verwerking niet weigeren.",
        purposes="Onderwijs geven, begeleiden en verantwoorden.",
        legal_basis="public_task",
        necessity="Nodig voor de wettelijke taak van de school.",
        subsidiarity="Er is geen minder ingrijpend alternatief voor een leerlingadministratie.",
        retention="Twee jaar na uitschrijving, daarna verwijderen.",
        data_subject_rights="Inzage en correctie via de administratie van de school.",
    )
    risk = services.add_risk(
        actor,
        dpia,
        title="Te ruime toegang tot zorgnotities",
        description="Medewerkers zonder zorgtaak lezen zorgnotities van leerlingen.",
        likelihood=3,
        impact=3,
        residual_likelihood=1,
        residual_impact=3,
    )
    services.add_measure(actor, dpia, description="Rollen per functie instellen", risks=[risk])
    decided_on = timezone.localdate() - dt.timedelta(days=30)
    services.record_advice(
        actor,
        dpia,
        text="Akkoord, mits de rollen per functie zijn ingesteld.",
        advised_on=decided_on,
    )
    return services.record_decision(
        actor,
        dpia,
        decision="proceed_with_measures",
        reasoning="Doorgaan met rollen per functie, zoals de FG adviseert.",
        decided_by_name="College van bestuur",
        decided_on=decided_on,
    )
