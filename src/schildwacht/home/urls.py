from django.urls import path

from schildwacht.home import views

app_name = "home"
urlpatterns = [path("", views.start, name="start")]
