from django.urls import path

from schildwacht.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("basismaatregelen/", views.basismaatregelen, name="basismaatregelen"),
    path("groeipad/", views.groeipad, name="groeipad"),
    path("<int:pk>/", views.framework_detail, name="detail"),
    path("<int:pk>/import/", views.framework_import, name="import"),
    path("<int:pk>/export/<str:fmt>/", views.framework_export, name="export"),
]
