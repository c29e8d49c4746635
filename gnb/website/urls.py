"""Public website routes. Mounted under the language prefix (``/en/``, ``/tr/``, ``/ar/`` …) by ``config/urls.py``."""

from django.urls import path

from gnb.website import views

app_name = "website"

urlpatterns = [
    path("", views.home, name="home"),
    path("transfers/", views.transfer_results, name="results"),
    path("transfers/book/", views.transfer_book, name="transfer_book"),
    path("tours/", views.tour_list, name="tours"),
    path("tours/<slug:slug>/", views.tour_detail, name="tour"),
    path("tours/<slug:slug>/book/", views.tour_book, name="tour_book"),
    path("checkout/review/", views.checkout_review, name="review"),
    path("checkout/pay/", views.checkout_pay, name="pay"),
    path("manage/", views.manage_lookup, name="manage_lookup"),
    path("manage/<str:reference>/<str:token>/", views.manage, name="manage"),
    path("manage/<str:reference>/<str:token>/confirmed/", views.confirmation, name="confirmation"),
    path("manage/<str:reference>/<str:token>/change/", views.manage_change, name="manage_change"),
    path("manage/<str:reference>/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<str:reference>/<str:token>/payment/", views.manage_payment, name="payment"),
    path("manage/<str:reference>/<str:token>/voucher.pdf", views.manage_voucher, name="voucher"),
    path("manage/<str:reference>/<str:token>/booking.ics", views.manage_calendar, name="calendar"),
    path("about/", views.page, {"page": "about"}, name="about"),
    path("terms/", views.page, {"page": "terms"}, name="terms"),
    path("privacy/", views.page, {"page": "privacy"}, name="privacy"),
    path("cancellation-policy/", views.page, {"page": "cancellation"}, name="cancellation_policy"),
    path("contact/", views.contact, name="contact"),
]
