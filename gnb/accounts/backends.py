"""Signing in on the website with an email address (customers). Staff sign in to the back office by username
(Django's ``ModelBackend``) and are never let in here: the website sign-in must not become a way around the
back office's own sign-in and its second factor."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from gnb.accounts.selectors import customer_by_email


class EmailBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request, email: str | None = None, password: str | None = None, **kwargs
    ):
        if email is None or password is None:
            return None
        user = customer_by_email(email=email)
        if user is None:
            # Hash anyway, so an unknown address answers as slowly as a wrong password (no timing oracle).
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
