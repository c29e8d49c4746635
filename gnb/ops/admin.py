"""The task queue's pages in the back office: django-tasks-db's own admin, with the labels it writes as plain text
(not through gettext) given in the staff's language.

The library's model, field and status names are translated through our catalogues (``gnb.ops.apps.LIBRARY_WORDS``);
its admin names three columns itself, in English: the task's name, the traceback and when it may run.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    @admin.display(description=_("task name"))
    def task_name(self, obj: DBTaskResult) -> str:
        return obj.task_name

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult) -> datetime | str:
        return super().display_run_after(obj)
