"""Pages of the suppliers app, under ``/leveranciers/``."""

from django.urls import path

from schildwacht.suppliers.views import agreements, catalogue, reviews

app_name = "suppliers"
urlpatterns = [
    path("", catalogue.supplier_list, name="list"),
    path("nieuw/", catalogue.supplier_create, name="create"),
    path("<int:pk>/", catalogue.supplier_detail, name="detail"),
    path("<int:pk>/bewerken/", catalogue.supplier_edit, name="edit"),
    path("<int:pk>/verwijderen/", catalogue.supplier_delete, name="delete"),
    path("<int:pk>/eigen-gegevens/", catalogue.supplier_own_detail, name="own_detail"),
    path("<int:pk>/beoordeling/", catalogue.central_review_start, name="central_review_start"),
    path("overeenkomsten/", agreements.agreement_list, name="agreements"),
    path(
        "overeenkomsten/verwerkersovereenkomsten.xlsx",
        agreements.agreement_export,
        name="agreements_export",
    ),
    path("overeenkomsten/nieuw/", agreements.agreement_create, name="agreement_create"),
    path("overeenkomsten/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("overeenkomsten/<int:pk>/bewerken/", agreements.agreement_edit, name="agreement_edit"),
    path(
        "overeenkomsten/<int:pk>/verwijderen/",
        agreements.agreement_delete,
        name="agreement_delete",
    ),
    path(
        "overeenkomsten/<int:pk>/document/",
        agreements.agreement_document,
        name="agreement_document",
    ),
    path(
        "overeenkomsten/<int:pk>/document/verwijderen/",
        agreements.agreement_document_remove,
        name="agreement_document_remove",
    ),
    path("overeenkomsten/<int:pk>/beoordeling/", agreements.review_start, name="review_start"),
    path("beoordelingen/<int:pk>/", reviews.review_detail, name="review"),
    path("beoordelingen/<int:pk>/onderdeel/<slug:code>/", reviews.review_item, name="review_item"),
    path("beoordelingen/<int:pk>/conclusie/", reviews.review_conclusion, name="review_conclusion"),
    path("beoordelingen/<int:pk>/heropenen/", reviews.review_reopen, name="review_reopen"),
]
