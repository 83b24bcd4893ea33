"""Pages of the dpia app under ``/dpia/``.

Other apps link to the pre-scan of an application or processing activity with
``{% url 'dpia:prescan_create' %}?applicatie=<id>`` or ``?verwerking=<id>``.
"""

from django.urls import path

from schildwacht.dpia.views import dpias, lists, prescans, rows, sector

app_name = "dpia"
urlpatterns = [
    path("", lists.dpia_list, name="list"),
    path("applicaties/", lists.application_list, name="applications"),
    path("pre-scans/", lists.prescan_list, name="prescans"),
    path("pre-scans/nieuw/", prescans.prescan_create, name="prescan_create"),
    path("pre-scans/<int:pk>/", prescans.prescan_detail, name="prescan_detail"),
    path("nieuw/", dpias.dpia_create, name="create"),
    path("<int:pk>/", dpias.dpia_detail, name="detail"),
    path("<int:pk>/deel/<slug:part>/", dpias.edit_part, name="edit_part"),
    path("<int:pk>/ter-advies/", dpias.submit_for_advice, name="submit"),
    path("<int:pk>/advies/", dpias.advice, name="advice"),
    path("<int:pk>/besluit/", dpias.decision, name="decision"),
    path("<int:pk>/nieuwe-versie/", dpias.new_version, name="new_version"),
    path("<int:pk>/verwijderen/", dpias.dpia_delete, name="delete"),
    path("<int:pk>/dpia.pdf", dpias.dpia_pdf_download, name="pdf"),
    path("<int:pk>/risicos/nieuw/", rows.risk_form, name="risk_create"),
    path("<int:pk>/risicos/<int:risk_pk>/", rows.risk_form, name="risk_edit"),
    path("<int:pk>/risicos/<int:risk_pk>/verwijderen/", rows.risk_delete, name="risk_delete"),
    path("<int:pk>/maatregelen/nieuw/", rows.measure_form, name="measure_create"),
    path("<int:pk>/maatregelen/<int:measure_pk>/", rows.measure_form, name="measure_edit"),
    path(
        "<int:pk>/maatregelen/<int:measure_pk>/verwijderen/",
        rows.measure_delete,
        name="measure_delete",
    ),
    path(
        "<int:pk>/maatregelen/<int:measure_pk>/naar-plan/",
        rows.measure_to_plan,
        name="measure_to_plan",
    ),
    path("sector/", sector.sector_list, name="sector_list"),
    path("sector/nieuw/", sector.sector_create, name="sector_create"),
    path("<int:pk>/publiceren/", sector.publish, name="publish"),
    path("<int:pk>/overnemen/", sector.adopt, name="adopt"),
]
