"""The fixtures every app's tests share live in gnb.testing (personas, the catalogue, stand-ins for outside
services); this registers them."""

pytest_plugins = ["gnb.testing.fixtures"]
