from django.urls import path

from gnb.payments.providers.paytr import views

urlpatterns = [
    path("paytr/callback", views.callback, name="paytr_callback"),
]
