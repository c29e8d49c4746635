"""Indexes for a million bookings: the list's filters in pickup order, a customer's bookings, trigram search."""


import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations, models

from gnb.core.migration_ops import AddIndexOnPostgres, TrigramExtensionOnPostgres


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_api_tokens'),
        ('bookings', '0009_transferleg_flight_departure_at'),
        ('catalog', '0003_tour_pickup_times_and_photos'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # pg_trgm for the GIN trigram indexes below.
        TrigramExtensionOnPostgres(),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(fields=['payment_state', 'starts_at'], name='booking_payment_starts'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(fields=['kind', 'starts_at'], name='booking_kind_starts'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(fields=['vehicle_class', 'starts_at'], name='booking_vehicle_starts'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(fields=['customer', 'starts_at'], name='booking_customer_starts'),
        ),
        AddIndexOnPostgres(
            model_name='booking',
            index=django.contrib.postgres.indexes.GinIndex(fields=['reference'], name='booking_reference_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='booking',
            index=django.contrib.postgres.indexes.GinIndex(fields=['lead_name'], name='booking_lead_name_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='booking',
            index=django.contrib.postgres.indexes.GinIndex(fields=['lead_email'], name='booking_lead_email_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='booking',
            index=django.contrib.postgres.indexes.GinIndex(fields=['lead_phone'], name='booking_lead_phone_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='passenger',
            index=django.contrib.postgres.indexes.GinIndex(fields=['first_name'], name='passenger_first_name_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='passenger',
            index=django.contrib.postgres.indexes.GinIndex(fields=['last_name'], name='passenger_last_name_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='transferleg',
            index=django.contrib.postgres.indexes.GinIndex(fields=['flight_number'], name='leg_flight_number_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexOnPostgres(
            model_name='transferleg',
            index=django.contrib.postgres.indexes.GinIndex(fields=['pickup_point'], name='leg_pickup_point_trgm', opclasses=['gin_trgm_ops']),
        ),
    ]
