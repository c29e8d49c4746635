"""Provider webhooks and callbacks, mounted at /payments/ outside the language prefix (providers call fixed URLs).

Each provider's folder brings its own ``urls.py``; include it here.
"""

from django.urls import URLPattern, URLResolver, include, path

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("gnb.payments.providers.paytr.urls")),
    path("", include("gnb.payments.providers.stripe.urls")),
]
