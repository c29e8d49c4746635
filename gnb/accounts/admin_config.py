from django.contrib.admin.apps import AdminConfig


class GnbAdminConfig(AdminConfig):
    """The admin, with ``admin.site`` being :class:`gnb.accounts.admin_site.GnbAdminSite` (password and a second
    factor for every staff account), so every app's ``admin.register`` lands on it."""

    default_site = "gnb.accounts.admin_site.GnbAdminSite"
