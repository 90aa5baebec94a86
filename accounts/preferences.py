"""What each person wants to hear about, and how: per topic, in the inbox only, in the inbox and
by e-mail, or not at all. The topics are the kinds of news the domain sends (the ``workspace``
inbox maps each of its events to one); the user row stores only the choices that differ from the
defaults."""

from django.db import models


class Topic(models.TextChoices):
    ASSIGNED = "assigned", "A task is assigned to me"
    MENTIONED = "mentioned", "Someone mentions me"
    COMMENTS = "comments", "New comments on tasks I watch"
    CHANGES = "changes", "Status or due date changes on tasks I watch"
    COMPLETED = "completed", "A task I watch is completed"
    REMINDERS = "reminders", "Due tomorrow and overdue reminders (09:00 my time)"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app only"
    EMAIL = "email", "In-app and e-mail"
    OFF = "off", "Off"


DEFAULT_CHANNELS: dict[str, str] = {
    Topic.ASSIGNED: Channel.EMAIL,
    Topic.MENTIONED: Channel.EMAIL,
    Topic.COMMENTS: Channel.IN_APP,
    Topic.CHANGES: Channel.IN_APP,
    Topic.COMPLETED: Channel.EMAIL,
    Topic.REMINDERS: Channel.IN_APP,
}

# How long e-mails wait to be bundled (minutes); 0 sends each event on its own right away.
BUNDLE_CHOICES = [
    (0, "Right away, one e-mail per event"),
    (5, "5 minutes"),
    (15, "15 minutes"),
    (30, "30 minutes"),
    (60, "1 hour"),
]
DEFAULT_BUNDLE_MINUTES = 15


def channel_for(stored: dict | None, topic: str) -> str:
    """The channel chosen for ``topic``: the stored choice when it is a valid one, else the
    default."""
    value = (stored or {}).get(topic)
    return value if value in Channel.values else DEFAULT_CHANNELS[topic]


def channels_to_store(chosen: dict[str, str]) -> dict[str, str]:
    """Only the choices that differ from the defaults (so a changed default reaches everyone who
    never chose)."""
    return {
        topic: value
        for topic, value in chosen.items()
        if topic in DEFAULT_CHANNELS
        and value in Channel.values
        and value != DEFAULT_CHANNELS[topic]
    }
