"""Certificates: issued when a program's rule is met, verified by anyone, managed by coordinators.

Entry points: ``services`` (``issue_certificate_if_complete``, ``issue_certificate``,
``approve_certificate``, ``revoke_certificate``, ``reissue_certificate``, ``unfreeze_grades``,
``refreeze_grades``); the pages in ``views`` (holders and the public), ``coordinator_views``
and ``freeze_views``, with their URLs in ``urls``; the API in ``api`` and ``coordinator_api``;
the documents in ``pdf``, ``qr`` and ``credentials`` (signed Open Badges 3.0 credentials);
the holder's e-mails in ``notifications``. The models stay in ``courses.models``.
docs/certificates.md describes it all.
"""
