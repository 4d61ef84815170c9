from django.urls import path

from hotline.triage import views

urlpatterns = [
    path("alerts/", views.alert_list, name="triage-alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="triage-alert"),
    path("alerts/<int:pk>/acknowledge", views.alert_acknowledge, name="triage-alert-ack"),
    path("alerts/<int:pk>/merge", views.alert_merge, name="triage-alert-merge"),
    path("intake-assist", views.intake_assist, name="triage-intake-assist"),
]
