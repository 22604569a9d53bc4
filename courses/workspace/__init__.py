"""The office's and the teachers' workspace inside a cohort: the progress matrix (modules ×
participants, with who is at risk and why). The homes themselves are ``platform.views.home``;
docs/workspace.md describes both."""
