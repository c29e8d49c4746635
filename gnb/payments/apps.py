from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "gnb.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from gnb.payments.checks import paytr_test_mode_check, stripe_api_base_check

        register(stripe_api_base_check, Tags.security, deploy=True)
        register(paytr_test_mode_check, Tags.security, deploy=True)

        # The card providers' origins in every response's Content-Security-Policy, while they are enabled.
        from gnb.core.security import csp_sources_register
        from gnb.payments.csp import payment_csp_sources

        csp_sources_register("payments", payment_csp_sources)
