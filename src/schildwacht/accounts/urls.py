from django.http import HttpResponse
from django.urls import include, path

app_name = "accounts"
urlpatterns = [
    path("login/", lambda r: HttpResponse(), name="login"),
    path("logout/", lambda r: HttpResponse(), name="logout"),
    path("mfa/setup/", lambda r: HttpResponse(), name="mfa_setup"),
    path("mfa/verify/", lambda r: HttpResponse(), name="mfa_verify"),
    # Sign-in through the board's identity provider lives in its own module.
    path("oidc/", include("schildwacht.accounts.oidc_urls")),
]
