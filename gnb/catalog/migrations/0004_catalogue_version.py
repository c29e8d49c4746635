"""The catalogue's version row, and the triggers that change its token on every write to a catalogue table.

Tour departures are left out on purpose: every booking writes ``seats_taken``, and the departures calendar has its
own version (``gnb.website.selectors.departure_calendar_version``).
"""

from django.db import migrations, models

TABLES = (
    "catalog_zone",
    "catalog_place",
    "catalog_vehicleclass",
    "catalog_fare",
    "catalog_season",
    "catalog_extra",
    "catalog_tour",
    "catalog_tourpickupzone",
    "catalog_tourphoto",
    "catalog_coupon",
    "catalog_currency",
)


def _postgresql(table: str) -> list[str]:
    # One bump per statement, not per row: a bulk import of fares is one change.
    return [
        f"CREATE TRIGGER {table}_changes_catalogue AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION gnb_catalogue_changed()"
    ]


def _sqlite(table: str) -> list[str]:
    # SQLite has row triggers only, one per kind of write.
    return [
        f"CREATE TRIGGER {table}_changes_catalogue_{event.lower()} AFTER {event} ON {table} BEGIN "
        "UPDATE catalog_catalogueversion SET token = lower(hex(randomblob(16))), changed_at = CURRENT_TIMESTAMP "
        "WHERE id = 1; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO catalog_catalogueversion (id, token, changed_at) "
                "VALUES (1, gen_random_uuid()::text, now())"
            )
            cursor.execute(
                "CREATE FUNCTION gnb_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "UPDATE catalog_catalogueversion SET token = gen_random_uuid()::text, changed_at = now() "
                "WHERE id = 1; RETURN NULL; END $$"
            )
            statements = [sql for table in TABLES for sql in _postgresql(table)]
        elif connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO catalog_catalogueversion (id, token, changed_at) "
                "VALUES (1, lower(hex(randomblob(16))), CURRENT_TIMESTAMP)"
            )
            statements = [sql for table in TABLES for sql in _sqlite(table)]
        else:
            raise NotImplementedError(f"catalogue version triggers for {connection.vendor}")
        for sql in statements:
            cursor.execute(sql)


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_changes_catalogue ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS gnb_catalogue_changed()")
        elif connection.vendor == "sqlite":
            for table in TABLES:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_changes_catalogue_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_tour_pickup_times_and_photos"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64)),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="catalogue_version_single_row")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
