"""Comments on the task page: add, edit, delete (htmx and plain), escaping, query counts."""

import re

import pytest
from django.urls import reverse

from workspace.models import Comment
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OOB_TOASTS = re.compile(r'<div id="toasts" hx-swap-oob="beforeend">.*?</div>\s*$', re.S)


@pytest.fixture
def task(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, slug="apollo")
        return TaskFactory(project=project, title="Land on the moon", created_by=member.user)


def task_url(task):
    return reverse("web:task-detail", kwargs={"org_slug": "acme", "number": task.number})


def create_url(task):
    return reverse("web:comment-create", kwargs={"org_slug": "acme", "number": task.number})


def edit_url(comment):
    return reverse(
        "web:comment-edit",
        kwargs={"org_slug": "acme", "number": comment.task.number, "pk": comment.pk},
    )


def delete_url(comment):
    return reverse(
        "web:comment-delete",
        kwargs={"org_slug": "acme", "number": comment.task.number, "pk": comment.pk},
    )


def comment_of(membership, task, body="A comment."):
    with organization_scope(task.organization):
        return CommentFactory(task=task, author=membership.user, body=body)


def comments(task, manager="objects"):
    with organization_scope(task.organization):
        return list(getattr(Comment, manager).filter(task=task).order_by("pk"))


def main_content(response) -> str:
    """The body without the out-of-band toasts HtmxMessagesMiddleware appends."""
    return OOB_TOASTS.sub("", response.content.decode())


class TestCreate:
    def test_htmx_returns_the_comment_and_a_fresh_form_out_of_band(self, login, member, task):
        response = login(member).post(create_url(task), {"body": "Looks good"}, **HTMX)

        assert response.status_code == 200
        [comment] = comments(task)
        assert comment.body == "Looks good"
        assert comment.author == member.user
        html = response.content.decode()
        assert html.lstrip().startswith(f'<li id="comment-{comment.pk}"')
        assert "Looks good" in html
        form = re.search(r'<form id="comment-form"[^>]*>', html).group(0)
        assert 'hx-swap-oob="true"' in form
        # The fresh form is empty.
        assert re.search(r'<textarea name="body" id="id_body"[^>]*></textarea>', html)
        assert "comment-added" in response["HX-Trigger"]

    def test_new_comment_offers_edit_and_delete_to_its_author(self, login, member, task):
        html = login(member).post(create_url(task), {"body": "Mine"}, **HTMX).content.decode()

        [comment] = comments(task)
        assert f'hx-get="{edit_url(comment)}"' in html
        assert f'hx-post="{delete_url(comment)}"' in html

    def test_plain_post_redirects_to_the_task(self, login, member, task):
        client = login(member)

        response = client.post(create_url(task), {"body": "Plain comment"})

        assert response.status_code == 302
        assert response["Location"] == f"{task_url(task)}#comments"
        [comment] = comments(task)
        assert comment.body == "Plain comment"
        assert f'id="comment-{comment.pk}"' in client.get(task_url(task)).content.decode()

    @pytest.mark.parametrize("body", ["", "   \n  "])
    def test_blank_comment_via_htmx_is_422_retargeted_to_the_form(self, login, member, task, body):
        response = login(member).post(create_url(task), {"body": body}, **HTMX)

        assert response.status_code == 422
        assert response["HX-Retarget"] == "#comment-form"
        assert response["HX-Reswap"] == "outerHTML"
        html = response.content.decode()
        assert html.lstrip().startswith('<form id="comment-form"')
        assert 'role="alert"' in html
        assert comments(task) == []

    def test_blank_comment_via_plain_post_redirects_with_a_message(self, login, member, task):
        response = login(member).post(create_url(task), {"body": ""}, follow=True)

        assert response.redirect_chain[-1][0] == f"{task_url(task)}#comments"
        assert "This field is required." in response.content.decode()
        assert comments(task) == []

    def test_too_long_comment_is_refused(self, login, member, task):
        response = login(member).post(create_url(task), {"body": "x" * 10001}, **HTMX)

        assert response.status_code == 422
        assert comments(task) == []

    def test_get_is_not_allowed(self, login, member, task):
        assert login(member).get(create_url(task)).status_code == 405

    def test_task_of_another_organization_is_404(self, login, member, task):
        other = OrganizationFactory(slug="globex")
        with organization_scope(other):
            foreign = TaskFactory(project__organization=other)
        # Numbers are per organization: use one that acme does not have.
        with organization_scope(other):
            foreign = TaskFactory(project=foreign.project)
        assert foreign.number > task.number

        response = login(member).post(create_url(foreign), {"body": "Hi"}, **HTMX)

        assert response.status_code == 404
        assert comments(foreign) == []


