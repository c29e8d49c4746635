"""Stripe card payments: Checkout Sessions, refunds, and the signed webhook."""
