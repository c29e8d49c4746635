from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, using: str = "default", **kwargs) -> None:
    # post_migrate is sent once per app, after that app's permissions are created; the roles name permissions of
    # every app, so they are synced when the last app's signal is sent.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label != last.label:
        return
    from gnb.accounts.roles import roles_sync

    roles_sync(using=using)


class AccountsConfig(AppConfig):
    name = "gnb.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="gnb.accounts.sync_roles")
        # The outbox (gnb.core.outbox) learns here which task sends the account emails.
        from gnb.accounts.tasks import account_email_arguments, send_account_email
        from gnb.core.outbox import ACCOUNT_KINDS, email_senders_register

        email_senders_register(ACCOUNT_KINDS, task=send_account_email, arguments=account_email_arguments)
