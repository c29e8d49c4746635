from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "gnb.ops"
    label = "ops"
    verbose_name = "Operations"
