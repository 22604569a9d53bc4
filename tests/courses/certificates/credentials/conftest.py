"""Credential tests sign with a fixed key for a fixed site, and share a certificate."""

from collections.abc import Iterator
from typing import Any

import pytest

from courses.certificates.credentials import keys
from courses.certificates.credentials.build import issue_credential
from courses.models import Certificate
from tests.courses.certificates.credentials.issuer_setup import SITE, TEST_KEY
from tests.helpers import issue_certificate


@pytest.fixture(autouse=True)
def _issuer(settings: Any) -> Iterator[None]:
    settings.SITE_URL = SITE
    settings.CERTIFICATE_SIGNING_KEY = TEST_KEY
    keys._load_key.cache_clear()
    yield
    keys._load_key.cache_clear()


@pytest.fixture
def certificate(enrolled: Any, assignment: Any) -> Certificate:
    return issue_certificate(enrolled, assignment)


@pytest.fixture
def credential(certificate: Certificate) -> dict[str, Any]:
    return issue_credential(certificate)
