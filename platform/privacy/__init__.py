"""A person's rights over their data: the export of everything held about them and the log of
who opened their files (docs/privacy.md)."""
