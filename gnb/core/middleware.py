"""Keep the API's one error shape for answers produced before a request reaches an endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy

API_PREFIX = "/api/"
_MESSAGES = {
    404: ("not_found", gettext_lazy("No such API endpoint.")),
    405: ("method_not_allowed", gettext_lazy("Method not allowed here.")),
}


class ApiErrorShapeMiddleware:
    """An unknown ``/api/…`` path (Django's 404) or a wrong method (405) answers in JSON like every other 4xx."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in _MESSAGES
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = _MESSAGES[response.status_code]
            shaped = JsonResponse(
                {"error": {"code": code, "message": str(message), "fields": []}}, status=response.status_code
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
