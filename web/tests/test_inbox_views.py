"""The inbox page, its actions and the header's unread count."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from web.tests.pages import section, text
from workspace.models import EventKind, InboxItem
from workspace.services.tasks import task_delete, task_restore, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    InboxItemFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Website")


@pytest.fixture
def notify(project, member, admin):
    """``notify(title, **fields)``: a task and an unread item about it in the member's inbox,
    the admin being the actor."""

    def make(title="Ship the release", **fields):
        with organization_scope(project.organization):
            task = TaskFactory(project=project, title=title)
            fields.setdefault("actor", admin.user)
            return InboxItemFactory(task=task, recipient=member, **fields)

    return make


def inbox_url(org="acme", **query):
    url = reverse("web:inbox", kwargs={"org_slug": org})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def action_url(item, action, org="acme"):
    return reverse(f"web:inbox-{action}", kwargs={"org_slug": org, "pk": item.pk})


def badge(html: str) -> str:
    found = re.search(r'<a id="inbox-count".*?</a>', html, re.S)
    assert found, "no inbox badge on the page"
    return found.group(0)


def unread_shown(html: str) -> str | None:
    found = re.search(r'data-testid="inbox-unread">([^<]+)<', badge(html))
    return found.group(1) if found else None


def rows(html: str) -> list[str]:
    return [
        text(row)
        for row in re.findall(
            r'<li id="inbox-item-\d+".*?</li>\s*(?=<li id="inbox|</ol>)', html, re.S
        )
    ]


def reload(item):
    with organization_scope(item.organization):
        return InboxItem.objects.get(pk=item.pk)


# --- The header ----------------------------------------------------------------------------------


def test_every_organization_page_shows_the_unread_count(login, member, notify):
    notify()
    notify(title="Fix the login")
    notify(title="Read already", read_at=timezone.now())
    client = login(member)

    for name in ("org-home", "task-list", "project-list", "member-list", "inbox"):
        html = client.get(reverse(f"web:{name}", kwargs={"org_slug": "acme"})).content.decode()
        assert unread_shown(html) == "2", name
        assert 'aria-label="Inbox, 2 unread"' in badge(html)


def test_no_count_when_everything_is_read_and_no_badge_outside_organizations(login, member, notify):
    notify(read_at=timezone.now())
    client = login(member)

    html = client.get(reverse("web:org-home", kwargs={"org_slug": "acme"})).content.decode()
    assert unread_shown(html) is None
    assert 'aria-label="Inbox"' in badge(html)
    assert 'id="inbox-count"' not in client.get(reverse("web:profile")).content.decode()


def test_the_count_stops_at_99_plus(login, member, project):
    with organization_scope(project.organization):
        tasks = TaskFactory.create_batch(120, project=project)
        InboxItem.objects.bulk_create(
            [
                InboxItem(
                    organization=project.organization,
                    recipient=member,
                    task=task,
                    kind=EventKind.COMMENTED,
                    last_event_at=timezone.now(),
                )
                for task in tasks
            ]
        )

    html = login(member).get(inbox_url()).content.decode()

    assert unread_shown(html) == "99+"
    assert 'aria-label="Inbox, 99+ unread"' in badge(html)


def inbox_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "workspace_inboxitem" in q["sql"]]


def test_the_count_costs_one_query_on_organization_pages_and_none_elsewhere(login, member, notify):
    notify()
    client = login(member)
    client.get(reverse("web:org-home", kwargs={"org_slug": "acme"}))  # first visit's writes

    for name in ("org-home", "task-list", "project-list", "member-list"):
        [count] = inbox_queries(client, reverse(f"web:{name}", kwargs={"org_slug": "acme"}))
        assert count.startswith("SELECT COUNT(*)"), name
        assert "LIMIT 100" in count
    assert inbox_queries(client, reverse("web:profile")) == []


def test_the_badge_refreshes_itself_from_its_own_fragment(login, member, notify):
    notify()
    client = login(member)
    url = reverse("web:inbox-count", kwargs={"org_slug": "acme"})

    html = client.get(url, **HTMX).content.decode()
    assert html.strip().startswith('<a id="inbox-count"')
    assert 'hx-trigger="inbox-changed from:body"' in html
    assert f'hx-get="{url}"' in html
    assert unread_shown(html) == "1"
    assert client.get(url)["Location"] == inbox_url()  # not a page of its own


# --- The page ------------------------------------------------------------------------------------


def test_newest_first_unread_bold_and_each_item_says_what_happened(login, member, admin, notify):
    now = timezone.now()
    notify(title="Older news", last_event_at=now - timedelta(hours=3), read_at=now)
    notify(
        title="Newest news",
        kind=EventKind.COMPLETED,
        last_event_at=now - timedelta(minutes=1),
        recent=[{"kind": "completed", "actor": admin.user_id, "at": now.isoformat()}],
    )

    html = login(member).get(inbox_url()).content.decode()

    found = rows(html)
    assert found[0].startswith("Unread: #")
    assert "Newest news Adam Admin completed it" in found[0]
    assert "Older news" in found[1]
    assert not found[1].startswith("Unread")
    assert html.count("inbox-item-unread") == 1


def test_recent_unread_events_are_listed_under_the_latest(login, member, admin, notify):
    now = timezone.now().isoformat()
    notify(
        kind=EventKind.STATUS_CHANGED,
        unread_events=2,
        recent=[
            {"kind": "status_changed", "actor": admin.user_id, "at": now, "status": "done"},
            {"kind": "commented", "actor": None, "at": now},
            {"kind": "assigned", "actor": 999_999, "at": now},
        ],
    )

    [row] = rows(login(member).get(inbox_url()).content.decode())

    assert "Adam Admin changed the status to Done" in row
    assert "Tandem commented" in row
    assert "assigned" not in row  # read before


@pytest.mark.parametrize(
    ("view", "shown"),
    [
        ("all", ["Mention", "Unread", "Read"]),
        ("unread", ["Mention", "Unread"]),
        ("mentions", ["Mention"]),
        ("archived", ["Archived"]),
        ("bogus", ["Mention", "Unread", "Read"]),
    ],
)
def test_filters(login, member, notify, view, shown):
    now = timezone.now()
    notify(title="Archived", archived_at=now, read_at=now, last_event_at=now - timedelta(hours=4))
    notify(title="Read", read_at=now, last_event_at=now - timedelta(hours=3))
    notify(title="Unread", last_event_at=now - timedelta(hours=2))
    notify(title="Mention", kind=EventKind.MENTIONED, has_mention=True)

    html = login(member).get(inbox_url(view=view)).content.decode()

    titles = [re.search(r"#\d+ (\w+)", row).group(1) for row in rows(html)]
    assert titles == shown


def test_an_empty_inbox_says_so(login, member):
    html = login(member).get(inbox_url(view="unread")).content.decode()

    assert "Nothing unread. You are all caught up." in html


def test_the_list_swaps_in_place_for_htmx(login, member, notify):
    notify(title="Mention", kind=EventKind.MENTIONED, has_mention=True)

    html = login(member).get(inbox_url(view="mentions"), **HTMX).content.decode()

    assert html.strip().startswith('<section id="inbox-list"')
    assert "<html" not in html


def test_pages_of_50(login, member, project):
    now = timezone.now()
    with organization_scope(project.organization):
        tasks = TaskFactory.create_batch(60, project=project)
        InboxItem.objects.bulk_create(
            [
                InboxItem(
                    organization=project.organization,
                    recipient=member,
                    task=task,
                    kind=EventKind.COMMENTED,
                    last_event_at=now - timedelta(minutes=n),
                )
                for n, task in enumerate(tasks)
            ]
        )
    client = login(member)

    first = client.get(inbox_url()).content.decode()
    second = client.get(inbox_url(page=2)).content.decode()

    assert len(rows(first)) == 50
    assert 'rel="next"' in first
    assert len(rows(second)) == 10
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    assert f"#{tasks[0].number} " in rows(first)[0]
    assert f"#{tasks[-1].number} " in rows(second)[-1]


@pytest.mark.parametrize("page", ["\u00b2", "0", "-1", "9" * 30])
def test_a_page_that_is_not_a_plain_number_is_the_first(login, member, page):
    response = login(member).get(inbox_url(page=page))

    assert response.status_code == 200
    assert 'rel="prev"' not in response.content.decode()


def test_the_page_costs_the_same_queries_with_ten_or_a_thousand_items(login, member, project):
    client = login(member)
    now = timezone.now()

    def grow(n):
        with organization_scope(project.organization):
            tasks = TaskFactory.create_batch(n, project=project)
            actors = MembershipFactory.create_batch(3, organization=project.organization)
            InboxItem.objects.bulk_create(
                [
                    InboxItem(
                        organization=project.organization,
                        recipient=member,
                        task=task,
                        kind=EventKind.COMMENTED,
                        actor=actors[i % 3].user,
                        last_event_at=now - timedelta(seconds=i),
                        recent=[
                            {"kind": "commented", "actor": a.user_id, "at": now.isoformat()}
                            for a in actors
                        ],
                        unread_events=3,
                    )
                    for i, task in enumerate(tasks)
                ]
            )

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(inbox_url()).status_code == 200
        return len(captured)

    grow(10)
    client.get(inbox_url())  # the first visit writes the last visit
    small = count()
    grow(990)
    large = count()

    assert large == small
    assert large <= 8


# --- Reading, archiving --------------------------------------------------------------------------


def test_opening_an_item_marks_it_read_and_lands_on_its_task(login, member, notify):
    item = notify()
    client = login(member)

    response = client.get(action_url(item, "open"))

    assert response.status_code == 302
    assert response["Location"] == item.task.get_absolute_url()
    assert not reload(item).is_unread
    assert unread_shown(client.get(response["Location"]).content.decode()) is None


def test_opening_the_task_any_other_way_marks_its_item_read_too(login, member, notify):
    item = notify()
    other = notify(title="Other news")
    client = login(member)

    html = client.get(item.task.get_absolute_url()).content.decode()

    assert unread_shown(html) == "1"  # counted after reading it
    assert not reload(item).is_unread
    assert reload(other).is_unread


def test_opening_an_item_of_a_deleted_task_goes_back_to_the_inbox(login, member, owner, notify):
    item = notify()
    with organization_scope(item.organization):
        task_delete(task=item.task, actor=owner)

    response = login(member).get(action_url(item, "open"), follow=True)

    assert response.redirect_chain[-1][0] == inbox_url()
    assert f"#{item.task.number} was deleted." in response.content.decode()


def test_marking_read_and_unread_swaps_the_row_and_the_count(login, member, notify):
    item = notify()
    notify(title="Other news")
    client = login(member)

    html = client.post(action_url(item, "read"), **HTMX).content.decode()

    assert html.strip().startswith(f'<li id="inbox-item-{item.pk}" class="inbox-item"')
    assert "Mark unread" in html
    assert 'hx-swap-oob="true"' in badge(html)
    assert unread_shown(html) == "1"
    assert not reload(item).is_unread

    html = client.post(action_url(item, "unread"), **HTMX).content.decode()

    assert "inbox-item-unread" in html
    assert unread_shown(html) == "2"
    assert reload(item).is_unread


def test_an_action_on_an_item_whose_task_was_trashed_removes_its_row(login, member, owner, notify):
    item = notify()
    with organization_scope(item.organization):
        task_delete(task=item.task, actor=owner)

    html = login(member).post(action_url(item, "read"), **HTMX).content.decode()

    assert f'id="inbox-item-{item.pk}"' not in html
    assert not reload(item).is_unread


def test_reading_in_the_unread_view_removes_the_row(login, member, notify):
    item = notify()

    html = login(member).post(action_url(item, "read"), {"view": "unread"}, **HTMX)

    assert f'id="inbox-item-{item.pk}"' not in html.content.decode()
    assert 'id="inbox-count"' in html.content.decode()


def test_archiving_removes_the_row_offers_undo_and_unarchiving_brings_it_back(
    login, member, notify
):
    item = notify()
    client = login(member)

    html = client.post(action_url(item, "archive"), **HTMX).content.decode()

    assert f'id="inbox-item-{item.pk}"' not in html
    assert unread_shown(html) is None
    assert f"Archived: #{item.task.number}." in html
    assert f'action="{action_url(item, "unarchive")}"' in html  # the toast's Undo
    assert reload(item).archived_at is not None
    assert rows(client.get(inbox_url()).content.decode()) == []

    response = client.post(action_url(item, "unarchive"))  # Undo is a plain form
    assert response.status_code == 302
    assert reload(item).archived_at is None
    assert len(rows(client.get(inbox_url()).content.decode())) == 1


def test_without_htmx_actions_redirect_back_to_the_view(login, member, notify):
    item = notify()

    response = login(member).post(action_url(item, "read"), {"view": "mentions"})

    assert response.status_code == 302
    assert response["Location"] == inbox_url(view="mentions")


def test_mark_all_read(login, member, notify):
    notify()
    notify(title="Other news")
    client = login(member)

    html = client.post(
        reverse("web:inbox-read-all", kwargs={"org_slug": "acme"}), **HTMX
    ).content.decode()

    assert html.strip().startswith('<section id="inbox-list"')
    assert "inbox-item-unread" not in html
    assert unread_shown(html) is None
    assert "Marked 2 as read." in html
    response = client.post(reverse("web:inbox-read-all", kwargs={"org_slug": "acme"}))
    assert response.status_code == 302


def test_another_members_item_is_not_found(login, admin, notify):
    item = notify()  # the member's
    client = login(admin)

    assert client.get(action_url(item, "open")).status_code == 404
    for action in ("read", "unread", "archive", "unarchive"):
        assert client.post(action_url(item, action), **HTMX).status_code == 404
    assert reload(item).is_unread


# --- Tenancy and content -------------------------------------------------------------------------


def test_a_renamed_task_shows_its_new_title_and_a_deleted_one_disappears_until_restored(
    login, member, owner, notify
):
    item = notify(title="Old title")
    client = login(member)
    with organization_scope(item.organization):
        task_update(task=item.task, actor=owner, data={"title": "New title"})

    html = client.get(inbox_url()).content.decode()
    assert "New title" in html
    assert "Old title" not in html

    with organization_scope(item.organization):
        task_delete(task=item.task, actor=owner)
    html = client.get(inbox_url()).content.decode()
    assert rows(html) == []
    assert unread_shown(html) is None

    with organization_scope(item.organization):
        task_restore(task=item.task, actor=owner)
    assert len(rows(client.get(inbox_url()).content.decode())) == 1


def test_notifications_never_show_another_organizations_tasks(login, member, notify):
    """The member belongs to Acme and Globex. Each inbox, count and item link shows only its
    own organization's news."""
    notify(title="Acme roadmap")
    globex = OrganizationFactory(name="Globex", slug="globex")
    there = MembershipFactory(organization=globex, user=member.user)
    with organization_scope(globex):
        secret = TaskFactory(
            project=ProjectFactory(organization=globex), title="Globex merger plan"
        )
        globex_item = InboxItemFactory(task=secret, recipient=there)
        InboxItemFactory(
            task=TaskFactory(project=secret.project, title="Globex layoffs"), recipient=there
        )
    client = login(member)

    acme = client.get(inbox_url()).content.decode()
    assert "Acme roadmap" in acme
    assert "Globex merger plan" not in acme
    assert "Globex layoffs" not in acme
    assert unread_shown(acme) == "1"
    for name in ("org-home", "task-list"):
        page = client.get(reverse(f"web:{name}", kwargs={"org_slug": "acme"})).content.decode()
        assert "Globex merger" not in page
        assert unread_shown(page) == "1"
    # Globex's item id under Acme's address is not found, and changes nothing.
    assert client.get(action_url(globex_item, "open", org="acme")).status_code == 404
    assert client.post(action_url(globex_item, "read", org="acme")).status_code == 404
    assert reload(globex_item).is_unread

    globex_page = client.get(inbox_url(org="globex")).content.decode()
    assert "Globex merger plan" in globex_page
    assert "Acme roadmap" not in globex_page
    assert unread_shown(globex_page) == "2"


def test_the_inbox_page_names_no_task_content_but_its_title(login, member, admin, notify):
    item = notify(title="Ship the release")
    with organization_scope(item.organization):
        task_update(task=item.task, actor=admin, data={"description": "Top secret details"})

    html = section(login(member).get(inbox_url()).content.decode(), "inbox-list")

    assert "Ship the release" in html
    assert "Top secret" not in html
