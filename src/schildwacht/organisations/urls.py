from django.urls import path

from schildwacht.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("wisselen/", views.switch_organisation, name="switch"),
    path("<int:org_id>/", views.organisation_detail, name="detail"),
    path("<int:org_id>/leden/toevoegen/", views.member_add, name="member_add"),
    path(
        "<int:org_id>/leden/<int:membership_id>/intrekken/",
        views.member_remove,
        name="member_remove",
    ),
]
