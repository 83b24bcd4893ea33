from django.http import HttpResponse
from django.urls import path

app_name = "home"
urlpatterns = [path("", lambda r: HttpResponse(), name="start")]
