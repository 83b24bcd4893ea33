"""URLs of the account pages. The names login, logout, mfa_setup and mfa_verify are used by the
middleware and the settings."""

from django.urls import include, path

from schildwacht.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    # Not under logout/: that prefix is open to password-only sessions (see the middleware).
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    # Sign-in through the board's identity provider lives in its own module.
    path("oidc/", include("schildwacht.accounts.oidc_urls")),
]
