"""HTTP security headers that Django's SecurityMiddleware does not send: Content-Security-Policy and Permissions-Policy.

The policies themselves are settings (``CONTENT_SECURITY_POLICY``, ``PERMISSIONS_POLICY``, section "security" of
``config/settings.py``); this module only turns them into headers: written once per shape of response and process,
with each response's own nonce put in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# Where each analytics service loads its scripts from and sends its data to, by the setting that turns it on.
# analytics.js adds the scripts with createElement (no inline code), so host sources are all they need.
# Google Analytics 4: Google's "Use Tag Manager with a Content Security Policy" guide, GA4 section.
# Microsoft Clarity: the tag (www.clarity.ms) loads clarity.js from scripts.clarity.ms and sends to *.clarity.ms,
# with a c.bing.com pixel.
ANALYTICS_SOURCES: dict[str, dict[str, list[str]]] = {
    "GA4_MEASUREMENT_ID": {
        "script-src": ["https://*.googletagmanager.com"],
        "img-src": ["https://*.google-analytics.com", "https://*.googletagmanager.com"],
        "connect-src": [
            "https://*.google-analytics.com",
            "https://*.analytics.google.com",
            "https://*.googletagmanager.com",
        ],
    },
    "CLARITY_PROJECT_ID": {
        "script-src": ["https://*.clarity.ms"],
        "img-src": ["https://*.clarity.ms", "https://c.bing.com"],
        "connect-src": ["https://*.clarity.ms", "https://c.bing.com"],
    },
}


def analytics_sources() -> dict[str, list[str]]:
    """The extra CSP sources, by directive, of the analytics services configured (none when none is)."""
    sources: dict[str, list[str]] = {}
    for setting, directives in ANALYTICS_SOURCES.items():
        if getattr(settings, setting, ""):
            for directive, hosts in directives.items():
                sources.setdefault(directive, [])
                sources[directive] += [host for host in hosts if host not in sources[directive]]
    return sources


# Apps add CSP sources of their own (payments: the card providers' origins) from their AppConfig.ready; each
# returns them, by directive, as they are at the time of the response.
_SOURCE_PROVIDERS: dict[str, Callable[[], dict[str, list[str]]]] = {}


def csp_sources_register(name: str, provider: Callable[[], dict[str, list[str]]]) -> None:
    """Add the sources ``provider()`` returns to every response's policy (``name`` keeps a second registration from
    adding them twice)."""
    _SOURCE_PROVIDERS[name] = provider


def extra_sources() -> dict[str, list[str]]:
    sources = analytics_sources()
    for provider in _SOURCE_PROVIDERS.values():
        for directive, hosts in provider().items():
            sources.setdefault(directive, [])
            sources[directive] += [host for host in hosts if host not in sources[directive]]
    return sources


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the analytics hosts while GA4 or Clarity is configured, and the card
    providers' origins while they are enabled.

    The hosts are added per response from the settings as they are then, so the policy names them exactly when the
    site can load them: the site's pages add analytics.js only for visitors who consented.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        extra = extra_sources()
        if extra and not report_only:
            update: dict[str, Any] = dict(parts.update or {})
            for directive, hosts in extra.items():
                current = update.get(directive) or []
                update[directive] = [*([current] if isinstance(current, str) else current), *hosts]
            parts.update = update
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """The headers as django-csp writes them, kept per shape of response with the nonce left out.

        Writing the policy is the dearest layer of the middleware on every page and API answer (~80 µs of ~200);
        it depends only on the shape below, so it is written once per shape and process, and each answer gets its
        own nonce put in. A response the shape cannot describe (a view's own policy, an exemption, a header
        already set, DEBUG's exemptions) is written every time.
        """
        shape = self._shape(request, response)
        if shape is None:
            return self._with_policy(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        kept = _policies.get(shape)
        if kept is None:
            response = self._with_policy(request, response)
            source = f"'nonce-{nonce}'" if nonce else None
            kept = {
                header: response[header].replace(source, NONCE_KEPT) if source else response[header]
                for header in (HEADER, HEADER_REPORT_ONLY)
                if header in response
            }
            _policies[shape] = kept
            return response
        for header, policy in kept.items():
            response[header] = policy.replace(NONCE_KEPT, f"'nonce-{nonce}'") if nonce else policy
        if nonce is None:
            # As django-csp does: a nonce asked for after the header was written would not be in it.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

    def _with_policy(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        # django-csp writes the directives in set order, which changes from process to process; the order of
        # CONTENT_SECURITY_POLICY is easier to read and to compare.
        for header in (HEADER, HEADER_REPORT_ONLY):
            if header in response:
                response[header] = in_settings_order(response[header])
        return response

    @staticmethod
    def _shape(request: HttpRequest, response: HttpResponseBase) -> tuple[Any, ...] | None:
        """What the headers depend on besides the nonce, or None when that is more than this can tell."""
        if settings.DEBUG or HEADER in response or HEADER_REPORT_ONLY in response:
            return None
        if any(getattr(response, name, None) for name in _RESPONSE_POLICY_ATTRIBUTES):
            return None
        path = request.path_info
        excluded = tuple(
            path.startswith(tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()))
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        )
        extra = tuple((directive, tuple(hosts)) for directive, hosts in extra_sources().items())
        return getattr(request, "_csp_nonce", None) is not None, excluded, extra


# What a view's decorators set on its response (csp.decorators): its own policy, or none.
_RESPONSE_POLICY_ATTRIBUTES = (
    "_csp_exempt",
    "_csp_exempt_ro",
    "_csp_config",
    "_csp_config_ro",
    "_csp_update",
    "_csp_update_ro",
    "_csp_replace",
    "_csp_replace_ro",
)
# Where the nonce was, in a kept policy: no policy source contains a NUL.
NONCE_KEPT = "\x00nonce\x00"
# The headers of each shape of response, for this process; emptied when a setting changes (tests).
_policies: dict[tuple[Any, ...], dict[str, str]] = {}


@receiver(setting_changed)
def _forget_policies(**kwargs: object) -> None:
    _policies.clear()


def in_settings_order(policy: str) -> str:
    """The directives of a CSP header value in the order ``CONTENT_SECURITY_POLICY`` lists them (others last)."""
    order = list(getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {}))
    directives = [part.strip() for part in policy.split(";") if part.strip()]

    def position(directive: str) -> int:
        name = directive.split()[0]
        return order.index(name) if name in order else len(order)

    return "; ".join(sorted(directives, key=position))


def permissions_policy(policy: Mapping[str, Sequence[str]]) -> str:
    """The Permissions-Policy header for ``{feature: allowed origins}``: ``[]`` → ``camera=()``, ``["self",
    "https://js.stripe.com"]`` → ``payment=(self "https://js.stripe.com")``."""

    def origin(value: str) -> str:
        return value if value in ("self", "*") else f'"{value}"'

    return ", ".join(
        f"{feature}=({' '.join(origin(value) for value in allowed)})" for feature, allowed in policy.items()
    )


class PermissionsPolicyMiddleware:
    """Sends ``settings.PERMISSIONS_POLICY`` as the Permissions-Policy header of every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", None)
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions_policy(policy)
        return response
