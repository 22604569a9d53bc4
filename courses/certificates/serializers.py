"""What every API answer about a certificate says the same way: its status, the code of the
certificate that superseded it, and its public verification URL."""

from rest_framework import serializers

from courses.certificates.credentials.vocabulary import verification_url
from courses.models import Certificate


# The fields ``status``, ``superseded_by`` and ``verification_url`` of the API's certificate
# serializers, which name them in their own ``Meta.fields``. No docstring: the OpenAPI schema
# would take it as the description of every subclass that has none of its own.
class CertificateBaseSerializer(serializers.ModelSerializer[Certificate]):
    status = serializers.CharField()
    superseded_by = serializers.CharField(
        source="superseded_by.code", read_only=True, allow_null=True
    )
    verification_url = serializers.SerializerMethodField()

    def get_verification_url(self, certificate: Certificate) -> str:
        return verification_url(certificate)
