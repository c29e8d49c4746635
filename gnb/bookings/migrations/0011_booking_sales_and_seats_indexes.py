"""Covering indexes for the dashboard's sales per day and the seats taken per tour departure.

Applied with CREATE INDEX CONCURRENTLY on PostgreSQL (atomic = False): on a million bookings each build takes tens of
seconds, during which bookings keep being written. On SQLite, a plain CREATE INDEX (no INCLUDE columns there).
"""

from django.conf import settings
from django.db import migrations, models

from gnb.core.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('accounts', '0003_api_tokens'),
        ('bookings', '0010_booking_search_and_list_indexes'),
        ('catalog', '0004_catalogue_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='booking',
            index=models.Index(fields=['created_at'], include=('status', 'total_base'), name='booking_created_sales'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='booking',
            index=models.Index(condition=models.Q(('tour_departure__isnull', False)), fields=['tour_departure', 'status'], include=('adults', 'children', 'infants'), name='booking_departure_seats'),
        ),
    ]
