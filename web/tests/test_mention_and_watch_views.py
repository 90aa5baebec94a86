"""Typing "@" offers members; mentions and Markdown on the task page; the watchers panel."""

import re

import pytest
from django.urls import reverse

from web.tests.pages import section, text
from workspace.models import InboxItem, Watch
from workspace.services.comments import comment_create
from workspace.services.tasks import task_update
from workspace.services.watching import watchers_add
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        return TaskFactory(project=project, title="Ship the release", created_by=member.user)


def suggest(client, q="", **extra):
    url = reverse("web:member-suggest", kwargs={"org_slug": "acme"})
    return client.get(url, {"q": q, **extra}, **HTMX)


def options(html: str) -> list[str]:
    return re.findall(r'data-mention-name="([^"]*)"', html)


# --- Suggestions ---------------------------------------------------------------------------------


def test_typing_at_offers_the_organizations_members_by_name(login, member, admin, owner):
    MembershipFactory(user__name="Outsider Oscar")  # another organization

    html = suggest(login(member), "", listbox="mentions-id_body").content.decode()

    assert options(html) == ["Adam Admin", "Mia Member", "Olivia Owner"]
    assert f'id="mentions-id_body-{admin.pk}"' in html
    assert 'role="option"' in html
    assert f'data-mention-id="{admin.pk}"' in html


def test_suggestions_match_a_part_of_the_name_or_the_start_of_the_e_mail(
    login, member, organization
):
    MembershipFactory(organization=organization, user__name="Grace Hopper", user__email="gh@x.io")
    MembershipFactory(organization=organization, user__name="Ada", user__email="grace@y.io")
    client = login(member)

    assert options(suggest(client, "hop").content.decode()) == ["Grace Hopper"]
    assert options(suggest(client, "GRACE").content.decode()) == ["Ada", "Grace Hopper"]
    assert options(suggest(client, "   ").content.decode()) != []


def test_at_most_eight_and_none_says_so(login, member, organization):
    MembershipFactory.create_batch(10, organization=organization, user__name="Sam Same")
    client = login(member)

    assert len(options(suggest(client, "sam").content.decode())) == 8
    empty = suggest(client, "<zz>").content.decode()
    assert options(empty) == []
    assert "No member matches “&lt;zz&gt;”." in empty


def test_names_are_escaped_in_suggestions(login, member, organization):
    MembershipFactory(organization=organization, user__name='Eve "<script>"')

    html = suggest(login(member), "eve").content.decode()

    assert "<script>" not in html
    assert 'data-mention-name="Eve &quot;&lt;script&gt;&quot;"' in html


def test_a_listbox_id_that_is_not_an_id_is_not_used(login, member):
    html = suggest(login(member), "", listbox='x"><script>').content.decode()

    assert f'id="mentions-{member.pk}"' in html
    assert "<script>" not in html


def test_suggestions_are_a_fragment_only(login, member):
    url = reverse("web:member-suggest", kwargs={"org_slug": "acme"})

    assert login(member).get(url)["Location"] == reverse(
        "web:member-list", kwargs={"org_slug": "acme"}
    )


# --- Mentions and Markdown on the task page ------------------------------------------------------


def test_comment_and_description_render_markdown_and_mentions_with_current_names(
    login, member, admin, task
):
    with organization_scope(task.organization):
        task_update(
            task=task,
            actor=member,
            data={"description": f"**Goal**: ship. Ask @[Adam](member:{admin.pk})"},
        )
        comment_create(task=task, actor=member, body=f"- one\n- @[A.](member:{admin.pk})")
    admin.user.name = "Adam Renamed"
    admin.user.save(update_fields=["name"])

    html = login(member).get(task.get_absolute_url()).content.decode()

    description = re.search(r'data-testid="task-description">(.*?)</div>', html, re.S).group(1)
    assert "<strong>Goal</strong>" in description
    assert f'<span class="mention" data-member="{admin.pk}">@Adam Renamed</span>' in description
    body = re.search(r'data-testid="comment-body">(.*?)</div>', html, re.S).group(1)
    assert "<ul>" in body
    assert "@Adam Renamed" in body


