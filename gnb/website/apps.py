from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "gnb.website"
    verbose_name = "Website"
