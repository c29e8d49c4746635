from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gnb.notifications"
    label = "notifications"
