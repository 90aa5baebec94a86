"""Notification preferences and time zones on the user."""

from datetime import UTC

import pytest
from django.core.exceptions import ValidationError

from accounts.preferences import DEFAULT_CHANNELS, Channel, Topic, channel_for, channels_to_store
from accounts.services import user_set_notification_preferences, user_set_time_zone
from accounts.tests.factories import UserFactory


def test_every_topic_has_a_default_and_mentions_and_assignments_are_e_mailed():
    assert set(DEFAULT_CHANNELS) == set(Topic)
    assert channel_for({}, Topic.MENTIONED) == Channel.EMAIL
    assert channel_for({}, Topic.ASSIGNED) == Channel.EMAIL
    assert channel_for({}, Topic.COMMENTS) == Channel.IN_APP
    assert channel_for({}, Topic.REMINDERS) == Channel.IN_APP  # e-mail is opt-in


def test_a_stored_choice_wins_unless_it_is_not_a_channel():
    assert channel_for({"comments": "off"}, Topic.COMMENTS) == Channel.OFF
    assert channel_for({"comments": "pigeon"}, Topic.COMMENTS) == Channel.IN_APP
    assert channel_for(None, Topic.COMPLETED) == Channel.EMAIL


def test_only_choices_that_differ_from_the_defaults_are_stored():
    chosen = {
        "assigned": "email",
        "comments": "off",
        "unknown": "email",
        "changes": "pigeon",
    }

    assert channels_to_store(chosen) == {"comments": "off"}


@pytest.mark.django_db
def test_setting_preferences_refuses_a_window_that_is_not_offered():
    user = UserFactory()

    with pytest.raises(ValidationError):
        user_set_notification_preferences(user=user, channels={}, bundle_minutes=7)

    user_set_notification_preferences(user=user, channels={"comments": "email"}, bundle_minutes=0)
    user.refresh_from_db()
    assert (user.email_bundle_minutes, user.channel("comments")) == (0, "email")


@pytest.mark.django_db
def test_a_time_zone_must_be_one_of_the_tz_database():
    user = UserFactory()
    assert user.tzinfo is UTC  # until they choose

    for bad in ("", "  ", "Europe/Atlantis", "utc"):
        with pytest.raises(ValidationError):
            user_set_time_zone(user=user, time_zone=bad)
    user_set_time_zone(user=user, time_zone=" Asia/Kolkata ")

    user.refresh_from_db()
    assert user.time_zone == "Asia/Kolkata"
    assert str(user.tzinfo) == "Asia/Kolkata"


def test_an_unknown_stored_zone_falls_back_to_utc():
    assert UserFactory.build(time_zone="Nowhere/Else").tzinfo is UTC