class TestRendering:
    def test_body_is_escaped(self, login, member, task):
        client = login(member)

        response = client.post(create_url(task), {"body": "<script>alert(1)</script>"}, **HTMX)

        for html in (response.content.decode(), client.get(task_url(task)).content.decode()):
            assert "<script>alert(1)</script>" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_links_are_clickable(self, login, member, task):
        client = login(member)

        response = client.post(create_url(task), {"body": "See https://example.com now"}, **HTMX)

        for html in (response.content.decode(), client.get(task_url(task)).content.decode()):
            assert re.search(r'<a href="https://example.com"[^>]*>https://example.com</a>', html)

    def test_escaped_markup_next_to_a_link(self, login, member, task):
        comment_of(member, task, body='<img src=x onerror="alert(1)"> https://example.com/?a=1&b=2')

        html = login(member).get(task_url(task)).content.decode()

        assert "<img src=x" not in html
        assert "&lt;img src=x" in html
        assert '<a href="https://example.com/?a=1&amp;b=2"' in html

    def test_line_breaks_are_kept(self, login, member, task):
        comment_of(member, task, body="first\nsecond")

        html = login(member).get(task_url(task)).content.decode()

        assert re.search(r"<p>first<br>\s*second</p>", html)

    def test_others_comments_have_no_edit_controls(self, login, member, admin, task):
        theirs = comment_of(admin, task, body="Admin says hi")
        mine = comment_of(member, task, body="Member says hi")

        html = login(member).get(task_url(task)).content.decode()

        assert "Admin says hi" in html
        assert edit_url(theirs) not in html
        assert delete_url(theirs) not in html
        assert edit_url(mine) in html

    def test_deleted_comments_are_not_shown(self, login, member, task):
        comment_of(member, task, body="Still here")
        gone = comment_of(member, task, body="Deleted one")
        login(member).post(delete_url(gone))

        html = login(member).get(task_url(task)).content.decode()

        assert "Still here" in html
        assert "Deleted one" not in html


