from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    verbose_name = _("Catalogue")
    name = "gnb.catalog"
    label = "catalog"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from gnb.catalog import snapshot

        request_started.connect(snapshot.request_started_handler, dispatch_uid="catalogue-request-started")
        request_finished.connect(snapshot.request_finished_handler, dispatch_uid="catalogue-request-finished")
