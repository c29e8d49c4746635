"""Two refreshes with one refresh token at the same moment: exactly one succeeds, the other is reuse (PostgreSQL)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from gnb.accounts.api_tokens import TokenPair, token_issue, token_refresh
from gnb.accounts.models import RefreshToken, TokenFamily, User
from gnb.core.errors import Unauthenticated
from gnb.testing import races

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def race(refresh_token: str, threads: int) -> list[tuple[str, object]]:
    return races.race([lambda: token_refresh(refresh_token=refresh_token)] * threads, outcome=refreshed)


def refreshed(error: BaseException | None, pair: object) -> tuple[str, object]:
    if error is None:
        return ("refreshed", pair)
    if isinstance(error, Unauthenticated):
        return ("refused", error.message)
    return ("error", repr(error))  # anything else fails the test with its repr


@pytest.mark.parametrize("threads", [2, 20])
def test_concurrent_refreshes_with_one_token_let_exactly_one_through_and_revoke_the_family(threads):
    user = User.objects.create_user("anna", "anna@example.com", "correct horse battery staple 42")
    pair = token_issue(user=user)

    outcomes = race(pair.refresh_token, threads)

    assert Counter(kind for kind, _detail in outcomes) == {"refreshed": 1, "refused": threads - 1}
    assert {detail for kind, detail in outcomes if kind == "refused"} <= {
        "This refresh token is not valid; sign in again.",
        "This sign-in has ended; sign in again.",
    }
    # The losers were treated as reuse: the family is revoked, so even the winner's new token is refused.
    family = TokenFamily.objects.get()
    assert family.revoked_reason == "reuse"
    winner = next(detail for kind, detail in outcomes if kind == "refreshed")
    assert isinstance(winner, TokenPair)
    with pytest.raises(Unauthenticated):
        token_refresh(refresh_token=winner.refresh_token)
    # One token was claimed and exactly one successor written.
    assert RefreshToken.objects.filter(used_at__isnull=False).count() == 1
    assert RefreshToken.objects.count() == 2
