"""Template filters that show category codes of the registers as labels."""

from __future__ import annotations

from django import template

from schildwacht.registers.reference import Kind, labels

register = template.Library()


@register.filter
def data_labels(codes: list[str]) -> str:
    return ", ".join(labels(Kind.DATA, codes))


@register.filter
def special_labels(codes: list[str]) -> str:
    return ", ".join(labels(Kind.SPECIAL, codes))


@register.filter
def subject_labels(codes: list[str]) -> str:
    return ", ".join(labels(Kind.SUBJECTS, codes))
