"""The figures other modules give the basismaatregelen, found by the indicator name in the
catalogue (``basismaatregelen.yaml``: ``indicator: registers.completeness``).

A module that is not built yet has no entry; the overview then says the figure is to come.
The functions are imported when asked for, so the plan does not depend on every module at load.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Organisation

Indicator = Callable[[Any, Organisation], Coverage]

# indicator name -> (module path, function name, what the figure counts)
INDICATORS: dict[str, tuple[str, str, Promise]] = {
    "registers.completeness": (
        "schildwacht.registers.queries",
        "application_completeness",
        _("applicaties met eigenaar, contact leverancier, incidentplan en classificatie"),
    ),
    "risks.register": (
        "schildwacht.risks.queries",
        "risk_register_figure",
        _("risico's met eigenaar en gekozen behandeling (en een geldige acceptatie)"),
    ),
    # Basismaatregel 10 (detection app): sources set up that delivered within seven days.
    "detection.log_sources": (
        "schildwacht.detection.queries",
        "log_sources",
        _("logbronnen die de afgelopen zeven dagen gebeurtenissen leverden"),
    ),
    "suppliers.agreement_coverage": (
        "schildwacht.suppliers.queries",
        "agreement_coverage",
        _("applicaties met persoonsgegevens onder een geldige verwerkersovereenkomst"),
    ),
}


def indicator_figure(name: str, user: Any, organisation: Organisation) -> Coverage | None:
    """The figure of indicator ``name`` for ``organisation`` as ``user`` sees it, if built."""
    entry = INDICATORS.get(name)
    if entry is None:
        return None
    module, function, _label = entry
    figure: Indicator = getattr(import_module(module), function)
    return figure(user, organisation)


def indicator_label(name: str) -> Promise | None:
    entry = INDICATORS.get(name)
    return entry[2] if entry else None
