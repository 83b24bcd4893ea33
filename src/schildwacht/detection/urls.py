"""Pages of the detection app, under ``/detectie/``.

Menu entry: ``detection:overview`` for whoever reads a board's log analysis, ``detection:rules``
for the sector curator (see ``templatetags/detection_navigation.py``).
"""

from django.urls import path

from schildwacht.detection.views import alerts, overview, rules, uploads

app_name = "detection"
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("bronnen/<slug:source>/", overview.source_setting, name="source_setting"),
    path("uploaden/", uploads.upload, name="upload"),
    path("uploads/", uploads.upload_list, name="uploads"),
    path("uploads/<int:pk>/", uploads.upload_detail, name="upload_detail"),
    path("signalen/", alerts.alert_list, name="alerts"),
    path("signalen/<int:pk>/", alerts.alert_detail, name="alert_detail"),
    path("signalen/<int:pk>/status/", alerts.alert_status, name="alert_status"),
    path("signalen/<int:pk>/incident/", alerts.alert_incident, name="alert_incident"),
    path("regels/", rules.rules, name="rules"),
    path("regels/<int:pk>/", rules.rule_file, name="rule_file"),
    path("regels/<int:pk>/verwijderen/", rules.rule_file_delete, name="rule_file_delete"),
]
