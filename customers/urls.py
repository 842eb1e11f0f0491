from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.customer_new, name="new"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("contacts/<int:pk>/delete/", views.delete_contact, name="delete_contact"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path("pool/", views.PoolView.as_view(), name="pool"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/release/", views.release, name="release"),
]
