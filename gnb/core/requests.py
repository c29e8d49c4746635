"""The id of the request or task run the current code serves, for log lines and audit entries.

Set by ``gnb.ops.middleware`` for a request and by ``gnb.ops.logging``'s task signal receivers for a task run; read
by the log formatter and by ``gnb.core.audit``, which is why it lives in core.
"""

from __future__ import annotations

from contextvars import ContextVar

NO_REQUEST_ID = "-"
request_id_var: ContextVar[str] = ContextVar("gnb_request_id", default=NO_REQUEST_ID)


def current_request_id() -> str:
    """The id of the request or task run this code serves, or ``-``."""
    return request_id_var.get()
