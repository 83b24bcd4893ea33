from django.urls import path

from schildwacht.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("<int:org_id>/", views.organisation_dashboard, name="organisation"),
    path("<int:org_id>/bestuursrapport.pdf", views.board_report, name="board_report"),
    path("metingen/<int:pk>/export.xlsx", views.assessment_export, name="assessment_export"),
]
