from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("approvals/<int:pk>/decide/", views.decide_approval, name="decide_approval"),
    path("approvals/<int:pk>/withdraw/", views.withdraw_approval, name="withdraw_approval"),
    path("approvals/request/<int:opportunity_pk>/", views.request_approval, name="request_approval"),
]
