from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "gnb.fleet"
    verbose_name = _("Fleet and dispatch")

    def ready(self) -> None:
        from gnb.bookings import lifecycle
        from gnb.fleet import services

        # A booking that is cancelled, expires or is refunded frees its trips (drivers and vehicles), in the same
        # transaction as its status change.
        lifecycle.status_listener_register(services.trips_follow_booking)
