"""Payment providers: small folders behind :class:`base.PaymentProvider`, listed in :mod:`registry`."""
