"""Tandems: seniors of a cohort paired with international students (docs/tandems.md)."""
