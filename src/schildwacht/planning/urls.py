from django.urls import path

from schildwacht.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.measure_list, name="list"),
    path("maatregelen.xlsx", views.measure_export, name="export"),
    path("bord/", views.measure_board, name="board"),
    path("nieuw/", views.measure_create, name="create"),
    path("<int:pk>/", views.measure_detail, name="detail"),
    path("<int:pk>/bewerken/", views.measure_edit, name="edit"),
    path("<int:pk>/verwijderen/", views.measure_delete, name="delete"),
    path("<int:pk>/status/", views.measure_status, name="status"),
    path("voortgang/<int:org_id>/", views.progress_page, name="progress"),
    path("basismaatregelen/<int:org_id>/", views.basismaatregelen_page, name="basismaatregelen"),
]
