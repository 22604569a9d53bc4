"""How long the free texts people store may be, in characters (docs/api.md lists them).

One number per kind of text, used by every form, serializer and service that takes it, so the
page and the API refuse the same text with a clear error (a form error, a 400 naming the
field) instead of storing a megabyte someone pasted. Generous for what each text is for.
"""

FEEDBACK_CHARS = 20_000
"""A review's overall feedback."""

COMMENT_CHARS = 5_000
"""A comment on a cell, test or rubric criterion; a regrade request's reason and the grader's
note resolving it; the notes of a data card."""

REASON_CHARS = 2_000
"""A reason kept on record with an action (extension, purge, unfreeze, revocation, module
result) and a rubric criterion's or level's description."""
