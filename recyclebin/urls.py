from django.urls import path

from . import views

app_name = "recyclebin"

urlpatterns = [
    path("", views.recycle_bin, name="list"),
    path("<slug:kind>/<int:pk>/restore/", views.restore, name="restore"),
]
