"""Probe and metrics URLs, outside any language prefix (``ProbeMiddleware`` answers them before the rest)."""

from django.urls import path

from gnb.ops import views

urlpatterns = [
    path("health/live", views.health_live, name="health-live"),
    path("health/ready", views.health_ready, name="health-ready"),
    path("metrics", views.metrics_view, name="metrics"),
]
