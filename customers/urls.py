from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("contacts/<int:pk>/delete/", views.delete_contact, name="delete_contact"),
]
