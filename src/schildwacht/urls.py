"""Top-level URL configuration."""

from django.urls import include, path
from django.views.i18n import set_language

from schildwacht.api import api

urlpatterns = [
    path("", include("schildwacht.home.urls")),
    path("accounts/", include("schildwacht.accounts.urls")),
    path("organisaties/", include("schildwacht.organisations.urls")),
    path("audit/", include("schildwacht.audit.urls")),
    path("normenkader/", include("schildwacht.frameworks.urls")),
    path("metingen/", include("schildwacht.assessments.urls")),
    path("plan/", include("schildwacht.planning.urls")),
    path("rapportage/", include("schildwacht.reports.urls")),
    path("registers/", include("schildwacht.registers.urls")),
    path("leveranciers/", include("schildwacht.suppliers.urls")),
    path("dpia/", include("schildwacht.dpia.urls")),
    path("risicos/", include("schildwacht.risks.urls")),
    path("incidenten/", include("schildwacht.incidents.urls")),
    path("mensen/", include("schildwacht.people.urls")),
    path("detectie/", include("schildwacht.detection.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