class TestEdit:
    def test_htmx_get_returns_the_edit_form(self, login, member, task):
        comment = comment_of(member, task, body="Original text")

        response = login(member).get(edit_url(comment), **HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<li id="comment-{comment.pk}"')
        assert f'hx-post="{edit_url(comment)}"' in html
        assert ">Original text</textarea>" in html
        assert "?cancel=1" in html

    def test_htmx_cancel_returns_the_comment(self, login, member, task):
        comment = comment_of(member, task, body="Original text")

        response = login(member).get(edit_url(comment) + "?cancel=1", **HTMX)

        html = response.content.decode()
        assert html.lstrip().startswith(f'<li id="comment-{comment.pk}"')
        assert "<textarea" not in html
        assert "Original text" in html

    def test_plain_get_is_a_page(self, login, member, task):
        comment = comment_of(member, task, body="Original text")

        response = login(member).get(edit_url(comment))

        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" in html
        assert "Edit your comment on" in html
        assert ">Original text</textarea>" in html

    def test_htmx_post_saves_and_shows_edited(self, login, member, task):
        comment = comment_of(member, task, body="Original text")

        response = login(member).post(edit_url(comment), {"body": "Better text"}, **HTMX)

        assert response.status_code == 200
        html = main_content(response)
        assert html.lstrip().startswith(f'<li id="comment-{comment.pk}"')
        assert "Better text" in html
        assert "(edited)" in html
        [saved] = comments(task)
        assert saved.body == "Better text"
        assert saved.edited_at is not None

    def test_plain_post_saves_and_redirects(self, login, member, task):
        comment = comment_of(member, task, body="Original text")
        client = login(member)

        response = client.post(edit_url(comment), {"body": "Better text"})

        assert response.status_code == 302
        assert response["Location"] == f"{task_url(task)}#comments"
        html = client.get(task_url(task)).content.decode()
        assert "Better text" in html
        assert "(edited)" in html

    def test_unchanged_body_is_not_marked_edited(self, login, member, task):
        comment = comment_of(member, task, body="Same")

        response = login(member).post(edit_url(comment), {"body": "Same"}, **HTMX)

        assert "(edited)" not in response.content.decode()
        assert comments(task)[0].edited_at is None

    def test_blank_edit_is_refused(self, login, member, task):
        comment = comment_of(member, task, body="Original text")

        response = login(member).post(edit_url(comment), {"body": "  "}, **HTMX)

        assert response.status_code == 422
        html = response.content.decode()
        assert "<textarea" in html
        assert 'role="alert"' in html
        assert comments(task)[0].body == "Original text"

    def test_someone_elses_comment_cannot_be_edited(self, login, member, admin, task):
        theirs = comment_of(admin, task, body="Admin text")
        client = login(member)

        assert client.get(edit_url(theirs), **HTMX).status_code == 403
        assert client.get(edit_url(theirs)).status_code == 403
        assert client.post(edit_url(theirs), {"body": "Hijacked"}, **HTMX).status_code == 403
        assert client.post(edit_url(theirs), {"body": "Hijacked"}).status_code == 403
        [unchanged] = comments(task)
        assert unchanged.body == "Admin text"
        assert unchanged.edited_at is None

    def test_even_owners_cannot_edit_others_comments(self, login, owner, member, task):
        theirs = comment_of(member, task, body="Member text")

        response = login(owner).post(edit_url(theirs), {"body": "Owner text"}, **HTMX)

        assert response.status_code == 403
        assert comments(task)[0].body == "Member text"

    def test_comment_must_belong_to_the_task_in_the_url(self, login, member, task, organization):
        with organization_scope(organization):
            other_task = TaskFactory(project=task.project)
        comment = comment_of(member, other_task, body="On the other task")
        wrong = reverse(
            "web:comment-edit",
            kwargs={"org_slug": "acme", "number": task.number, "pk": comment.pk},
        )

        assert login(member).post(wrong, {"body": "Moved?"}).status_code == 404
        assert comments(other_task)[0].body == "On the other task"

    def test_comment_of_another_organization_is_404(self, login, member, task):
        other = OrganizationFactory(slug="globex")
        with organization_scope(other):
            foreign_task = TaskFactory(project__organization=other)
            foreign = CommentFactory(task=foreign_task, author=member.user, body="Foreign")
        # The same task number exists in acme; the comment id is still foreign there.
        assert foreign_task.number == task.number

        response = login(member).post(edit_url(foreign), {"body": "Changed"})

        assert response.status_code == 404
        assert comments(foreign_task)[0].body == "Foreign"


class TestDelete:
    def test_htmx_delete_returns_an_empty_body(self, login, member, task):
        comment = comment_of(member, task)

        response = login(member).post(delete_url(comment), **HTMX)

        assert response.status_code == 200
        # Only the out-of-band toast rides along; the comment's <li> is swapped for nothing.
        assert main_content(response).strip() == ""
        assert "<li" not in response.content.decode()
        assert comments(task) == []
        assert comments(task, "all_objects")[0].deleted_at is not None

    def test_plain_delete_redirects_to_the_task(self, login, member, task):
        comment = comment_of(member, task)

        response = login(member).post(delete_url(comment), follow=True)

        assert response.redirect_chain[-1][0] == f"{task_url(task)}#comments"
        assert "Comment deleted." in response.content.decode()
        assert f'id="comment-{comment.pk}"' not in response.content.decode()

    def test_someone_elses_comment_cannot_be_deleted(self, login, member, admin, owner, task):
        theirs = comment_of(member, task, body="Member text")

        for who in (admin, owner):
            assert login(who).post(delete_url(theirs), **HTMX).status_code == 403
            assert login(who).post(delete_url(theirs)).status_code == 403

        [still_there] = comments(task)
        assert still_there.deleted_at is None

    def test_get_is_not_allowed(self, login, member, task):
        comment = comment_of(member, task)

        assert login(member).get(delete_url(comment)).status_code == 405
        assert comments(task) == [comment]

    def test_deleting_twice_is_404(self, login, member, task):
        comment = comment_of(member, task)
        client = login(member)
        client.post(delete_url(comment), **HTMX)

        assert client.post(delete_url(comment), **HTMX).status_code == 404


def test_task_page_query_count_does_not_grow_with_comments(
    login, member, admin, task, django_assert_max_num_queries
):
    authors = [member, admin, *MembershipFactory.create_batch(3, organization=task.organization)]

    def add_comments(count):
        with organization_scope(task.organization):
            for i in range(count):
                author = authors[i % len(authors)]
                CommentFactory(task=task, author=author.user, body=f"Comment https://x.test/{i}")

    client = login(member)
    client.get(task_url(task))  # warm up the session
    add_comments(5)
    with django_assert_max_num_queries(12) as few:
        response = client.get(task_url(task))
    assert response.content.decode().count('<li id="comment-') == 5

    add_comments(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(task_url(task))
    assert response.content.decode().count('<li id="comment-') == 50
