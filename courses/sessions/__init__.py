"""A module's sessions per cohort, registration and attendance (docs/sessions.md)."""
