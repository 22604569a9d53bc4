"""Communication with participants (docs/communication.md): announcements to a cohort, a
program or one participant (``services``), deadline reminders and the news of an extension
(``reminders``, run by the worker through ``jobs``), and each person's calendar feed
(``calendar``)."""
