"""The guided assessment of a data breach: notify the AP? inform the people involved? Pure.

The questions, in our own words:

1. Is this a personal-data breach at all: were personal data lost, seen, changed, destroyed or
   made unavailable without that being allowed? If not, nothing needs to be notified (the
   incident stays in the register with the reasoning).
2. Is the breach likely to pose a risk to the rights and freedoms of the people involved? If so,
   the board notifies the Autoriteit Persoonsgegevens within 72 hours (AVG art. 33(1)). If the
   risk is unlikely, the breach is only recorded in the register, with the reasoning (art. 33(5)).
3. Is that risk high? Then the people involved are told as well (art. 34(1)), unless one of the
   exceptions of art. 34(3) applies:
   (a) the data were unintelligible to anyone not allowed to see them (encrypted, for example);
   (b) measures taken afterwards make the high risk no longer likely;
   (c) telling every person would take a disproportionate effort: then a public announcement
       (or a similar measure that reaches them as well) takes its place.

The outcome is advice to the privacy officer, who decides on the board's behalf and records the
reasoning. The AP may still require the board to inform the people involved (art. 34(4)).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Inform:
    """How the people involved are told (art. 34)."""

    INDIVIDUAL = "individual"
    PUBLIC = "public"
    NONE = "none"


@dataclass(frozen=True)
class Answers:
    """The privacy officer's answers to the questions above."""

    is_breach: bool
    risk: bool
    high_risk: bool
    unintelligible: bool = False  # art. 34(3)(a)
    risk_removed: bool = False  # art. 34(3)(b)
    disproportionate: bool = False  # art. 34(3)(c)


@dataclass(frozen=True)
class Outcome:
    """What follows from the answers, with the articles that say so (codes, see ``REASONS``)."""

    notify_ap: bool
    inform: str
    reasons: list[str] = field(default_factory=list)

    @property
    def inform_individually(self) -> bool:
        return self.inform == Inform.INDIVIDUAL


class InconsistentAnswers(ValueError):
    """The answers contradict each other; ``fields`` names the answers to look at again."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(fields)))
        self.fields = fields


def check(answers: Answers) -> None:
    """Refuse answers that contradict each other (codes of ``CONFLICTS`` per field)."""
    conflicts: dict[str, str] = {}
    if not answers.is_breach and (answers.risk or answers.high_risk):
        conflicts["risk"] = "risk_without_breach"
    if answers.high_risk and not answers.risk:
        conflicts["high_risk"] = "high_without_risk"
    exceptions = answers.unintelligible or answers.risk_removed or answers.disproportionate
    if exceptions and not answers.high_risk:
        conflicts["unintelligible"] = "exception_without_high_risk"
    if conflicts:
        raise InconsistentAnswers(conflicts)


def decide(answers: Answers) -> Outcome:
    """The outcome of the assessment (call ``check`` first; contradictions raise here too)."""
    check(answers)
    if not answers.is_breach:
        return Outcome(False, Inform.NONE, ["no_breach"])
    if not answers.risk:
        return Outcome(False, Inform.NONE, ["no_risk"])
    reasons = ["notify_ap"]
    if not answers.high_risk:
        return Outcome(True, Inform.NONE, [*reasons, "no_high_risk"])
    # Art. 34(3): (a) and (b) take away the duty to inform; (c) replaces it by a public
    # announcement. When (a) or (b) applies, (c) no longer matters.
    if answers.unintelligible:
        return Outcome(True, Inform.NONE, [*reasons, "exception_a"])
    if answers.risk_removed:
        return Outcome(True, Inform.NONE, [*reasons, "exception_b"])
    if answers.disproportionate:
        return Outcome(True, Inform.PUBLIC, [*reasons, "exception_c"])
    return Outcome(True, Inform.INDIVIDUAL, [*reasons, "inform_individually"])


@dataclass(frozen=True)
class Suggestion:
    """What the factors the privacy officer ticked point to (a hint, not the decision)."""

    risk: bool
    high_risk: bool


def suggest(weights: list[str]) -> Suggestion:
    """From the weights ("risk" or "high") of the ticked factors: risk, and whether high."""
    high = "high" in weights
    return Suggestion(risk=high or "risk" in weights, high_risk=high)
