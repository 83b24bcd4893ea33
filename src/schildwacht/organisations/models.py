"""The organisation tree (sector → board → school) and who holds which role where."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.roles import Role, is_sector_role, role_label
from schildwacht.organisations.scoping import ScopedQuerySet
from schildwacht.organisations.validators import (
    validate_bevoegd_gezag_number,
    validate_brin,
    validate_vestiging,
)


class OrganisationKind(models.TextChoices):
    SECTOR = "sector", _("Sector")
    BOARD = "board", _("Bestuur")
    SCHOOL = "school", _("School")


_PARENT_KIND = {
    OrganisationKind.SECTOR: None,
    OrganisationKind.BOARD: OrganisationKind.SECTOR,
    OrganisationKind.SCHOOL: OrganisationKind.BOARD,
}


class OrganisationQuerySet(ScopedQuerySet["Organisation"]):
    scope_field = "id"


class Organisation(models.Model):
    """A node of the tree: the sector, a school board (bestuur) or a school (vestiging).

    Boards carry their bevoegd-gezagnummer and schools their BRIN code and vestigingsnummer, as
    registered with DUO. ``path`` holds the ids from the root ("/1/4/9/") so that a subtree is one
    indexed prefix query.
    """

    kind = models.CharField(_("soort"), max_length=10, choices=OrganisationKind.choices)
    name = models.CharField(_("naam"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("bovenliggende organisatie"),
    )
    bevoegd_gezag_number = models.CharField(
        _("bevoegd-gezagnummer"),
        max_length=5,
        blank=True,
        validators=[validate_bevoegd_gezag_number],
    )
    brin = models.CharField(_("BRIN-code"), max_length=4, blank=True, validators=[validate_brin])
    vestiging = models.CharField(
        _("vestigingsnummer"), max_length=2, blank=True, validators=[validate_vestiging]
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    audit_fields: ClassVar[list[str]] = [
        "kind",
        "name",
        "parent",
        "bevoegd_gezag_number",
        "brin",
        "vestiging",
    ]

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["bevoegd_gezag_number"],
                condition=models.Q(kind="board"),
                name="unique_bevoegd_gezag_number",
            ),
            models.UniqueConstraint(
                fields=["brin", "vestiging"],
                condition=models.Q(kind="school"),
                name="unique_brin_vestiging",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation(self) -> Organisation:
        """An organisation is its own scope (the audit trail asks every object for one)."""
        return self

    @property
    def board(self) -> Organisation | None:
        """The board this node belongs to (itself for a board, None for the sector)."""
        if self.kind == OrganisationKind.BOARD:
            return self
        if self.kind == OrganisationKind.SCHOOL:
            return self.parent
        return None

    @property
    def brin6(self) -> str:
        return f"{self.brin}{self.vestiging}" if self.brin else ""

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        expected_parent = _PARENT_KIND[OrganisationKind(self.kind)]
        parent_kind = self.parent.kind if self.parent_id and self.parent else None
        if parent_kind != expected_parent:
            errors.setdefault("parent", []).append(
                ValidationError(
                    _("Een %(kind)s hoort onder een %(parent)s."),
                    params={
                        "kind": self.get_kind_display(),
                        "parent": OrganisationKind(expected_parent).label
                        if expected_parent
                        else _("niets (het is de top)"),
                    },
                )
            )
        if self.kind == OrganisationKind.BOARD and not self.bevoegd_gezag_number:
            errors.setdefault("bevoegd_gezag_number", []).append(
                ValidationError(_("Een bestuur heeft een bevoegd-gezagnummer."))
            )
        if self.kind == OrganisationKind.SCHOOL:
            if not self.brin:
                errors.setdefault("brin", []).append(
                    ValidationError(_("Een school heeft een BRIN-code."))
                )
            if not self.vestiging:
                errors.setdefault("vestiging", []).append(
                    ValidationError(_("Een school heeft een vestigingsnummer."))
                )
        if self.kind != OrganisationKind.BOARD and self.bevoegd_gezag_number:
            errors.setdefault("bevoegd_gezag_number", []).append(
                ValidationError(_("Alleen een bestuur heeft een bevoegd-gezagnummer."))
            )
        if self.kind != OrganisationKind.SCHOOL and (self.brin or self.vestiging):
            errors.setdefault("brin", []).append(
                ValidationError(_("Alleen een school heeft een BRIN-code en vestigingsnummer."))
            )
        errors.update(self._duplicate_identifier_errors())
        if errors:
            raise ValidationError(errors)

    def _duplicate_identifier_errors(self) -> dict[str, list[ValidationError]]:
        """Name the field of a taken identifier (the constraints only say "not unique")."""
        others = Organisation.objects.exclude(pk=self.pk)
        if (
            self.kind == OrganisationKind.BOARD
            and others.filter(
                kind=OrganisationKind.BOARD, bevoegd_gezag_number=self.bevoegd_gezag_number
            ).exists()
        ):
            return {
                "bevoegd_gezag_number": [
                    ValidationError(
                        _("Er is al een bestuur met bevoegd-gezagnummer %(value)s."),
                        params={"value": self.bevoegd_gezag_number},
                    )
                ]
            }
        if (
            self.kind == OrganisationKind.SCHOOL
            and others.filter(
                kind=OrganisationKind.SCHOOL, brin=self.brin, vestiging=self.vestiging
            ).exists()
        ):
            return {
                "brin": [
                    ValidationError(
                        _("Er is al een school met BRIN %(brin)s en vestiging %(vestiging)s."),
                        params={"brin": self.brin, "vestiging": self.vestiging},
                    )
                ]
            }
        return {}


class MembershipQuerySet(ScopedQuerySet["Membership"]):
    pass


class Membership(models.Model):
    """A user holding one role on one organisation node.

    Board and school roles hold for the node and everything below it; sector roles are held on
    the sector node and never reach a board's data. A user may hold several memberships, e.g. an
    external FG serving several boards.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("gebruiker"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisatie"),
    )
    role = models.CharField(_("rol"), max_length=32, choices=[(r.value, r.value) for r in Role])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()
    # Seeing who holds which role is part of managing members, not of reading board data.
    scope_area = "members"

    audit_fields: ClassVar[list[str]] = ["user", "organisation", "role"]

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.role_label} – {self.organisation}"

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    def clean(self) -> None:
        if not self.organisation_id:
            return
        sector_role = is_sector_role(self.role)
        on_sector = self.organisation.kind == OrganisationKind.SECTOR
        if sector_role and not on_sector:
            raise ValidationError(
                {
                    "role": _(
                        "Een sectorrol wordt op de sector gegeven, niet op een bestuur of school."
                    )
                }
            )
        if not sector_role and on_sector:
            raise ValidationError(
                {"role": _("Deze rol wordt op een bestuur of school gegeven, niet op de sector.")}
            )
