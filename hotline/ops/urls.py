"""Machine endpoints at the site root: /metrics and /healthz/ready (the liveness probe stays /healthz)."""

from django.urls import path

from hotline.ops import views

urlpatterns = [
    path("metrics", views.metrics_view, name="metrics"),
    path("healthz/ready", views.ready, name="healthz-ready"),
]
