"""In-app notifications (the bell) and each person's choice of which also come by e-mail.

The public surface: ``services.notify`` (record one, called where the thing happens),
``services.wants_email`` (asked by every sender of a notification's e-mail), and the pages in
``views`` (docs/notifications.md).
"""
