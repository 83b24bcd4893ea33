"""E-mail notifications, sent by the worker once the transaction that caused them commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from schildwacht.operations.tasks import send_notification


def notify(to: Sequence[str], template: str, context: dict[str, Any]) -> None:
    """Queue an e-mail rendered from ``template`` (first line: subject; the rest: body).

    It is queued on commit, so a rolled-back change never sends mail. Mail is written in Dutch,
    the language of the board's staff.
    """
    with translation.override("nl"):
        subject, _, body = render_to_string(template, context).strip().partition("\n")
    recipients = [address for address in to if address]
    if not recipients:
        return
    transaction.on_commit(
        lambda: send_notification.enqueue(recipients, subject.strip(), body.strip() + "\n")
    )
