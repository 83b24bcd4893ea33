"""Writing pre-scans and DPIAs: parts, risks, measures, FG advice, decision, versions, sector DPIAs.

Who may do what (roles.yaml): ``change:privacy`` (privacy officer, IBP-coördinator, a school
leader on their own school) writes a board's pre-scans and DPIAs and records the board's
decision; ``advise:privacy`` (the FG) writes the advice and nothing else; the sector curator
(``manage:catalogues`` on the sector node) writes and publishes sector DPIAs. A system actor may
do everything. Refusals raise ``DpiaRefused`` (a ``PermissionDenied``) with a Dutch message; bad
values raise ``ValidationError`` naming each bad field. Every write records its audit entries in
its own transaction; decided and published DPIAs are locked (``new_version`` makes a copy).
"""

from schildwacht.dpia.services.common import (
    DESCRIPTION_FIELDS,
    DPIA_FIELDS,
    LAWFULNESS_FIELDS,
    DpiaRefused,
    may,
)
from schildwacht.dpia.services.decisions import record_advice, record_decision, submit_for_advice
from schildwacht.dpia.services.dpias import create_dpia, delete_dpia, update_dpia
from schildwacht.dpia.services.prescans import create_prescan
from schildwacht.dpia.services.rows import (
    add_measure,
    add_risk,
    create_plan_measure,
    delete_measure,
    delete_risk,
    update_measure,
    update_risk,
)
from schildwacht.dpia.services.versions import adopt_sector_dpia, new_version, publish_sector_dpia

__all__ = [
    "DESCRIPTION_FIELDS",
    "DPIA_FIELDS",
    "LAWFULNESS_FIELDS",
    "DpiaRefused",
    "add_measure",
    "add_risk",
    "adopt_sector_dpia",
    "create_dpia",
    "create_plan_measure",
    "create_prescan",
    "delete_dpia",
    "delete_measure",
    "delete_risk",
    "may",
    "new_version",
    "publish_sector_dpia",
    "record_advice",
    "record_decision",
    "submit_for_advice",
    "update_dpia",
    "update_measure",
    "update_risk",
]
