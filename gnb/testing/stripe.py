"""A local stand-in for api.stripe.com and Stripe's hosted Checkout page, for tests and development.

It answers the Stripe API calls the provider makes, with the official client pointed at it (``STRIPE_API_BASE``):
``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/<id>``, ``POST /v1/checkout/sessions/<id>/expire`` and
``POST /v1/refunds``. Like Stripe it replays the first answer for a repeated ``Idempotency-Key``, and it records
every request (path, form parameters, headers) so tests can check what was sent. ``fail_with`` makes the next calls
answer with a Stripe error.

It also serves the Checkout page the session's URL points to: a "Pay" button that, like Stripe after a successful
card payment, sends the signed ``checkout.session.completed`` event to the site's webhook and then sends the
browser to the session's ``success_url``. Events are signed with the documented scheme, computed here with
``hmac`` rather than with the library under test: ``t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")``.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_standin"  # noqa: S105 - the stand-in's own test key
WEBHOOK_SECRET = "whsec_test_standin"  # noqa: S105


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


_ids = itertools.count(1)


def event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """A Stripe event (API version 2026-10-28) carrying ``obj`` as ``data.object``."""
    return {
        "id": event_id or f"evt_{next(_ids):06d}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": kind,
        "data": {"object": obj},
    }


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class StripeStandIn:
    """Start with ``with StripeStandIn() as stripe_api:``; ``base_url`` goes into ``STRIPE_API_BASE``."""

    webhook_url: str = ""
    webhook_secret: str = WEBHOOK_SECRET
    refund_status: str = "succeeded"
    # True: the Checkout page's "Pay" keeps the event until ``release()`` (a webhook that is late or not yet sent).
    hold_webhooks: bool = False
    held: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The PaymentIntent of each session: like Stripe's, a new session shows none until it is paid.
    intents: dict[str, str] = field(default_factory=dict)
    delivered: list[tuple[str, int]] = field(default_factory=list)  # (event type, webhook status) from the page
    _failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _replies: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> StripeStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                stand_in._handle(self, "GET")

            def do_POST(self) -> None:
                stand_in._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- what tests use -------------------------------------------------------------------------------------
    def fail_with(self, status: int, error_type: str, message: str = "refused", *, times: int = 1, **extra) -> None:
        """Answer the next ``times`` API calls with a Stripe error of ``error_type`` (e.g. ``card_error``)."""
        for _ in range(times):
            self._failures.append((status, {"error": {"type": error_type, "message": message, **extra}}))

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def session_completed_event(self, session_id: str, **changes: Any) -> dict[str, Any]:
        """The ``checkout.session.completed`` event Stripe sends once the session is paid."""
        paid = {"status": "complete", "payment_status": "paid", "payment_intent": self.intents[session_id]}
        return event("checkout.session.completed", dict(self.sessions[session_id]) | paid | changes)

    def intent_event(self, kind: str, session_id: str, **changes: Any) -> dict[str, Any]:
        """A ``payment_intent.*`` event about the session's PaymentIntent (``succeeded`` or ``payment_failed``)."""
        session = self.sessions[session_id]
        intent = {
            "id": self.intents[session_id],
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": session["amount_total"] if kind == "payment_intent.succeeded" else 0,
            "currency": session["currency"],
            "metadata": dict(session["payment_intent_metadata"]),
            "status": "succeeded" if kind == "payment_intent.succeeded" else "requires_payment_method",
        }
        if kind == "payment_intent.payment_failed":
            intent["last_payment_error"] = {"code": "card_declined", "message": "Your card was declined."}
        return event(kind, intent | changes)

    def deliver(self, evt: dict[str, Any]) -> int:
        """POST the signed event to the site's webhook, as Stripe does; returns the HTTP status."""
        payload = json.dumps(evt)
        request = urllib.request.Request(  # noqa: S310 - the site's webhook URL in a test
            self.webhook_url,
            data=payload.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, self.webhook_secret)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - a local test URL
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.delivered.append((evt["type"], status))
        return status

    def release(self) -> list[int]:
        """Deliver the events the Checkout page held back; returns the webhook's statuses."""
        held, self.held = self.held, []
        return [self.deliver(evt) for evt in held]

    # --- the server -----------------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        params = dict(parse_qsl(body if method == "POST" else parts.query, keep_blank_values=True))
        if parts.path.startswith("/checkout/"):
            return self._checkout_page(request, method, parts.path, params)
        with self._lock:
            self.requests.append(Recorded(method, parts.path, params, dict(request.headers.items())))
            key = request.headers.get("Idempotency-Key")
            replay_key = f"{method} {parts.path} {key}"
            if key and replay_key in self._replies:
                status, payload = self._replies[replay_key]
            elif self._failures:
                status, error = self._failures.pop(0)
                payload = json.dumps(error).encode()
            else:
                status, answer = self._api(method, parts.path, params)
                payload = json.dumps(answer).encode()
                if key and status < 500:
                    self._replies[replay_key] = (status, payload)
        self._send(request, status, payload, "application/json")

    def _api(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        segments = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        if segments[:3] == ["v1", "checkout", "sessions"] and len(segments) >= 4:
            session = self.sessions.get(segments[3])
            if session is None:
                return 404, _error("invalid_request_error", f"No such checkout.session: '{segments[3]}'")
            if method == "GET" and len(segments) == 4:
                return 200, session
            if method == "POST" and segments[4:] == ["expire"]:
                if session["status"] != "open":
                    return 400, _error("invalid_request_error", "Only open sessions can be expired.")
                session["status"] = "expired"
                return 200, session
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, params: dict[str, str]) -> dict[str, Any]:
        number = next(_ids)
        session_id = f"cs_test_{number:06d}"
        quantity = int(params.get("line_items[0][quantity]", "1"))
        amount = int(params["line_items[0][price_data][unit_amount]"]) * quantity
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "amount_total": amount,
            "currency": params["line_items[0][price_data][currency]"],
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": _nested(params, "metadata"),
            "payment_intent_metadata": _nested(params, "payment_intent_data[metadata]"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "expires_at": int(params["expires_at"]) if params.get("expires_at") else None,
            "url": f"{self.base_url}/checkout/{session_id}",
        }
        self.sessions[session_id] = session
        self.intents[session_id] = f"pi_test_{number:06d}"
        return session

    def _create_refund(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        intent = params.get("payment_intent", "")
        session_id = next((sid for sid, pi in self.intents.items() if pi == intent), None)
        if session_id is None:
            return 404, _error("invalid_request_error", f"No such payment_intent: '{intent}'", code="resource_missing")
        refund_id = f"re_test_{next(_ids):06d}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": int(params["amount"]),
            "currency": self.sessions[session_id]["currency"],
            "payment_intent": intent,
            "metadata": _nested(params, "metadata"),
            "reason": params.get("reason"),
            "status": self.refund_status,
        }
        self.refunds[refund_id] = refund
        return 200, refund

    def _checkout_page(self, request: BaseHTTPRequestHandler, method: str, path: str, params: dict) -> None:
        session_id = path.split("/")[2]
        session = self.sessions.get(session_id)
        if session is None:
            return self._send(request, 404, b"no such session", "text/plain")
        if method == "GET":
            page = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
                "<title>Checkout (stand-in)</title></head>"
                f"<body><h1>Pay {session['amount_total'] / 100:.2f} {html.escape(session['currency'].upper())}</h1>"
                f"<form method='post' action='/checkout/{session_id}/pay'><button type='submit'>Pay</button></form>"
                "</body></html>"
            )
            return self._send(request, 200, page.encode(), "text/html; charset=utf-8")
        # The card was charged: Stripe tells the site by webhook, then sends the traveller back.
        session.update(status="complete", payment_status="paid", payment_intent=self.intents[session_id])
        completed = self.session_completed_event(session_id)
        if self.hold_webhooks:
            self.held.append(completed)
        else:
            self.deliver(completed)
        request.send_response(303)
        request.send_header("Location", session["success_url"])
        request.send_header("Content-Length", "0")
        request.end_headers()

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, payload: bytes, content_type: str) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Request-Id", "req_standin")
        request.end_headers()
        request.wfile.write(payload)


def _error(error_type: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"type": error_type, "message": message, **extra}}


def _nested(params: dict[str, str], prefix: str) -> dict[str, str]:
    """``metadata[payment_id]=7`` form parameters as ``{"payment_id": "7"}``."""
    start = f"{prefix}["
    return {key[len(start) : -1]: value for key, value in params.items() if key.startswith(start) and key.endswith("]")}
