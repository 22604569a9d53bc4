"""Announcements on the home page: ``{% home_announcements %}`` lists those that reached the
logged-in user and are not dismissed, so the home view needs no entry of its own."""

from typing import Any

from django import template
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from courses.communication.markdown import render_markdown
from courses.communication.services import announcements_for_home
from courses.models import Announcement

register = template.Library()


@register.inclusion_tag("courses/communication/_announcement_list.html", takes_context=True)
def home_announcements(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    found = list(announcements_for_home(user)) if user.is_authenticated else []
    return {"announcements": found, "csrf_token": context.get("csrf_token")}


@register.filter
def announcement_body(announcement: Announcement) -> SafeString:
    """The text as HTML: Markdown through the sanitizer, plain text escaped in paragraphs."""
    if announcement.format == Announcement.Format.MARKDOWN:
        return mark_safe(render_markdown(announcement.body))  # noqa: S308 - cleaned by nh3
    return SafeString(linebreaks(announcement.body, autoescape=True))
