"""Microsoft Entra ID: sign-in logs and directory audit logs.

Both come in three shapes, and a file may mix them:

* ``graph``: the Graph API / admin-centre download (camelCase, nested objects);
* ``monitor``: the Azure Monitor diagnostic export (top-level ``time``, ``category``,
  ``resultType`` as text, ``callerIpAddress``; the Graph record under ``properties``);
* ``analytics``: the Log Analytics ``SigninLogs`` / ``AuditLogs`` tables (PascalCase; nested
  columns as objects or as strings holding JSON).

Each column reads the first of the shapes' paths that is present; only one shape's paths are
present in a record, so the order does not decide between shapes.
"""

from __future__ import annotations

from schildwacht.detection.engine.sources import (
    Extract,
    Shape,
    Source,
    lower,
    number,
    register,
    text,
    upper,
    utc_time,
)

# Error codes of sign-ins that were interrupted rather than refused: the user was asked for
# more (MFA, "stay signed in?", a password change) and usually goes on. Counting them as
# failures would make every MFA prompt look like an attack.
INTERRUPTED_CODES = (
    "16000",
    "16001",
    "16003",
    "50072",
    "50074",
    "50076",
    "50079",
    "50097",
    "50125",
    "50140",
    "50158",
    "81010",
    "81012",
    "81014",
)


def _sign_in(x: Extract) -> dict[str, str]:
    code = x.value("$.status.errorCode", "$.properties.status.errorCode", "$.ResultType")
    code = f"COALESCE({code}, {x.value('$.resultType')}, {x.within(('$.Status',), '$.errorCode')})"
    interrupted = ", ".join(f"'{item}'" for item in INTERRUPTED_CODES)

    def location(path: str) -> str:
        return (
            f"COALESCE({x.value('$.location.' + path, '$.properties.location.' + path)}, "
            f"{x.within(('$.LocationDetails',), '$.' + path)})"
        )

    def device(path: str) -> str:
        return (
            f"COALESCE({x.value('$.deviceDetail.' + path, '$.properties.deviceDetail.' + path)}, "
            f"{x.within(('$.DeviceDetail',), '$.' + path)})"
        )

    return {
        # Whole seconds: the Graph download has no fractions, the other shapes do, and the
        # same sign-in must be the same event in every shape.
        "event_time": "date_trunc('second', "
        + utc_time(
            # The event's own time before the export's (``time``, ``TimeGenerated`` are when
            # Azure wrote or ingested it, fractions of a second to minutes later).
            x.value(
                "$.createdDateTime",
                "$.properties.createdDateTime",
                "$.CreatedDateTime",
                "$.time",
                "$.TimeGenerated",
            )
        )
        + ")",
        "event_key": x.value("$.id", "$.properties.id", "$.Id"),
        "action": "'Sign-in activity'",
        "result": (
            f"CASE WHEN {code} IS NULL THEN NULL WHEN {code} = '0' THEN 'success' "
            f"WHEN {code} IN ({interrupted}) THEN 'interrupted' ELSE 'failure' END"
        ),
        "failure_code": f"NULLIF({code}, '0')",
        "failure_reason": text(
            f"CASE WHEN {code} = '0' THEN NULL ELSE COALESCE("
            f"{x.value('$.status.failureReason', '$.properties.status.failureReason')}, "
            f"{x.value('$.resultDescription', '$.ResultDescription')}, "
            f"{x.within(('$.Status',), '$.failureReason')}) END"
        ),
        "failure_detail": text(
            f"COALESCE({x.value('$.status.additionalDetails', '$.properties.status.additionalDetails')}, "
            f"{x.within(('$.Status',), '$.additionalDetails')})"
        ),
        "user_name": lower(
            x.value("$.userPrincipalName", "$.properties.userPrincipalName", "$.UserPrincipalName")
        ),
        "source_ip": text(
            x.value("$.ipAddress", "$.properties.ipAddress", "$.callerIpAddress", "$.IPAddress")
        ),
        "country": upper(location("countryOrRegion")),
        "city": text(location("city")),
        "latitude": number(location("geoCoordinates.latitude")),
        "longitude": number(location("geoCoordinates.longitude")),
        "application": text(
            x.value("$.appDisplayName", "$.properties.appDisplayName", "$.AppDisplayName")
        ),
        "client_app": text(
            x.value("$.clientAppUsed", "$.properties.clientAppUsed", "$.ClientAppUsed")
        ),
        "auth_requirement": text(
            x.value(
                "$.authenticationRequirement",
                "$.properties.authenticationRequirement",
                "$.AuthenticationRequirement",
            )
        ),
        "device": text(device("displayName")),
        "operating_system": text(device("operatingSystem")),
        "user_agent": text(
            f"COALESCE({x.value('$.userAgent', '$.properties.userAgent')}, {device('browser')})"
        ),
    }


