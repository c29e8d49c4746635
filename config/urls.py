from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import URLPattern, URLResolver, include, path

from config.api import api
from gnb.website import language
from gnb.website.sitemaps import SITEMAPS
from gnb.website.views import robots_txt

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # /health/live, /health/ready and /metrics: no language prefix, probes call them by a fixed path.
    path("", include("gnb.ops.urls")),
    # Provider webhooks and callbacks: fixed addresses registered at the providers, so no language prefix.
    path("payments/", include("gnb.payments.urls")),
    # The drivers' phone app: one address for the installed app, in the language the driver chose there.
    path("driver/", include("gnb.driver.urls")),
]
urlpatterns += [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    # "/" redirects to the remembered language or the browser's best; the switcher's links remember a choice.
    path("", language.root, name="language_root"),
    path("language/<str:code>/", language.choose, name="language_choose"),
]
# The public website: the language is the first part of every path (/en/, /tr/, /ar/ …).
urlpatterns += i18n_patterns(path("", include("gnb.website.urls")), prefix_default_language=True)

handler404 = "gnb.website.views.error_404"
