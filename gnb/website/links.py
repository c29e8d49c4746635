"""Absolute links into the public website: built in :mod:`gnb.core.links`, below every app that needs one."""

from gnb.core.links import booking_manage_path, booking_manage_url, booking_payment_url

__all__ = ["booking_manage_path", "booking_manage_url", "booking_payment_url"]
