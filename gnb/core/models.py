from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    # A default rather than auto_now_add, so a service can record the moment it was told ("now=") and history
    # imported or replayed keeps its real time.
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MoneyField(models.DecimalField):
    """An amount of money: Decimal with two places, up to 99,999,999.99."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)
