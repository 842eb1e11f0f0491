from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from accounts.security import csp_report
from accounts.views import PasswordResetView, SignInView, switch_language
from api.urls import token_urlpatterns as api_token_urls

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("csp-report/", csp_report, name="csp_report"),
    path("i18n/setlang/", login_not_required(switch_language), name="set_language"),
    # Browsers ask for /favicon.ico on every page whatever the <link> says.
    path("favicon.ico", views.favicon),
    path("", include("workspace.urls")),
    path("leads/", include("leads.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("customers/", include("customers.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("intake/", include("leads.intake_urls")),
    path("profile/", include("accounts.urls")),
    path("profile/api-tokens/", include((api_token_urls, "api_tokens"))),
    path("api/", include("api.urls")),
    path("files/", include("attachments.urls")),
    path("recycle-bin/", include("recyclebin.urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
]
