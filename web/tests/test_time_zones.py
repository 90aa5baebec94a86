"""Each person's time zone: pages show times in it, the browser's zone is offered until they
choose, and the profile sets it; notification preferences live beside it."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import validate_time_zone
from workspace.tenancy import organization_scope
from workspace.tests.factories import CommentFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def commented_task(organization, member):
    with organization_scope(organization):
        task = TaskFactory(project=ProjectFactory(organization=organization))
        with time_machine.travel(NOON_UTC, tick=False):
            CommentFactory(task=task, author=member.user, body="At noon UTC")
    return task


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("", "Jul 1, 12:00"), ("Europe/Berlin", "Jul 1, 14:00"), ("Pacific/Auckland", "Jul 2, 00:00")],
)
def test_times_on_pages_are_in_the_persons_zone(login, member, commented_task, zone, shown):
    member.user.time_zone = zone
    member.user.save(update_fields=["time_zone"])

    html = login(member).get(commented_task.get_absolute_url()).content.decode()

    assert f">{shown}</time>" in html


@pytest.mark.parametrize(
    ("zone", "past"), [("Pacific/Auckland", True), ("Pacific/Honolulu", False)]
)
def test_today_is_the_persons_today(login, member, organization, zone, past):
    """At 23:30 UTC on July 1st it is already July 2nd in Auckland and still July 1st in
    Honolulu: a task due on July 1st is in the past (saved, with a warning) for the New
    Zealander only."""
    member.user.time_zone = zone
    member.user.save(update_fields=["time_zone"])
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
    url = reverse("web:task-create", kwargs={"org_slug": "acme"})
    data = {"title": "Call the venue", "project": project.pk, "status": "todo"}

    with time_machine.travel(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), tick=False):
        response = login(member).post(
            url, {**data, "priority": "medium", "due_date": "2026-07-01"}, follow=True
        )

    assert response.redirect_chain  # saved either way
    assert ("is in the past." in response.content.decode()) is past


def test_the_browsers_zone_is_offered_until_the_person_chooses(login, member):
    client = login(member)
    home = reverse("web:org-home", kwargs={"org_slug": "acme"})

    page = client.get(home).content.decode()
    assert "data-time-zone-offer hidden" in page
    assert 'action="/accounts/time-zone/"' in page

    response = client.post(
        reverse("web:time-zone"), {"time_zone": "America/New_York", "next": home}, follow=True
    )

    assert response.redirect_chain[-1][0] == home
    member.user.refresh_from_db()
    assert member.user.time_zone == "America/New_York"
    page = response.content.decode()
    assert "Times are now shown in America/New_York." in page
    assert "data-time-zone-offer" not in page


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "UTC; DROP TABLE", "../../etc/passwd"])
def test_an_unknown_zone_is_refused_with_a_message(login, member, bad):
    response = login(member).post(reverse("web:time-zone"), {"time_zone": bad}, follow=True)

    member.user.refresh_from_db()
    assert member.user.time_zone == ""
    assert response.status_code == 200
    assert "Choose a time zone" in response.content.decode()


def test_the_offer_goes_back_only_to_pages_of_this_site(login, member):
    response = login(member).post(
        reverse("web:time-zone"), {"time_zone": "UTC", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_the_zone_is_validated_against_the_tz_database():
    validate_time_zone("Asia/Kathmandu")
    validate_time_zone("")
    with pytest.raises(Exception, match="Choose a time zone"):
        validate_time_zone("Asia/Atlantis")


# --- The profile ---------------------------------------------------------------------------------


def test_the_profile_sets_the_time_zone(user_client, user):
    page = user_client.get(reverse("web:profile")).content.decode()
    assert re.search(r'<option value="UTC"\s+selected\s*>UTC</option>', page)
    assert re.search(r'<option value="America/Argentina/Buenos_Aires"\s*>', page)

    response = user_client.post(
        reverse("web:profile"), {"form": "time_zone", "time_zone": "Europe/Berlin"}, follow=True
    )

    user.refresh_from_db()
    assert user.time_zone == "Europe/Berlin"
    assert re.search(r'<option value="Europe/Berlin"\s+selected', response.content.decode())


def test_an_invalid_zone_on_the_profile_comes_back_with_the_error(user_client, user):
    response = user_client.post(
        reverse("web:profile"), {"form": "time_zone", "time_zone": "Mars/Base"}
    )

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert user.time_zone == ""


def test_notification_preferences_per_topic_and_the_bundle_window(user_client, user):
    page = user_client.get(reverse("web:profile")).content.decode()
    assert 'data-testid="channel-topic_mentioned"' in page
    assert "In-app and e-mail" in page

    data = {
        "form": "notifications",
        "topic_assigned": "email",
        "topic_mentioned": "email",
        "topic_comments": "off",
        "topic_changes": "email",
        "topic_completed": "in_app",
        "topic_reminders": "in_app",
        "email_bundle_minutes": "60",
    }
    response = user_client.post(reverse("web:profile"), data, follow=True)

    user.refresh_from_db()
    assert user.email_bundle_minutes == 60
    # Only what differs from the defaults is stored.
    assert user.notification_channels == {
        "comments": "off",
        "changes": "email",
        "completed": "in_app",
    }
    assert user.channel("comments") == "off"
    assert user.channel("assigned") == "email"
    assert "Your notification preferences were saved." in response.content.decode()


def test_refused_notification_preferences_come_back_as_chosen(user_client, user):
    data = {
        "form": "notifications",
        "topic_assigned": "off",
        "topic_mentioned": "carrier-pigeon",
        "email_bundle_minutes": "7",
    }

    response = user_client.post(reverse("web:profile"), data)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert '<option value="off" selected>Off</option>' in html  # what was typed stays
    user.refresh_from_db()
    assert user.notification_channels == {}
    assert user.email_bundle_minutes == 15
