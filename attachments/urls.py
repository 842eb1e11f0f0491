from django.urls import path

from . import views

app_name = "attachments"

urlpatterns = [
    path("deal/<int:pk>/", views.upload_to_deal, name="upload_to_deal"),
    path("customer/<int:pk>/", views.upload_to_customer, name="upload_to_customer"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
