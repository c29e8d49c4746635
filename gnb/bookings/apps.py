from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "gnb.bookings"
    label = "bookings"
