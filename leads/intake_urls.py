"""Public web-to-lead intake (no sign-in): the form page and the POST endpoint."""

from django.urls import path

from . import intake

app_name = "intake"

urlpatterns = [
    path("", intake.intake_form, name="form"),
    path("thanks/", intake.intake_thanks, name="thanks"),
    path("submit/", intake.intake_submit, name="submit"),
]
