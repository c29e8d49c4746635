from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django_tasks_db.apps import TasksAppConfig


class OpsConfig(AppConfig):
    # The app's own config: this module also holds TaskQueueConfig, and with two configs and no default Django would
    # install "gnb.ops" with a bare AppConfig (and skip ready() below).
    default = True
    name = "gnb.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # The alert service queues its deliveries with this task; the task module imports the service, so the
        # service learns of the task here rather than importing it.
        from gnb.core.alerts import alert_service_register
        from gnb.ops.alerts import services
        from gnb.ops.alerts.tasks import alert_deliver

        services.alert_delivery_task_register(alert_deliver)
        # Domain code raises its alerts through gnb.core.alerts, which hands them to this service.
        alert_service_register(services)


class TaskQueueConfig(TasksAppConfig):
    """django_tasks_db's app, named in the staff's language in the back office (its own name is English only)."""

    verbose_name = _("Task queue")  # type: ignore[assignment]  # lazy, as Django allows; the parent says str


# The task queue's back-office pages show the library's own words: its model's and fields' names and the task
# statuses, each named through gettext, with no translations shipped. Marked here, they are in our catalogues,
# which Django also reads for the library's strings.
LIBRARY_WORDS = (
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)
