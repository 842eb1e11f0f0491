from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import tokens, views

app_name = "api"

router = DefaultRouter()
router.register("leads", views.LeadViewSet, basename="lead")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
router.register("stages", views.StageViewSet, basename="stage")
router.register("loss-reasons", views.LossReasonViewSet, basename="loss-reason")
router.register("notifications", views.NotificationViewSet, basename="notification")

api_patterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from its own URL: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
# The API authenticates by itself (token or session) and answers 401 as JSON rather than
# redirecting to the sign-in page.
for pattern in api_patterns:
    if hasattr(pattern, "callback"):
        pattern.callback.login_required = False

urlpatterns = [
    path("", include(api_patterns)),
]

token_urlpatterns = [
    path("new/", tokens.create, name="token_create"),
    path("<int:pk>/revoke/", tokens.revoke, name="token_revoke"),
]
