"""How urgent each kind of background task is: the worker takes the highest priority first.

django-tasks-db orders ready tasks by ``priority`` descending, then by ``run_after`` and ``enqueued_at``, so a burst of
low-priority work (a marketing day's confirmation emails) never delays a payment or an alert queued after it. Give
every ``@task`` one of these, never a bare number, so the order between kinds is decided in this one place.
"""

from __future__ import annotations

# Money and alarms: applying a provider's payment event, payment follow-ups, alerts to the operator.
URGENT = 50
# A provider's second word on a payment another of its events settles (Stripe's payment_intent.succeeded beside
# checkout.session.completed): behind the events that make a payment visible, so a burst of both is applied
# completions first, and still before any email.
FOLLOW_UP = 30
# What a traveller or a driver waits for right now: confirmation emails, driver notices.
PROMPT = 10
# The default of django-tasks.
NORMAL = 0
# Housekeeping a person does not wait for: retention, reports, backups, polling.
BULK = -50
