"""Public web-to-lead intake (no sign-in); filled in by the automation work."""

from django.urls import path  # noqa: F401

app_name = "intake"

urlpatterns: list = []
