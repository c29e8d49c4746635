"""Operational alerts: one message when an incident starts, one when it ends, to Slack, email and GitHub."""
