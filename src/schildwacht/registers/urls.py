"""Pages of the registers app: the application register and the processing register."""

from django.urls import path

from schildwacht.registers import processing_views, views

app_name = "registers"
urlpatterns = [
    path("", views.index, name="index"),
    path("applicaties/", views.application_list, name="applications"),
    path("applicaties/applicaties.xlsx", views.application_export, name="application_export"),
    path("applicaties/nieuw/", views.application_create, name="application_create"),
    path("applicaties/importeren/", views.application_import, name="application_import"),
    path(
        "applicaties/sjabloon.xlsx",
        views.import_template,
        {"fmt": "xlsx"},
        name="import_template_xlsx",
    ),
    path(
        "applicaties/sjabloon.csv",
        views.import_template,
        {"fmt": "csv"},
        name="import_template_csv",
    ),
    path("applicaties/<int:pk>/", views.application_detail, name="application_detail"),
    path("applicaties/<int:pk>/bewerken/", views.application_edit, name="application_edit"),
    path("applicaties/<int:pk>/verwijderen/", views.application_delete, name="application_delete"),
    path("verwerkingen/", processing_views.activity_list, name="activities"),
    path(
        "verwerkingen/verwerkingen.xlsx", processing_views.activity_export, name="activity_export"
    ),
    path("verwerkingen/afdrukken/", processing_views.activity_print, name="activity_print"),
    path("verwerkingen/nieuw/", processing_views.activity_create, name="activity_create"),
    path("verwerkingen/<int:pk>/", processing_views.activity_detail, name="activity_detail"),
    path("verwerkingen/<int:pk>/bewerken/", processing_views.activity_edit, name="activity_edit"),
    path(
        "verwerkingen/<int:pk>/verwijderen/",
        processing_views.activity_delete,
        name="activity_delete",
    ),
]
