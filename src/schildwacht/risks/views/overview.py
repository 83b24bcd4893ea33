"""The heat map (inherent and residual) and the board's own names in the risk matrix."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.risks import services
from schildwacht.risks.forms import MatrixLabelsForm, add_errors
from schildwacht.risks.heatmap import table_rows
from schildwacht.risks.matrix import board_for, matrix_for
from schildwacht.risks.queries import heat_map_counts, risks_for_user
from schildwacht.risks.reference import default_matrix
from schildwacht.risks.views.common import active_organisation, refused


@login_required
@require_safe
def heat_map_page(request: HttpRequest) -> HttpResponse:
    """Two 5 × 5 grids: risks per cell before and after measures, with data tables."""
    organisation = active_organisation(request)
    counts = heat_map_counts(risks_for_user(request.user, organisation))
    matrix = matrix_for(organisation)
    return render(
        request,
        "risks/heat_map.html",
        {
            "organisation": organisation,
            "counts": counts,
            "matrix": matrix,
            "bands": default_matrix().bands,
            "inherent_rows": table_rows(counts.inherent, matrix.likelihood),
            "residual_rows": table_rows(counts.residual, matrix.likelihood),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def matrix_page(request: HttpRequest) -> HttpResponse:
    """The matrix of the active board: levels, descriptions and bands; whoever changes the
    board's risks may give the levels the board's own names (or go back to the default)."""
    organisation = active_organisation(request)
    board = board_for(organisation)
    actor = Actor.for_user(request.user)
    may_change = services.may(actor, board)
    matrix = matrix_for(board)
    form = MatrixLabelsForm(request.POST or None, matrix=matrix)
    if request.method == "POST":
        if not may_change:
            return refused(
                request, _("U mag de risicomatrix van %(name)s niet wijzigen.") % {"name": board}
            )
        try:
            if "standaard" in request.POST:
                services.reset_matrix_labels(actor, board)
                messages.success(request, _("De matrix gebruikt weer de standaardnamen."))
                return redirect("risks:matrix")
            if form.is_valid():
                services.save_matrix_labels(
                    actor,
                    board,
                    likelihood_labels=form.labels("likelihood"),
                    impact_labels=form.labels("impact"),
                )
                messages.success(request, _("De namen in de matrix zijn opgeslagen."))
                return redirect("risks:matrix")
        except ValidationError as error:
            add_errors(form, error)
    return render(
        request,
        "risks/matrix.html",
        {
            "board": board,
            "matrix": matrix,
            "bands": [
                (band, *default_matrix().band_range(band.code)) for band in default_matrix().bands
            ],
            "form": form,
            "may_change": may_change,
        },
    )
