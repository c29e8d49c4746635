"""On PostgreSQL, NOTIFY the workers (gnb/ops/worker.py) when a task row becomes READY: enqueued, or put back by the
reaper. The notification is delivered at commit, and identical ones in one transaction are sent once, so a bulk
enqueue wakes the workers once. SQLite has no NOTIFY: workers there poll."""

from django.db import migrations

CHANNEL = "gnb_task_ready"  # gnb.ops.worker.CHANNEL; a migration keeps its own copy of what it created
TABLE = "django_tasks_database_dbtaskresult"

CREATE = f"""
CREATE OR REPLACE FUNCTION gnb_notify_task_ready() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER gnb_task_enqueued AFTER INSERT ON {TABLE}
    FOR EACH ROW WHEN (NEW.status = 'READY') EXECUTE FUNCTION gnb_notify_task_ready();
CREATE TRIGGER gnb_task_requeued AFTER UPDATE OF status ON {TABLE}
    FOR EACH ROW WHEN (NEW.status = 'READY' AND OLD.status <> 'READY') EXECUTE FUNCTION gnb_notify_task_ready();
"""

DROP = f"""
DROP TRIGGER IF EXISTS gnb_task_requeued ON {TABLE};
DROP TRIGGER IF EXISTS gnb_task_enqueued ON {TABLE};
DROP FUNCTION IF EXISTS gnb_notify_task_ready();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
