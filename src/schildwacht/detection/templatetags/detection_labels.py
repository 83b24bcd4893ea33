"""Template tags for the Dutch names of rules, severities and log sources."""

from __future__ import annotations

from django import template

from schildwacht.detection.models import Severity
from schildwacht.detection.models import source_label as _source_label
from schildwacht.detection.queries import rule_title as _rule_title

register = template.Library()


@register.simple_tag
def rule_title(rule_id: str, title: str) -> str:
    return _rule_title(rule_id, title)


@register.simple_tag
def severity_label(level: str) -> str:
    return str(Severity(level).label) if level in Severity.values else level


@register.simple_tag
def source_label(name: str) -> str:
    return _source_label(name)
