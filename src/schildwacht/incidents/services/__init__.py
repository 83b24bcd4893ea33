"""Writing incidents and data breaches.

Who may do what is the reading rule of ``Incident.objects.for_user`` applied to the action:
``report:incidents`` (every staff member, and most roles) reports; ``change:all`` (the
IBP-coördinator, a school leader on their school) handles every incident; ``change:privacy``
(the privacy officer) handles data breaches; the decision on notifying is taken on the board's
behalf by whoever holds ``change:privacy`` on the board; ``advise:privacy`` (the FG) writes its
advice and nothing else. A system actor may do everything. Refusals raise ``IncidentRefused``
(a ``PermissionDenied``) with a Dutch message; bad values raise ``ValidationError`` naming each
field. Every write records its audit entries in its own transaction; the timeline and the
notifications to the AP are append-only.
"""

from schildwacht.incidents.services.breaches import (
    may_decide,
    record_advice,
    record_assessment,
    record_notification,
)
from schildwacht.incidents.services.common import IncidentRefused, may, may_report
from schildwacht.incidents.services.follow_up import (
    Reminder,
    create_plan_measure,
    link_plan_measure,
    may_set_cert_contact,
    record_cert_shared,
    send_breach_reminders,
    set_cert_contact,
)
from schildwacht.incidents.services.incidents import (
    REPORT_FIELDS,
    UPDATE_FIELDS,
    add_timeline_entry,
    close_incident,
    delete_incident,
    is_untouched,
    reopen_incident,
    report_incident,
    update_incident,
)

__all__ = [
    "REPORT_FIELDS",
    "UPDATE_FIELDS",
    "IncidentRefused",
    "Reminder",
    "add_timeline_entry",
    "close_incident",
    "create_plan_measure",
    "delete_incident",
    "is_untouched",
    "link_plan_measure",
    "may",
    "may_decide",
    "may_report",
    "may_set_cert_contact",
    "record_advice",
    "record_assessment",
    "record_cert_shared",
    "record_notification",
    "reopen_incident",
    "report_incident",
    "send_breach_reminders",
    "set_cert_contact",
    "update_incident",
]
