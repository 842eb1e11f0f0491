from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("funnel/", views.FunnelView.as_view(), name="funnel"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("conversion/", views.ConversionView.as_view(), name="conversion"),
    path("winloss/", views.WinLossView.as_view(), name="winloss"),
    path("team/", views.TeamView.as_view(), name="team"),
    path("quality/", views.QualityView.as_view(), name="quality"),
    path("inspection/", views.InspectionView.as_view(), name="inspection"),
    path("accuracy/", views.AccuracyView.as_view(), name="accuracy"),
    path("calibration/", views.CalibrationView.as_view(), name="calibration"),
    path("calibration/accept/", views.accept_calibration, name="accept_calibration"),
]
