from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.LeadListView.as_view(), name="list"),
    path("new/", views.LeadCreateView.as_view(), name="new"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.LeadEditView.as_view(), name="edit"),
    path("<int:pk>/follow-ups/", views.log_follow_up, name="log_follow_up"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/convert-as-won/", views.convert_as_won, name="convert_as_won"),
    path("<int:pk>/disqualify/", views.disqualify, name="disqualify"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/decision-chain/", views.add_lead_contact, name="add_contact"),
    path("<int:pk>/decision-chain/<int:contact_pk>/remove/", views.remove_lead_contact, name="remove_contact"),
]
