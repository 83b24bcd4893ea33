"""Writing the log analysis of a board: uploads and their processing, alerts, rule files,
source settings and the daily upkeep of the event store.

Who may do what is ``detection_board_ids`` (models) applied to the action: ``change:all`` held
on the board (the IBP coordinator) uploads, handles alerts, adds rule files and sets
retention; the sector curator adds the sector's rule files. A system actor (the worker, the
demo) may do everything. Refusals raise ``DetectionRefused`` (a ``PermissionDenied``) with a
Dutch message; bad values raise ``ValidationError`` naming each field. Every write records its
audit entries in its own transaction.
"""

from schildwacht.detection.services.alerts import (
    change_alert_status,
    create_incident_from_alert,
    linkable_incidents,
)
from schildwacht.detection.services.common import DetectionRefused, may, may_manage_rules
from schildwacht.detection.services.ingest import IngestOutcome, ingest, restart_stalled
from schildwacht.detection.services.lock import release_lease, renew_lease, take_lease
from schildwacht.detection.services.maintenance import compact_logs, purge_logs
from schildwacht.detection.services.privacy import ACTIVITY_NAME, register_log_analysis
from schildwacht.detection.services.rules import (
    add_rule_file,
    bundled_rules,
    delete_rule_file,
    rule_pack_for,
)
from schildwacht.detection.services.uploads import (
    enqueue_ingest,
    max_upload_bytes,
    set_source_setting,
    upload_log,
)

__all__ = [
    "ACTIVITY_NAME",
    "DetectionRefused",
    "IngestOutcome",
    "add_rule_file",
    "bundled_rules",
    "change_alert_status",
    "compact_logs",
    "create_incident_from_alert",
    "delete_rule_file",
    "enqueue_ingest",
    "ingest",
    "linkable_incidents",
    "max_upload_bytes",
    "may",
    "may_manage_rules",
    "purge_logs",
    "register_log_analysis",
    "release_lease",
    "renew_lease",
    "restart_stalled",
    "rule_pack_for",
    "set_source_setting",
    "take_lease",
    "upload_log",
]
