"""The risk matrix as a board sees it: the sector's default with the board's own level labels.

Choice (kept simple on purpose): a board may give the five likelihood and five impact levels
its own names (``MatrixLabels``, one row per board, used by the board's schools too). The size
of the matrix (5 × 5), the descriptions of the levels and the score bands stay those of
``data/matrix.yaml`` for everyone: the dashboard, the sector benchmark and the basismaatregel
figure compare scores, which only works when every board scores on the same scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.risks.models import MatrixLabels
from schildwacht.risks.reference import Band, Level, default_matrix


@dataclass(frozen=True)
class LevelView:
    """One level of an axis as shown: its number, the (board's or default) label, the
    default description."""

    value: int
    label: str
    description: str

    @property
    def choice_label(self) -> str:
        return f"{self.value}. {self.label}"


@dataclass(frozen=True)
class BoardMatrix:
    """The matrix of one board: both axes with their labels, and whether they are its own."""

    likelihood: list[LevelView]
    impact: list[LevelView]
    custom: bool

    def likelihood_label(self, value: int | None) -> str:
        return self.likelihood[value - 1].label if value else ""

    def impact_label(self, value: int | None) -> str:
        return self.impact[value - 1].label if value else ""

    def likelihood_choices(self) -> list[tuple[int, str]]:
        return [(level.value, level.choice_label) for level in self.likelihood]

    def impact_choices(self) -> list[tuple[int, str]]:
        return [(level.value, level.choice_label) for level in self.impact]


def band_for(score: int) -> Band:
    """The score band (laag, midden, hoog, kritiek) of likelihood × impact."""
    return default_matrix().band_for(score)


def _axis(levels: list[Level], own: list[str] | None) -> list[LevelView]:
    return [
        LevelView(
            value=level.value,
            label=own[index] if own else level.label.text,
            description=level.description.text,
        )
        for index, level in enumerate(levels)
    ]


def board_for(organisation: Organisation) -> Organisation:
    """The board of a school, or the organisation itself."""
    parent = organisation.parent if organisation.kind == OrganisationKind.SCHOOL else None
    return parent if parent is not None else organisation


def matrix_for(organisation: Organisation | None) -> BoardMatrix:
    """The matrix of ``organisation``'s board: its own labels when it set them (one query)."""
    default = default_matrix()
    labels = None
    if organisation is not None and organisation.kind != OrganisationKind.SECTOR:
        board_id = (
            organisation.parent_id
            if organisation.kind == OrganisationKind.SCHOOL
            else organisation.pk
        )
        labels = MatrixLabels.objects.filter(organisation_id=board_id or 0).first()
    own_likelihood = list(labels.likelihood_labels) if labels is not None else None
    own_impact = list(labels.impact_labels) if labels is not None else None
    return BoardMatrix(
        likelihood=_axis(default.likelihood, own_likelihood),
        impact=_axis(default.impact, own_impact),
        custom=labels is not None,
    )
