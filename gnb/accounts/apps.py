from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gnb.accounts"
    label = "accounts"
