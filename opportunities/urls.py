from django.urls import path

from . import views

app_name = "opportunities"

urlpatterns = [
    path("", views.OpportunityListView.as_view(), name="list"),
    path("export.csv", views.export_csv, name="export"),
    path("board/", views.board, name="board"),
    path("new/customer/<int:customer_pk>/", views.new_for_customer, name="new_for_customer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.OpportunityEditView.as_view(), name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/pipeline/", views.change_pipeline, name="change_pipeline"),
    path("<int:pk>/evaluation/", views.evaluate, name="evaluate"),
    path("<int:pk>/follow-ups/", views.log_follow_up, name="log_follow_up"),
    path("<int:pk>/objections/", views.add_objection, name="add_objection"),
    path("<int:pk>/objections/<int:objection_pk>/resolve/", views.resolve_objection, name="resolve_objection"),
    path("<int:pk>/contacts/", views.add_contact, name="add_contact"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.update_contact, name="update_contact"),
    path("<int:pk>/follow-on/", views.follow_on, name="follow_on"),
    path("<int:opportunity_pk>/approval/", views.request_approval, name="request_approval"),
    path("approvals/<int:pk>/decide/", views.decide_approval, name="decide_approval"),
    path("approvals/<int:pk>/withdraw/", views.withdraw_approval, name="withdraw_approval"),
    path("<int:pk>/forecast-category/", views.set_forecast_category, name="forecast_category"),
    path("<int:pk>/forecast-judgement/", views.judge_forecast_category, name="forecast_judgement"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("follow-ups/<int:activity_pk>/delete/", views.delete_follow_up, name="delete_follow_up"),
]
