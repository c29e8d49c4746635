"""Alert channels: Slack, email and GitHub, each behind ``gnb.ops.alerts.base.Channel``."""