ENTRA_SIGNIN = register(
    Source(
        name="entra-signin",
        log_type="signin",
        description="Microsoft Entra ID sign-in log (Graph download, Azure Monitor export or "
        "Log Analytics SigninLogs)",
        shapes=(
            Shape("monitor", "$.properties.userPrincipalName"),
            Shape("analytics", "$.UserPrincipalName"),
            Shape("graph", "$.userPrincipalName"),
        ),
        columns=_sign_in,
    )
)

# The role a directory-audit record is about: "Add member to role" names it in the target's
# modified property Role.DisplayName (as a JSON string, quotes included).
_ROLE_NAME = (
    "trim(list_filter(from_json(json_extract(raw, '{base}.modifiedProperties'), "
    '\'[{{"displayName": "VARCHAR", "newValue": "VARCHAR"}}]\'), '
    "lambda property: property.displayName = 'Role.DisplayName')[1].newValue, '\" ')"
)


def _audit(x: Extract) -> dict[str, str]:
    role = " , ".join(
        _ROLE_NAME.format(base=base)
        for base in ("$.targetResources[0]", "$.properties.targetResources[0]")
    )
    analytics_role = (
        "trim(list_filter(from_json(json_extract("
        "CASE WHEN json_valid(json_extract_string(raw, '$.TargetResources')) "
        "THEN json_extract_string(raw, '$.TargetResources') END, '$[0].modifiedProperties'), "
        '\'[{"displayName": "VARCHAR", "newValue": "VARCHAR"}]\'), '
        "lambda property: property.displayName = 'Role.DisplayName')[1].newValue, '\" ')"
    )
    return {
        "event_time": utc_time(
            x.value(
                "$.activityDateTime",
                "$.properties.activityDateTime",
                "$.ActivityDateTime",
                "$.time",
                "$.TimeGenerated",
            )
        ),
        "event_key": x.value("$.id", "$.properties.id", "$.Id"),
        "action": text(
            x.value(
                "$.activityDisplayName",
                "$.properties.activityDisplayName",
                "$.ActivityDisplayName",
                "$.OperationName",
            )
        ),
        "result": lower(x.value("$.result", "$.properties.result", "$.Result")),
        "failure_reason": text(
            x.value("$.resultReason", "$.properties.resultReason", "$.ResultReason")
        ),
        "user_name": lower(
            f"COALESCE({x.value('$.initiatedBy.user.userPrincipalName', '$.properties.initiatedBy.user.userPrincipalName')}, "
            f"{x.within(('$.InitiatedBy',), '$.user.userPrincipalName')}, "
            f"{x.value('$.initiatedBy.app.displayName', '$.properties.initiatedBy.app.displayName')}, "
            f"{x.within(('$.InitiatedBy',), '$.app.displayName')})"
        ),
        "source_ip": text(
            f"COALESCE({x.value('$.initiatedBy.user.ipAddress', '$.properties.initiatedBy.user.ipAddress')}, "
            f"{x.within(('$.InitiatedBy',), '$.user.ipAddress')})"
        ),
        "target_user": lower(
            f"COALESCE({x.value('$.targetResources[0].userPrincipalName', '$.properties.targetResources[0].userPrincipalName')}, "
            f"{x.within(('$.TargetResources',), '$[0].userPrincipalName')})"
        ),
        "target": text(
            f"COALESCE({role}, {analytics_role}, "
            f"{x.value('$.targetResources[1].displayName', '$.properties.targetResources[1].displayName')}, "
            f"{x.value('$.targetResources[0].displayName', '$.properties.targetResources[0].displayName')}, "
            f"{x.within(('$.TargetResources',), '$[0].displayName')})"
        ),
        "application": text(
            x.value("$.loggedByService", "$.properties.loggedByService", "$.LoggedByService")
        ),
        "message": text(x.value("$.category", "$.properties.category", "$.Category")),
    }


ENTRA_AUDIT = register(
    Source(
        name="entra-audit",
        log_type="directory_audit",
        description="Microsoft Entra ID audit log (Graph directoryAudits, Azure Monitor export "
        "or Log Analytics AuditLogs)",
        shapes=(
            Shape("monitor", "$.properties.activityDisplayName"),
            Shape("analytics", "$.ActivityDisplayName"),
            Shape("graph", "$.activityDisplayName"),
        ),
        columns=_audit,
    )
)
