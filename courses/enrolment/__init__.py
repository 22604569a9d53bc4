"""Enrolment: invitations with one-time links, bulk enrolment from a file, enrolment states
(docs/enrolment.md)."""
