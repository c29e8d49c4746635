from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gnb.core"
    label = "core"
