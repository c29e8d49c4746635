from django.apps import AppConfig


class PaytrConfig(AppConfig):
    """An app only so its iFrame template and stylesheet are found; it has no models."""

    name = "gnb.payments.providers.paytr"
    label = "payments_paytr"
    verbose_name = "PayTR"
