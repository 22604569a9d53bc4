"""Cohorts run for a client organisation and their read-only report (docs/client-reports.md)."""
