"""Pages of the risks app, under ``/risicos/``."""

from django.urls import path

from schildwacht.risks.views import catalogue, overview, register

app_name = "risks"
urlpatterns = [
    path("", register.risk_list, name="list"),
    path("risicoregister.xlsx", register.risk_export, name="export"),
    path("nieuw/", register.risk_create, name="create"),
    path("<int:pk>/", register.risk_detail, name="detail"),
    path("<int:pk>/bewerken/", register.risk_edit, name="edit"),
    path("<int:pk>/verwijderen/", register.risk_delete, name="delete"),
    path("<int:pk>/accepteren/", register.risk_accept, name="accept"),
    path("<int:pk>/acceptatie-intrekken/", register.risk_withdraw, name="withdraw"),
    path("heatmap/", overview.heat_map_page, name="heat_map"),
    path("matrix/", overview.matrix_page, name="matrix"),
    path("sjablonen/", catalogue.template_list, name="templates"),
    path("sjablonen/overnemen/", catalogue.adopt, name="adopt"),
    path("sjablonen/nieuw/", catalogue.template_create, name="template_create"),
    path("sjablonen/<int:pk>/", catalogue.template_detail, name="template_detail"),
    path("sjablonen/<int:pk>/bewerken/", catalogue.template_edit, name="template_edit"),
    path("sjablonen/<int:pk>/verwijderen/", catalogue.template_delete, name="template_delete"),
]
