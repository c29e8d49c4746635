"""The app asks for push messages: the phone's subscription kept for the signed-in driver, field by field errors,
the CSRF token required, and the VAPID key on the page only when the operator set one."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from gnb.driver.tests.conftest import sign_in
from gnb.fleet.models import DriverPushSubscription
from gnb.fleet.push import vapid_keys_generate

pytestmark = pytest.mark.django_db

ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn-example"


def browser_keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
    return {"p256dh": encode(point), "auth": encode(b"16 bytes secret!")}


def post_json(client: Client, path: str, body: object, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_a_signed_in_driver_subscribes_and_unsubscribes_this_phone(ayse_client, day):
    keys = browser_keys()
    body = {"endpoint": ENDPOINT, "keys": keys}
    response = post_json(ayse_client, "/driver/push/subscribe", body, **{"User-Agent": "Firefox/133"})
    assert (response.status_code, response.json()) == (201, {"outcome": "subscribed"})
    kept = DriverPushSubscription.objects.get()
    assert (kept.driver, kept.endpoint, kept.p256dh, kept.auth, kept.user_agent) == (
        day.ayse,
        ENDPOINT,
        keys["p256dh"],
        keys["auth"],
        "Firefox/133",
    )

    response = post_json(ayse_client, "/driver/push/unsubscribe", {"endpoint": ENDPOINT})
    assert (response.status_code, response.json()) == (200, {"outcome": "unsubscribed"})
    assert not DriverPushSubscription.objects.exists()


def test_a_bad_subscription_is_refused_field_by_field(ayse_client):
    response = post_json(ayse_client, "/driver/push/subscribe", {"endpoint": "http://10.1.1.1/x", "keys": {}})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "endpoint": ["The endpoint must be the https address of a push service."],
        "keys.p256dh": ["The p256dh key must be an uncompressed P-256 public key, base64url."],
        "keys.auth": ["The auth secret must be 16 bytes, base64url."],
    }
    response = ayse_client.post("/driver/push/subscribe", "not json", content_type="application/json")
    assert (response.status_code, response.json()["fields"]) == (
        422,
        {"endpoint": ["Send the push subscription as JSON."]},
    )
    assert not DriverPushSubscription.objects.exists()


def test_signed_out_or_without_the_csrf_token_nothing_is_kept(client, day, on_the_day):
    body = {"endpoint": ENDPOINT, "keys": browser_keys()}
    response = post_json(client, "/driver/push/subscribe", body, Accept="application/json")
    assert response.status_code == 401

    strict = Client()
    sign_in(strict, day.ayse)
    strict.handler.enforce_csrf_checks = True
    assert post_json(strict, "/driver/push/subscribe", body).status_code == 403
    strict.get("/driver/")
    token = strict.cookies["csrftoken"].value
    assert post_json(strict, "/driver/push/subscribe", body, **{"X-CSRFToken": token}).status_code == 201
    assert DriverPushSubscription.objects.get().driver == day.ayse


def test_the_app_gets_the_vapid_key_only_when_push_is_configured(ayse_client, settings):
    settings.GNB_VAPID_PRIVATE_KEY, settings.GNB_VAPID_PUBLIC_KEY = vapid_keys_generate()
    page = ayse_client.get("/driver/").content.decode()
    assert f'data-vapid-key="{settings.GNB_VAPID_PUBLIC_KEY}"' in page
    settings.GNB_VAPID_PRIVATE_KEY = settings.GNB_VAPID_PUBLIC_KEY = ""
    assert "data-vapid-key" not in ayse_client.get("/driver/").content.decode()
