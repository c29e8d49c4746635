from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    verbose_name = _("Catalogue")
    name = "gnb.catalog"
    label = "catalog"
