"""Pages of the incidents app under ``/incidenten/``.

Menu entries: ``incidents:list`` (the register, for its readers), ``incidents:report`` (report
an incident, for everyone with ``report:incidents``) and ``incidents:mine`` (own reports); see
``templatetags/incident_navigation.py``.
"""

from django.urls import path

from schildwacht.incidents.views import breaches, contacts, incidents, lists

app_name = "incidents"
urlpatterns = [
    path("", lists.incident_list, name="list"),
    path("melden/", incidents.report, name="report"),
    path("mijn-meldingen/", lists.my_report_list, name="mine"),
    path("datalekkenregister.xlsx", lists.breach_export, name="export"),
    path("cert-contact/", contacts.cert_contact, name="cert_contact"),
    path("<int:pk>/", incidents.detail, name="detail"),
    path("<int:pk>/deel/<slug:part>/", incidents.edit_part, name="edit_part"),
    path("<int:pk>/tijdlijn/", incidents.timeline_add, name="timeline_add"),
    path("<int:pk>/afsluiten/", incidents.close, name="close"),
    path("<int:pk>/heropenen/", incidents.reopen, name="reopen"),
    path("<int:pk>/verwijderen/", incidents.delete, name="delete"),
    path("<int:pk>/beoordeling/", breaches.assessment, name="assessment"),
    path("<int:pk>/advies/", breaches.advice, name="advice"),
    path("<int:pk>/melding-ap/", breaches.notification_document, name="notification_document"),
    path("<int:pk>/melding-ap.pdf", breaches.notification_pdf_download, name="notification_pdf"),
    path(
        "<int:pk>/melding-ap/vastleggen/", breaches.notification_record, name="notification_record"
    ),
    path("<int:pk>/brief/", breaches.letter, name="letter"),
    path("<int:pk>/cert/", breaches.cert, name="cert"),
    path("<int:pk>/cert/gedeeld/", breaches.cert_shared, name="cert_shared"),
    path("<int:pk>/maatregelen/", breaches.plan_measures, name="plan_measures"),
]
