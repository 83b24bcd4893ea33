"""``schildwacht verifyaudit``: recompute the audit trail's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import verify_chain


class Command(BaseCommand):
    help = _("Controleer de hashketen van de audittrail; exit 0 als die intact is.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.intact:
            self.stdout.write(
                _("Audittrail intact: %(count)d regels gecontroleerd") % {"count": report.checked}
            )
            return
        entry = (
            AuditEntry.objects.filter(pk=report.broken_entry_id).only("created_at").first()
            if report.broken_entry_id is not None
            else None
        )
        when = (
            timezone.localtime(entry.created_at).isoformat()
            if entry is not None
            else _("onbekend (regel ontbreekt)")
        )
        raise CommandError(
            _(
                "Audittrail verbroken bij regel %(id)s (tijdstip %(time)s): %(reason)s. "
                "%(count)d regels daarvoor zijn in orde."
            )
            % {
                "id": report.broken_entry_id,
                "time": when,
                "reason": report.reason,
                "count": report.checked,
            },
            returncode=1,
        )
