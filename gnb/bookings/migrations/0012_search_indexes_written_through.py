"""The search's trigram indexes written through on each insert (``fastupdate = off``), their pending lists merged.

A GIN index with ``fastupdate`` keeps new rows in a pending list that every search reads from end to end until a vacuum
merges it: on a million bookings loaded row by row, 50-470 pages per index, 10-30 ms on each of the search's eight
index reads whatever the word (gnb.bookings.models.trigram_index).

How it is applied: on PostgreSQL only (the indexes exist only there, see 0010), in place, no rebuild.
``ALTER INDEX ... SET (fastupdate = off)`` takes a SHARE UPDATE EXCLUSIVE lock, which neither reads nor writes wait
for; ``gin_clean_pending_list()`` merges the list as a vacuum would, under the same lock (seconds). SQLite has no
such index: only the model state changes there.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

INDEXES = {
    "booking": [
        ("reference", "booking_reference_trgm"),
        ("lead_name", "booking_lead_name_trgm"),
        ("lead_email", "booking_lead_email_trgm"),
        ("lead_phone", "booking_lead_phone_trgm"),
    ],
    "passenger": [("first_name", "passenger_first_name_trgm"), ("last_name", "passenger_last_name_trgm")],
    "transferleg": [("flight_number", "leg_flight_number_trgm"), ("pickup_point", "leg_pickup_point_trgm")],
}
NAMES = [name for indexes in INDEXES.values() for _field, name in indexes]


def write_through(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"ALTER INDEX {schema_editor.quote_name(name)} SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


def buffer_again(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"ALTER INDEX {schema_editor.quote_name(name)} RESET (fastupdate)")


def state_operations() -> list[migrations.operations.base.Operation]:
    operations: list[migrations.operations.base.Operation] = []
    for model_name, indexes in INDEXES.items():
        for field, name in indexes:
            written_through = GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=name, fastupdate=False)
            operations += [
                migrations.RemoveIndex(model_name=model_name, name=name),
                migrations.AddIndex(model_name=model_name, index=written_through),
            ]
    return operations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0011_booking_sales_and_seats_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(write_through, buffer_again)],
            state_operations=state_operations(),
        )
    ]