def test_a_former_members_mention_is_plain_text(login, member, organization, task):
    gone = MembershipFactory(organization=organization, user__name="Gone Gary")
    with organization_scope(organization):
        comment_create(task=task, actor=member, body=f"Thanks @[Gary](member:{gone.pk})")
        gone.delete()

    html = login(member).get(task.get_absolute_url()).content.decode()

    body = re.search(r'data-testid="comment-body">(.*?)</div>', html, re.S).group(1)
    assert "@Gary" in body
    assert "mention" not in body


def test_a_new_comment_fragment_renders_its_mentions(login, member, admin, task):
    url = reverse("web:comment-create", kwargs={"org_slug": "acme", "number": task.number})

    html = login(member).post(url, {"body": f"cc @[x](member:{admin.pk})"}, **HTMX)

    assert f'data-member="{admin.pk}">@Adam Admin</span>' in html.content.decode()
    with organization_scope(task.organization):
        assert InboxItem.objects.filter(recipient=admin, task=task, has_mention=True).exists()


def test_the_comment_box_and_the_description_offer_mentions(login, member, task):
    client = login(member)
    suggest_url = reverse("web:member-suggest", kwargs={"org_slug": "acme"})

    detail = client.get(task.get_absolute_url()).content.decode()
    assert f'data-mentions-url="{suggest_url}"' in detail
    assert 'aria-controls="mentions-id_body"' in detail
    assert '<ul id="mentions-id_body" role="listbox"' in detail

    edit = reverse("web:task-edit", kwargs={"org_slug": "acme", "number": task.number})
    form = client.get(edit).content.decode()
    assert 'aria-controls="mentions-id_description"' in form
    assert '<ul id="mentions-id_description" role="listbox"' in form


def test_the_comment_edit_box_offers_mentions_too(login, member, task):
    with organization_scope(task.organization):
        comment = CommentFactory(task=task, author=member.user, body="Typo")
    url = reverse(
        "web:comment-edit", kwargs={"org_slug": "acme", "number": task.number, "pk": comment.pk}
    )

    html = login(member).get(url, **HTMX).content.decode()

    assert f'aria-controls="mentions-id_body_{comment.pk}"' in html
    assert f'<ul id="mentions-id_body_{comment.pk}" role="listbox"' in html


# --- Watchers ------------------------------------------------------------------------------------


def watch_url(task):
    return reverse("web:task-watch", kwargs={"org_slug": "acme", "number": task.number})


def test_the_task_page_shows_its_watchers(login, member, admin, task):
    with organization_scope(task.organization):
        watchers_add(task=task, memberships=[admin, member])

    panel = section(login(member).get(task.get_absolute_url()).content.decode(), "task-watchers")

    assert "Watchers (2)" in text(panel)
    assert "Adam Admin" in panel
    assert "Mia Member (you)" in panel
    assert ">Unwatch</button>" in panel


def test_watch_and_unwatch_from_the_task_page(login, member, task):
    client = login(member)

    html = client.post(watch_url(task), {"watching": "1"}, **HTMX).content.decode()
    assert html.strip().startswith('<section id="task-watchers"')
    assert "Mia Member (you)" in html
    assert 'id="watch-toggle"' in html
    with organization_scope(task.organization):
        assert Watch.objects.filter(task=task, membership=member).exists()

    response = client.post(watch_url(task), {"watching": "0"})
    assert response["Location"] == task.get_absolute_url()
    with organization_scope(task.organization):
        assert not Watch.objects.filter(task=task).exists()
    assert "Nobody watches this task." in client.get(watch_url(task), **HTMX).content.decode()
    assert client.get(watch_url(task))["Location"] == task.get_absolute_url()


def test_the_watchers_panel_refreshes_after_edits_and_comments(login, member, task):
    panel = section(login(member).get(task.get_absolute_url()).content.decode(), "task-watchers")

    assert f'hx-get="{watch_url(task)}"' in panel
    assert 'hx-trigger="task-changed from:body, comment-added from:body"' in panel


def test_the_task_page_query_count_stays_flat_with_watchers(
    login, member, organization, task, django_assert_max_num_queries
):
    client = login(member)
    client.get(task.get_absolute_url())
    with organization_scope(organization):
        watchers_add(
            task=task, memberships=MembershipFactory.create_batch(15, organization=organization)
        )

    with django_assert_max_num_queries(10):
        client.get(task.get_absolute_url())
