from django.urls import path

from gnb.driver import push, pwa, views

app_name = "driver"

urlpatterns = [
    path("", views.trips, name="trips"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/link/", views.sign_in_link_request, name="sign_in_link_request"),
    path("sign-in/link/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("language/", views.language, name="language"),
    path("offline.json", views.offline, name="offline"),
    path("trips/<int:trip_id>/", views.trip, name="trip"),
    path("trips/<int:trip_id>/sign/", views.sign, name="sign"),
    path("trips/<int:trip_id>/status", views.status, name="status"),
    path("trips/<int:trip_id>/cash", views.cash, name="cash"),
    path("push/subscribe", push.subscribe, name="push_subscribe"),
    path("push/unsubscribe", push.unsubscribe, name="push_unsubscribe"),
    # The installable app: served from /driver/ so the service worker's scope is the whole app.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
]
