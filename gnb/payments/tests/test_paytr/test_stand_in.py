"""The local PayTR used by these tests refuses what the real one refuses: a token signed with another key."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

from gnb.testing.paytr import MERCHANT_SALT, TOKEN_ORDER, hmac_b64


# --- the stand-in itself ----------------------------------------------------------------------------------
def test_the_local_paytr_refuses_a_token_signed_with_another_key(paytr_server):
    form = dict.fromkeys(TOKEN_ORDER, "1")
    form["paytr_token"] = hmac_b64("".join(form[name] for name in TOKEN_ORDER) + MERCHANT_SALT, key="another")
    url = paytr_server.url + "/odeme/api/get-token"
    request = urllib.request.Request(url, data=urlencode(form).encode())  # noqa: S310 - the local test server
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        answer = json.loads(response.read())
    assert answer == {"status": "failed", "reason": "paytr_token gecersiz"}
    assert paytr_server.bad_tokens == [form["paytr_token"]]
