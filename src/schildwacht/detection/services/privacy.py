"""What log analysis means for the board's privacy registers: the first upload adds the
processing activity "Loganalyse en dreigingsdetectie" (AVG art. 30) and a DPIA pre-scan that
says a DPIA is required (systematic monitoring of staff), through the registers' and the DPIA
app's own services, so both are audited and the privacy officer finds them where they belong.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.services import Actor
from schildwacht.detection.models import DEFAULT_RETENTION_DAYS, SourceSetting, source_label
from schildwacht.dpia import services as dpia_services
from schildwacht.organisations.models import Organisation
from schildwacht.registers import services as register_services
from schildwacht.registers.models import LegalBasis, ProcessingActivity

ACTIVITY_NAME = "Loganalyse en dreigingsdetectie"


def _retention_text(board: Organisation) -> str:
    settings = list(SourceSetting.objects.filter(organisation=board).order_by("source"))
    per_source = "; ".join(
        _("%(source)s: %(days)s dagen")
        % {"source": source_label(s.source), "days": s.retention_days}
        for s in settings
    )
    return _(
        "Loggegevens worden per logbron bewaard zolang de ingestelde bewaartermijn is "
        "(standaard %(default)s dagen%(per_source)s) en daarna automatisch verwijderd. "
        "Geüploade logbestanden worden na verwerking verwijderd. Signalen blijven bewaard zolang "
        "het bestuur ze nodig heeft voor de afhandeling en verantwoording van incidenten."
    ) % {
        "default": DEFAULT_RETENTION_DAYS,
        "per_source": f"; {per_source}" if per_source else "",
    }


def register_log_analysis(actor: Actor, board: Organisation) -> ProcessingActivity | None:
    """Add the processing activity and its pre-scan to ``board``'s registers, once.

    Nothing happens when the board already has an activity of this name (also when someone
    renamed or filled it in by hand before). Returns the new activity, or None.
    """
    if ProcessingActivity.objects.filter(organisation=board, name__iexact=ACTIVITY_NAME).exists():
        return None
    today = timezone.localdate().strftime("%d-%m-%Y")
    try:
        activity = register_services.create_processing_activity(
            actor,
            board,
            name=ACTIVITY_NAME,
            controller=board.name,
            purposes=_(
                "Beveiliging van de systemen en accounts van het bestuur (AVG art. 32, "
                "basismaatregel 10): aanmeld- en auditlogs van Microsoft 365, Google Workspace "
                "en andere systemen centraal verzamelen en met detectieregels analyseren, zodat "
                "inbraak op accounts, wachtwoordaanvallen, misbruik van beheerrechten en het "
                "weglekken van e-mail en bestanden op tijd opvallen en als incident kunnen "
                "worden afgehandeld. De gegevens worden niet gebruikt om de prestaties of het "
                "gedrag van medewerkers of leerlingen te beoordelen."
            ),
            legal_basis=LegalBasis.PUBLIC_TASK,
            legal_basis_note=_(
                "Het beveiligen van de systemen waarmee het bestuur zijn wettelijke "
                "onderwijstaak uitvoert (AVG art. 6 lid 1 onder e, in samenhang met art. 32). "
                "Een bestuur van bijzonder onderwijs kan zich ook op het gerechtvaardigd belang "
                "(onder f) baseren; leg de belangenafweging dan vast in de DPIA."
            ),
            data_subject_categories=["staff", "temporary_staff", "pupils"],
            data_categories=["identification", "account_usage", "location"],
            recipients=_(
                "Geen ontvangers buiten het bestuur. Een signaal kan als incident worden "
                "gedeeld met de sector-CERT, zonder persoonsgegevens tenzij dat nodig is."
            ),
            retention=_retention_text(board),
            security_measures=_(
                "Alleen rollen op bestuursniveau lezen de loganalyse (bestuurder, "
                "IBP-coördinator, privacy officer, auditor); schoolleiders niet. Aanmelden met "
                "meerstapsverificatie, elke wijziging in de audittrail, logbestanden niet in "
                "de back-up en na de bewaartermijn verwijderd."
            ),
            notes=_(
                "Automatisch toegevoegd bij de eerste upload van logbestanden op %(date)s. "
                "Loganalyse volgt stelselmatig wat medewerkers (en leerlingen) in de systemen "
                "doen: informeer het personeel vooraf, vraag instemming van de "
                "personeelsgeleding van de (G)MR en voer een DPIA uit. Vul de "
                "contactgegevens van de FG aan."
            )
            % {"date": today},
        )
    except ValidationError:
        # Someone added an activity of this name at the same moment; it is there once.
        return None
    dpia_services.create_prescan(
        actor,
        processing_activity=activity,
        ap_items=["controle_werknemers"],
        criteria=["stelselmatige_monitoring", "kwetsbare_betrokkenen"],
        reasoning=_(
            "Loganalyse volgt stelselmatig de aanmeldingen en handelingen van medewerkers in de "
            "systemen van het bestuur (controle van werknemers, stelselmatige monitoring); ook "
            "accounts van leerlingen (kinderen) komen in de logs voor."
        ),
    )
    return activity
