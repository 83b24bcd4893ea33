"""The rule of the pre-scan: is a DPIA required?

A DPIA is required when the processing matches at least one type on the AP's list (one is
enough), or when two or more of the nine European criteria apply. Otherwise it is not required,
and the reasoning is kept all the same. Pure functions: the services store the outcome, the
pages explain it with ``outcome_reason``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from schildwacht.dpia.reference import ApItem, Criterion, ap_items_by_code, criteria_by_code

# From this many European criteria a DPIA is required (WP 248: "in most cases").
CRITERIA_THRESHOLD = 2


class UnknownCodes(ValueError):
    """Codes that are not in the reference data, by kind ("ap_items", "criteria")."""

    def __init__(self, unknown: dict[str, list[str]]) -> None:
        super().__init__(f"unknown codes: {unknown}")
        self.unknown = unknown


@dataclass(frozen=True)
class Outcome:
    """The computed outcome of a pre-scan: the codes in reference order and the verdict."""

    ap_items: tuple[str, ...]
    criteria: tuple[str, ...]

    @property
    def required(self) -> bool:
        return bool(self.ap_items) or len(self.criteria) >= CRITERIA_THRESHOLD


def evaluate(ap_items: Iterable[str], criteria: Iterable[str]) -> Outcome:
    """The outcome for the ticked AP items and criteria; unknown codes raise ``UnknownCodes``."""
    known = {"ap_items": list(ap_items_by_code()), "criteria": list(criteria_by_code())}
    chosen = {"ap_items": set(ap_items), "criteria": set(criteria)}
    unknown = {kind: sorted(chosen[kind] - set(known[kind])) for kind in known}
    unknown = {kind: codes for kind, codes in unknown.items() if codes}
    if unknown:
        raise UnknownCodes(unknown)
    return Outcome(
        tuple(code for code in known["ap_items"] if code in chosen["ap_items"]),
        tuple(code for code in known["criteria"] if code in chosen["criteria"]),
    )


def _names(codes: Iterable[str], names: dict[str, str]) -> str:
    listed = [names[code] for code in codes if code in names]
    if len(listed) <= 1:
        return "".join(listed)
    return f"{', '.join(listed[:-1])} {_('en')} {listed[-1]}"


def outcome_reason(outcome: Outcome) -> str:
    """The outcome in plain Dutch: "Een DPIA is verplicht omdat …" or why it is not."""
    ap_names = {code: item.name.lower() for code, item in ap_items_by_code().items()}
    criterion_names = {code: c.name.lower() for code, c in criteria_by_code().items()}
    if outcome.ap_items:
        return _(
            "Een DPIA is verplicht omdat de verwerking voorkomt op de lijst van de Autoriteit "
            "Persoonsgegevens: %(items)s. Eén overeenkomst met die lijst is al genoeg."
        ) % {"items": _names(outcome.ap_items, ap_names)}
    if outcome.required:
        return _(
            "Een DPIA is verplicht omdat %(count)s Europese criteria van toepassing zijn: "
            "%(criteria)s. Vanaf twee criteria is een DPIA verplicht."
        ) % {"count": len(outcome.criteria), "criteria": _names(outcome.criteria, criterion_names)}
    if outcome.criteria:
        return _(
            "Een DPIA is niet verplicht: de verwerking staat niet op de lijst van de Autoriteit "
            "Persoonsgegevens en er is maar één Europees criterium van toepassing "
            "(%(criterion)s). Pas bij twee of meer criteria is een DPIA verplicht."
        ) % {"criterion": _names(outcome.criteria, criterion_names)}
    return _(
        "Een DPIA is niet verplicht: de verwerking staat niet op de lijst van de Autoriteit "
        "Persoonsgegevens en geen van de Europese criteria is van toepassing."
    )


@dataclass(frozen=True)
class Explanation:
    """A stored pre-scan made readable: the outcome in words, each ticked item with its reason."""

    reason: str
    ap_items: list[tuple[ApItem, str]]
    criteria: list[tuple[Criterion, str]]


def explain(
    ap_items: Iterable[str], criteria: Iterable[str], reasons: dict[str, str]
) -> Explanation:
    """The explanation of a stored pre-scan (codes no longer in the reference data are skipped)."""
    ap_codes, criterion_codes = tuple(ap_items), tuple(criteria)
    known_ap, known_criteria = ap_items_by_code(), criteria_by_code()
    return Explanation(
        outcome_reason(Outcome(ap_codes, criterion_codes)),
        [(known_ap[c], reasons.get(c, "")) for c in ap_codes if c in known_ap],
        [(known_criteria[c], reasons.get(c, "")) for c in criterion_codes if c in known_criteria],
    )
