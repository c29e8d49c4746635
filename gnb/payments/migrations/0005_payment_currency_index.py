"""An index on the payments' currency, for the payments list's currency filter.

Applied with CREATE INDEX CONCURRENTLY on PostgreSQL (atomic = False): payments keep being written while it is built.
On SQLite, a plain CREATE INDEX.
"""

from django.conf import settings
from django.db import migrations, models

from gnb.core.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('payments', '0004_reconciliation_day_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='payment',
            index=models.Index(fields=['currency'], name='payment_currency'),
        ),
    ]
