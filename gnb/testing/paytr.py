"""A local PayTR: an HTTP server speaking its get-token and refund protocol, and signed callbacks.

The server checks every ``paytr_token`` it receives with its own HMAC code written from PayTR's documentation (not
with the code under test), records each request, and answers as PayTR does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from gnb.bookings.models import Booking
from gnb.testing.bookings import transfer_request
from gnb.testing.payments import card_booking

MERCHANT_ID = "123456"
MERCHANT_KEY = "KEYkeyKEYkey1234"
MERCHANT_SALT = "SALTsaltSALT5678"
TOKEN_ORDER = (
    "merchant_id",
    "user_ip",
    "merchant_oid",
    "email",
    "payment_amount",
    "user_basket",
    "no_installment",
    "max_installment",
    "currency",
    "test_mode",
)


def hmac_b64(message: str, key: str = MERCHANT_KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def expected_token(form: dict[str, str]) -> str:
    return hmac_b64("".join(form[name] for name in TOKEN_ORDER) + MERCHANT_SALT)


def expected_refund_token(form: dict[str, str]) -> str:
    return hmac_b64(form["merchant_id"] + form["merchant_oid"] + form["return_amount"] + MERCHANT_SALT)


def signed_callback(merchant_oid: str, status: str, total_amount: str, **extra: str) -> dict[str, str]:
    """A callback form as PayTR posts it, with ``hash`` = base64(HMAC(key, oid + salt + status + total))."""
    form = {"merchant_oid": merchant_oid, "status": status, "total_amount": total_amount, **extra}
    form["hash"] = hmac_b64(merchant_oid + MERCHANT_SALT + status + total_amount)
    return form


@dataclass
class PaytrServer:
    url: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    bad_tokens: list[str] = field(default_factory=list)
    token_answer: dict | None = None
    refund_answer: dict | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: PaytrServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
            with state.lock:
                state.requests.append((self.path, form))
            if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                return self._json({"status": "failed", "reason": "not a form"})
            if self.path == "/odeme/api/get-token":
                if form.get("paytr_token") != expected_token(form):
                    state.bad_tokens.append(form.get("paytr_token", ""))
                    return self._json({"status": "failed", "reason": "paytr_token gecersiz"})
                return self._json(state.token_answer or {"status": "success", "token": "a1b2c3d4e5f6"})
            if self.path == "/odeme/iade":
                if form.get("paytr_token") != expected_refund_token(form):
                    state.bad_tokens.append(form.get("paytr_token", ""))
                    return self._json({"status": "error", "err_no": "003", "err_msg": "paytr_token hatali"})
                return self._json(
                    state.refund_answer
                    or {
                        "status": "success",
                        "is_test": "1",
                        "merchant_oid": form["merchant_oid"],
                        "return_amount": form["return_amount"],
                    }
                )
            self.send_response(404)
            self.end_headers()

        def _json(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    return Handler


def paytr_server_start() -> tuple[PaytrServer, ThreadingHTTPServer]:
    """Start a local PayTR on a free port; shut the returned server down when done."""
    state = PaytrServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return state, server


def lira_booking() -> Booking:
    return card_booking(request=transfer_request(currency="TRY"))


def kurus(amount: Decimal) -> str:
    return str(int(amount * 100))
