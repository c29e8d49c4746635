from django.apps import AppConfig


class CatalogConfig(AppConfig):
    verbose_name = "Catalogue"
    name = "gnb.catalog"
    label = "catalog"
