"""Communication on pages that other views render, so those views need no entry of their own:
``{% home_announcements %}`` lists the announcements that reached the logged-in user and are
not dismissed (the home page); ``{% calendar_feed_section %}`` shows their calendar feed's
address and its reset button (the calendar page, the profile)."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from courses.communication.calendar import feed_for
from courses.communication.markdown import render_markdown
from courses.communication.services import announcements_for_home
from courses.models import Announcement

register = template.Library()


@register.inclusion_tag("courses/communication/_announcement_list.html", takes_context=True)
def home_announcements(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    found = list(announcements_for_home(user)) if user.is_authenticated else []
    return {"announcements": found, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("courses/communication/_calendar_feed_section.html", takes_context=True)
def calendar_feed_section(context: dict[str, Any]) -> dict[str, Any]:
    """The address of the logged-in person's feed (made on first use) and its reset form."""
    feed = feed_for(context["request"].user)
    return {
        "feed_url": settings.SITE_URL + reverse("communication:feed", args=[feed.token]),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def announcement_body(announcement: Announcement) -> SafeString:
    """The text as HTML: Markdown through the sanitizer, plain text escaped in paragraphs."""
    if announcement.format == Announcement.Format.MARKDOWN:
        return mark_safe(render_markdown(announcement.body))  # noqa: S308 - cleaned by nh3
    return SafeString(linebreaks(announcement.body, autoescape=True))
