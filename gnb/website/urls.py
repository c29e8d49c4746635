"""Public website routes. Mounted under the language prefix (``/en/``, ``/tr/``, ``/ar/`` …) by ``config/urls.py``."""

from django.urls import path

from gnb.privacy import views as privacy_views
from gnb.website import account_views as account
from gnb.website import views

app_name = "website"

urlpatterns = [
    path("", views.home, name="home"),
    path("transfers/", views.transfer_results, name="results"),
    path("transfers/book/", views.transfer_book, name="transfer_book"),
    path("transfers/group-quote/", views.group_quote, name="group_quote"),
    path("tours/", views.tour_list, name="tours"),
    path("tours/<slug:slug>/", views.tour_detail, name="tour"),
    path("tours/<slug:slug>/book/", views.tour_book, name="tour_book"),
    path("checkout/review/", views.checkout_review, name="review"),
    path("manage/", views.manage_lookup, name="manage_lookup"),
    path("manage/<str:reference>/<str:token>/", views.manage, name="manage"),
    path("manage/<str:reference>/<str:token>/confirmed/", views.confirmation, name="confirmation"),
    path("manage/<str:reference>/<str:token>/change/", views.manage_change, name="manage_change"),
    path("manage/<str:reference>/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<str:reference>/<str:token>/payment/", views.manage_payment, name="payment"),
    path("manage/<str:reference>/<str:token>/voucher.pdf", views.manage_voucher, name="voucher"),
    path("manage/<str:reference>/<str:token>/booking.ics", views.manage_calendar, name="calendar"),
    path("account/", account.home, name="account"),
    path("account/sign-up/", account.signup, name="account_signup"),
    path("account/verify/resend/", account.verify_resend, name="account_verify_resend"),
    path("account/verify/<str:token>/", account.verify, name="account_verify"),
    path("account/sign-in/", account.login_view, name="account_login"),
    path("account/sign-in/link/", account.sign_in_link_request, name="account_sign_in_link_request"),
    path("account/sign-in/link/<str:token>/", account.sign_in_link, name="account_sign_in_link"),
    path("account/sign-out/", account.logout_view, name="account_logout"),
    path("account/password/reset/", account.password_reset, name="account_password_reset"),
    path(
        "account/password/reset/<str:uid>/<str:token>/",
        account.password_reset_confirm,
        name="account_password_reset_confirm",
    ),
    path("account/password/", account.password_change, name="account_password_change"),
    path("account/email/", account.email_change, name="account_email_change"),
    path("account/email/confirm/<str:token>/", account.email_confirm, name="account_email_confirm"),
    path("account/bookings/", account.bookings, name="account_bookings"),
    path("account/bookings/<str:reference>/", account.booking, name="account_booking"),
    path("account/passengers/", account.passengers, name="account_passengers"),
    path("account/passengers/<int:passenger_id>/", account.passenger_edit, name="account_passenger_edit"),
    path("account/passengers/<int:passenger_id>/delete/", account.passenger_delete, name="account_passenger_delete"),
    path("account/export.json", account.export, name="account_export"),
    path("account/delete/", account.delete, name="account_delete"),
    path("about/", views.page, {"page": "about"}, name="about"),
    path("terms/", views.page, {"page": "terms"}, name="terms"),
    path("privacy/", views.page, {"page": "privacy"}, name="privacy"),
    path("cookies/", views.page, {"page": "cookies"}, name="cookies"),
    path("cookies/consent/", privacy_views.consent, name="consent"),
    path("cancellation-policy/", views.page, {"page": "cancellation"}, name="cancellation_policy"),
    path("contact/", views.contact, name="contact"),
]
