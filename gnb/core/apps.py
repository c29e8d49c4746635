from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gnb.core"
    label = "core"
    # What staff find under it in the back office: the audit log.
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from gnb.core.checks import shared_cache_check

        register(shared_cache_check, Tags.security, Tags.caches, deploy=True)

        # The audit log's receivers (see gnb/core/signals.py for why these are signals).
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import m2m_changed, post_save, pre_save

        from gnb.core import audit, signals

        user_model = get_user_model()
        request_started.connect(audit.request_started_receiver, dispatch_uid="gnb.core.audit.request_started")
        request_finished.connect(audit.request_finished_receiver, dispatch_uid="gnb.core.audit.request_finished")
        user_logged_in.connect(signals.login_receiver, dispatch_uid="gnb.core.audit.login")
        user_logged_out.connect(signals.logout_receiver, dispatch_uid="gnb.core.audit.logout")
        user_login_failed.connect(signals.login_failed_receiver, dispatch_uid="gnb.core.audit.login_failed")
        pre_save.connect(signals.user_pre_save_receiver, sender=user_model, dispatch_uid="gnb.core.audit.user_pre")
        post_save.connect(signals.user_post_save_receiver, sender=user_model, dispatch_uid="gnb.core.audit.user_post")
        for through in signals.connect_relations():
            m2m_changed.connect(
                signals.m2m_changed_receiver, sender=through, dispatch_uid=f"gnb.core.audit.m2m.{through._meta.label}"
            )
