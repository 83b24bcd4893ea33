"""The Microsoft 365 unified audit log (source ``m365-audit``).

One record is one AuditData object, in either of two shapes (a file may mix them):

* ``audit``: the AuditData object itself, as the Management Activity API returns it and as
  the AuditData column of ``Search-UnifiedAuditLog`` holds it (``CreationTime`` in UTC without
  a zone, ``Id``, ``Operation``, ``Workload``, ``UserId``, ``ClientIP``, ``Parameters``, …);
* ``powershell``: a ``Search-UnifiedAuditLog`` result row converted to JSON as a whole
  (``CreationDate``, ``UserIds``, ``Operations``), with the AuditData object nested as a
  string of JSON in ``AuditData``. Every column is read from that nested object: the row's
  own ``CreationDate`` is in the exporting computer's local time, the nested one is UTC.

The Purview portal's CSV export is not read: its AuditData column is the same JSON, so a
board exports JSON instead.
"""

from __future__ import annotations

from schildwacht.detection.engine.sources import (
    Extract,
    Shape,
    Source,
    external_forward,
    lower,
    register,
    text,
    utc_time,
)

# Exchange parameters that send a mailbox's mail elsewhere: inbox rules (New-/Set-InboxRule)
# and mailbox forwarding (Set-Mailbox). Listed in the order they are looked for.
FORWARD_PARAMETERS = (
    "ForwardTo",
    "RedirectTo",
    "ForwardAsAttachmentTo",
    "ForwardingSmtpAddress",
    "ForwardingAddress",
)

# The nested AuditData string of the ``powershell`` shape, when it is valid JSON.
_NESTED = "$.AuditData"


def _field(x: Extract, *names: str) -> str:
    """The first of the AuditData fields ``names`` present, in either shape."""
    direct = x.value(*(f"$.{name}" for name in names))
    nested = [x.within((_NESTED,), f"$.{name}") for name in names]
    return f"COALESCE({direct}, {', '.join(nested)})"


def _name_value(x: Extract, list_field: str, names: tuple[str, ...]) -> str:
    """The ``Value`` of the first entry of a ``[{Name, Value}]`` list (``Parameters``,
    ``ExtendedProperties``) whose ``Name`` is one of ``names``, in either shape."""
    nested = x.value(_NESTED)
    listed = (
        f"COALESCE({x.value(f'$.{list_field}')}, CASE WHEN json_valid({nested}) "
        f"THEN json_extract({nested}, '$.{list_field}') END)"
    )
    wanted = ", ".join(f"'{name}'" for name in names)
    # Anything but a list (a damaged or unexpected value) reads as absent.
    return (
        f"CASE WHEN json_valid({listed}) AND json_type({listed}) = 'ARRAY' THEN "
        f'list_filter(from_json({listed}, \'[{{"Name": "VARCHAR", "Value": "VARCHAR"}}]\'), '
        f"lambda entry: entry.Name IN ({wanted}))[1].Value END"
    )


def client_address(sql: str) -> str:
    """The address alone from a client address that may carry a port: ``1.2.3.4:5678`` and
    ``[2001:db8::1]:443`` lose the port; a bare IPv6 address (several colons) is kept."""
    return (
        f"CASE WHEN {sql} LIKE '[%' THEN NULLIF(regexp_extract({sql}, '^\\[([^\\]]+)\\]', 1), '') "
        f"WHEN regexp_full_match({sql}, '[0-9]{{1,3}}(\\.[0-9]{{1,3}}){{3}}:[0-9]+') "
        f"THEN split_part({sql}, ':', 1) ELSE {sql} END"
    )


def _audit(x: Extract) -> dict[str, str]:
    user = lower(_field(x, "UserId"))
    status = lower(_field(x, "ResultStatus"))
    # Outlook's own rule editor (UpdateInboxRules) writes no Parameters but describes the
    # rule's actions as text in OperationProperties; the first address of a forwarding or
    # redirecting action is taken from that text, whatever its exact layout.
    actions = _name_value(x, "OperationProperties", ("RuleActions",))
    from_actions = (
        f"CASE WHEN regexp_matches({actions}, '(?i)forward|redirect') THEN NULLIF("
        f"regexp_extract({actions}, '[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+'), "
        "'') END"
    )
    forward = text(
        "regexp_replace(COALESCE("
        f"{text(_name_value(x, 'Parameters', FORWARD_PARAMETERS))}, {from_actions}), "
        "'^\\s*smtp:', '', 'i')"
    )
    # Exchange mailbox records name the client address ClientIPAddress, Entra sign-ins
    # through the unified log ActorIpAddress; most workloads use ClientIP.
    address = text(_field(x, "ClientIP", "ClientIPAddress", "ActorIpAddress"))
    return {
        "event_time": utc_time(_field(x, "CreationTime")),
        "event_key": text(_field(x, "Id")),
        "action": text(_field(x, "Operation")),
        "result": (
            f"CASE WHEN {status} IN ('succeeded', 'success', 'true') THEN 'success' "
            f"WHEN {status} IN ('failed', 'failure', 'false') THEN 'failure' ELSE {status} END"
        ),
        # Failed sign-ins (UserLoginFailed) say why here, e.g. InvalidUserNameOrPassword.
        "failure_reason": text(_field(x, "LogonError")),
        "user_name": user,
        "source_ip": text(client_address(address)),
        "target": text(
            f"COALESCE({text(_field(x, 'SourceFileName'))}, {text(_field(x, 'ObjectId'))}, "
            f"{text(_name_value(x, 'Parameters', ('Name',)))}, "
            f"{text(_name_value(x, 'OperationProperties', ('RuleName',)))})"
        ),
        "application": text(_field(x, "Workload")),
        "user_agent": text(
            f"COALESCE({text(_field(x, 'UserAgent'))}, "
            f"{text(_name_value(x, 'ExtendedProperties', ('UserAgent',)))}, "
            f"{text(_field(x, 'ClientInfoString'))})"
        ),
        "forward_to": forward,
        "forward_external": external_forward(forward, user),
    }


M365_AUDIT = register(
    Source(
        name="m365-audit",
        log_type="office_activity",
        description="Microsoft 365 unified audit log (AuditData records from the Management "
        "Activity API or Search-UnifiedAuditLog, JSON)",
        shapes=(
            # The row shape first: it has no top-level Operation, but checking it first keeps
            # the order from mattering should a row ever carry one.
            Shape("powershell", "$.AuditData"),
            Shape("audit", "$.Operation"),
        ),
        columns=_audit,
    )
)
