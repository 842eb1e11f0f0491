from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from api.urls import token_urlpatterns as api_token_urls

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("leads/", include("leads.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("customers/", include("customers.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("intake/", include("leads.intake_urls")),
    path("profile/", include("accounts.urls")),
    path("profile/api-tokens/", include((api_token_urls, "api_tokens"))),
    path("api/", include("api.urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
]
