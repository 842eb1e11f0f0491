from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("opportunities/bulk/", views.bulk_deals, name="bulk_deals"),
    path("leads/bulk/", views.bulk_leads, name="bulk_leads"),
    path("team/hand-over/", views.hand_over, name="hand_over"),
    path("views/save/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
]
