from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "gnb.fleet"
    verbose_name = _("Fleet and dispatch")

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from gnb.bookings import lifecycle, policies
        from gnb.fleet import checks, selectors, services

        register(checks.driver_push_check, Tags.compatibility, deploy=True)

        # A booking that is cancelled, expires or is refunded frees its trips (drivers and vehicles), in the same
        # transaction as its status change.
        lifecycle.status_listener_register(services.trips_follow_booking)
        # The driver of a ride hears of a change to its flight, pickup point, names or contact.
        lifecycle.details_listener_register(services.trips_follow_booking_details)
        # The booking checks refuse a drop-off pickup that cannot reach the airport before the flight leaves.
        policies.drive_minutes_source_register(selectors.drive_minutes_between)
        # With flight tracking on, the booking checks ask whether the flight exists and lands at the airport.
        from gnb.fleet.flights import tracking

        policies.flight_lookup_register(tracking.flight_lookup_for_booking)
