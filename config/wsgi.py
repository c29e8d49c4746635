import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# After its first request, the process's long-lived objects leave the garbage collector's full passes.
from gnb.core.heap import settle_after_first_request  # noqa: E402 - needs the settings loaded above

settle_after_first_request()
