"""What tests share, and only tests (the product's own code never imports it).

- ``fixtures``: the pytest plugin the root ``conftest.py`` registers (the catalogue, a person per role, the back
  office past its second factor, a local SMTP server);
- ``catalog``, ``bookings``, ``payments``, ``api``, ``website``, ``personas``, ``admin``: builders that go through
  the real services, request bodies, and the people tests act as;
- ``races``: attempts started together in threads, for the races proven on PostgreSQL;
- local stand-ins for outside services, spoken to by the real client libraries: ``stripe``, ``paytr``,
  ``servers`` (HTTP for Slack, GitHub and Sentry; SMTP), ``s3`` (moto's S3-compatible server);
- ``browser``, ``browser_fixtures``: the Playwright travellers and their fixtures; ``pdf``, ``metrics``, ``tasks``,
  ``backups``, ``caches``, ``environment``: small readers and settings the tests of several apps use.
"""
