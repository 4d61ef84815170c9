"""URLs of the call centre: the CTI endpoint and the /calls/ pages (mounted at the site root)."""

from django.urls import path

from hotline.calls import views

urlpatterns = [
    path("cti/v1/events", views.cti_events, name="cti-events"),
    path("calls/", views.home, name="calls-home"),
    path("calls/pop", views.pop, name="calls-pop"),
    path("calls/metrics/", views.metrics, name="calls-metrics"),
    path("calls/callbacks/", views.callback_queue, name="calls-callbacks"),
    path("calls/callbacks/<int:pk>/", views.callback_detail, name="calls-callback"),
    path("calls/c/<int:pk>/", views.call_detail, name="calls-call"),
]
