"""Google Workspace audit logs from the Admin SDK Reports API (activities.list).

Four sources, one per Reports application: ``google-login`` (sign-ins), ``google-admin``
(the Admin console), ``google-drive`` (file activity) and ``google-user-accounts`` (a user's
own account settings). A file holds activities as JSON lines or as the API's page
``{"kind": "admin#reports#activities", "items": [...]}``. Each activity names its application
in ``id.applicationName``, so a file of another application is refused as not this source.

One activity may hold several events (an admin changing three settings at once is one
activity). Each activity becomes one normalised event, described by its FIRST event: the
action is ``events[0].name`` and the parameters are read from ``events[0]``. The whole
activity stays in ``raw``, so a rule can still reach the other events there. Splitting an
activity into one row per event would give them one key between them (the API's key is per
activity) and so break de-duplication.
"""

from __future__ import annotations

from schildwacht.detection.engine.sources import (
    Extract,
    Shape,
    Source,
    lower,
    register,
    text,
    utc_time,
)

_PARAMETER_TYPE = (
    '[{"name": "VARCHAR", "value": "VARCHAR", "boolValue": "VARCHAR", '
    '"intValue": "VARCHAR", "multiValue": "VARCHAR[]"}]'
)


def parameter(x: Extract, name: str) -> str:
    """SQL for the parameter ``name`` of the activity's first event, as text: its
    ``value``, ``boolValue`` (``true``/``false``), ``intValue`` or ``multiValue`` (joined
    with commas), whichever it has."""
    listed = x.value("$.events[0].parameters")
    found = (
        f"list_filter(from_json({listed}, '{_PARAMETER_TYPE}'), "
        f"lambda item: item.name = '{name}')[1]"
    )
    return text(
        f"CASE WHEN json_valid({listed}) AND json_type({listed}) = 'ARRAY' THEN COALESCE("
        f"{found}.value, {found}.boolValue, {found}.intValue, "
        f"array_to_string({found}.multiValue, ',')) END"
    )


def _common(x: Extract) -> dict[str, str]:
    """The columns every Reports activity has, whatever its application."""
    time = x.value("$.id.time")
    qualifier = x.value("$.id.uniqueQualifier")
    return {
        "event_time": utc_time(time),
        # The unique qualifier only tells apart activities of the same time.
        "event_key": f"CASE WHEN {qualifier} IS NOT NULL THEN {time} || '/' || {qualifier} END",
        "action": text(x.value("$.events[0].name")),
        "user_name": lower(x.value("$.actor.email")),
        "source_ip": text(x.value("$.ipAddress")),
        # The event type groups events, e.g. USER_SETTINGS or DELEGATED_ADMIN_SETTINGS.
        "message": text(x.value("$.events[0].type")),
    }


def _login(x: Extract) -> dict[str, str]:
    name = x.value("$.events[0].name")
    second_factor = parameter(x, "is_second_factor")
    return {
        **_common(x),
        "result": (
            f"CASE WHEN {name} = 'login_success' THEN 'success' "
            f"WHEN {name} = 'login_failure' THEN 'failure' "
            f"WHEN {name} = 'login_challenge' AND "
            f"{parameter(x, 'login_challenge_status')} = 'Challenge Failed' THEN 'failure' END"
        ),
        "failure_reason": parameter(x, "login_failure_type"),
        # Entra's words where Google says whether a second factor was involved, so one rule
        # reads both sign-in logs; otherwise the login type (e.g. saml: another provider
        # checked the factors, out of Google's sight).
        "auth_requirement": (
            f"CASE WHEN lower({second_factor}) = 'true' THEN 'multiFactorAuthentication' "
            f"WHEN lower({second_factor}) = 'false' THEN 'singleFactorAuthentication' "
            f"ELSE {parameter(x, 'login_type')} END"
        ),
        "target_user": lower(parameter(x, "affected_email_address")),
    }


def _admin(x: Extract) -> dict[str, str]:
    return {
        **_common(x),
        "target_user": lower(parameter(x, "USER_EMAIL")),
        "target": (
            f"COALESCE({parameter(x, 'ROLE_NAME')}, {parameter(x, 'SETTING_NAME')}, "
            f"{parameter(x, 'GROUP_EMAIL')})"
        ),
        "application": text(x.value("$.id.applicationName")),
    }


def _drive(x: Extract) -> dict[str, str]:
    return {
        **_common(x),
        "target": parameter(x, "doc_title"),
        # Sharing changes name the account that gained or lost access.
        "target_user": lower(parameter(x, "target_user")),
        "application": text(x.value("$.id.applicationName")),
    }


def _user_accounts(x: Extract) -> dict[str, str]:
    return {
        **_common(x),
        # A user changes their own account here: the account acted upon is the actor's.
        "target_user": lower(x.value("$.actor.email")),
        "application": text(x.value("$.id.applicationName")),
    }


def _shape(application: str) -> tuple[Shape, ...]:
    return (Shape("reports-api", "$.id.applicationName", (application,)),)


GOOGLE_LOGIN = register(
    Source(
        name="google-login",
        log_type="signin",
        description="Google Workspace login audit (Admin SDK Reports API, application login)",
        shapes=_shape("login"),
        columns=_login,
    )
)

GOOGLE_ADMIN = register(
    Source(
        name="google-admin",
        log_type="directory_audit",
        description="Google Workspace Admin console audit (Reports API, application admin)",
        shapes=_shape("admin"),
        columns=_admin,
    )
)

GOOGLE_DRIVE = register(
    Source(
        name="google-drive",
        log_type="file_activity",
        description="Google Drive audit (Reports API, application drive)",
        shapes=_shape("drive"),
        columns=_drive,
    )
)

GOOGLE_USER_ACCOUNTS = register(
    Source(
        name="google-user-accounts",
        log_type="directory_audit",
        description="Google Workspace user account changes (Reports API, application "
        "user_accounts)",
        shapes=_shape("user_accounts"),
        columns=_user_accounts,
    )
)
