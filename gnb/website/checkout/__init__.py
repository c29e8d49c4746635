"""The booking flow of the public site, one step per page (``steps``), and the traveller's booking in progress
between the details form and the pay step (``draft``): kept in the session as the validated order, never as prices.
Every step re-checks and re-prices through the booking services, so what is charged is always what the catalogue
says now.
"""

from gnb.website.checkout.methods import CASH, PaymentMethod, payment_methods

__all__ = ["CASH", "PaymentMethod", "payment_methods"]
