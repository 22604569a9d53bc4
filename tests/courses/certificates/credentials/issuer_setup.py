"""The site and the signing key every credential test runs with (``conftest.py`` sets them)."""

import base64

SITE = "https://certificates.example.org"
TEST_KEY = base64.b64encode(bytes(range(32))).decode()
