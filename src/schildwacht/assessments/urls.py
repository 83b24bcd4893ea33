from django.urls import path

from schildwacht.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("nieuw/", views.assessment_create, name="create"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/vergelijken/", views.assessment_compare, name="compare"),
    path("<int:pk>/normen/<str:norm_id>/", views.score_row, name="score"),
    path("<int:pk>/normen/<str:norm_id>/bewijs/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/<slug:step>/", views.assessment_step, name="step"),
    path("bewijs/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("bewijs/<int:evidence_pk>/verwijderen/", views.evidence_remove, name="evidence_remove"),
    path("trend/<int:org_id>/", views.assessment_trend, name="trend"),
    path("scholen/<int:org_id>/", views.schools, name="schools"),
]
