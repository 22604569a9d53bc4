"""Applications: the public form, e-mail confirmation, screening and decisions, the wait list
(docs/applications.md)."""
