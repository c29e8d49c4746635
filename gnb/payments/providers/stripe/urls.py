"""Stripe's fixed URL for its webhook, under /payments/ (outside the language prefix)."""

from django.urls import path

from gnb.payments.providers.stripe import views

urlpatterns = [
    path("stripe/webhook", views.webhook, name="stripe-webhook"),
]
