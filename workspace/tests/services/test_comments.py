import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.models import Comment
from workspace.selectors import comment_list
from workspace.services.comments import comment_create, comment_delete, comment_update
from workspace.tests.factories import CommentFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(in_org):
    return TaskFactory(project=ProjectFactory(organization=in_org))


@pytest.fixture
def comment(task, member):
    return CommentFactory(task=task, author=member.user, body="First draft")


def _fresh(comment) -> Comment:
    return Comment.all_objects.get(pk=comment.pk)


def test_create_comment(task, member):
    comment = comment_create(task=task, actor=member, body="  Looks good!\n")

    comment = _fresh(comment)
    assert (comment.task, comment.author, comment.body) == (task, member.user, "Looks good!")
    assert comment.organization_id == task.organization_id
    assert comment.edited_at is None
    assert list(comment_list(task=task)) == [comment]


@pytest.mark.parametrize("body", ["", "   \n ", None])
def test_blank_comment_is_refused(task, member, body):
    with pytest.raises(ValidationError) as error:
        comment_create(task=task, actor=member, body=body)

    assert error.value.message_dict == {"body": ["Write something first."]}
    assert not Comment.all_objects.exists()


def test_comment_longer_than_10000_characters_is_refused(task, member):
    with pytest.raises(ValidationError) as error:
        comment_create(task=task, actor=member, body="x" * 10001)

    assert list(error.value.message_dict) == ["body"]


def test_author_edits_a_comment(comment, member):
    comment_update(comment=comment, actor=member, body=" Second draft ")

    comment = _fresh(comment)
    assert comment.body == "Second draft"
    assert comment.edited_at is not None


def test_unchanged_body_is_not_an_edit(comment, member):
    comment_update(comment=comment, actor=member, body="  First draft\n")

    assert _fresh(comment).edited_at is None


def test_blank_edit_is_refused(comment, member):
    with pytest.raises(ValidationError) as error:
        comment_update(comment=comment, actor=member, body="  ")

    assert error.value.message_dict == {"body": ["Write something first."]}
    assert _fresh(comment).body == "First draft"


@pytest.mark.parametrize("actor", ["admin", "owner"])
def test_only_the_author_edits_a_comment(request, comment, actor):
    with pytest.raises(PermissionDenied):
        comment_update(comment=comment, actor=request.getfixturevalue(actor), body="Mine now")

    assert _fresh(comment).body == "First draft"
    assert _fresh(comment).edited_at is None


def test_author_deletes_a_comment(comment, member, task):
    comment_delete(comment=comment, actor=member)

    deleted = _fresh(comment)
    assert deleted.deleted_at is not None
    assert deleted.deleted_by == member.user
    assert list(comment_list(task=task)) == []


@pytest.mark.parametrize("actor", ["admin", "owner"])
def test_only_the_author_deletes_a_comment(request, comment, actor):
    with pytest.raises(PermissionDenied):
        comment_delete(comment=comment, actor=request.getfixturevalue(actor))

    assert Comment.objects.filter(pk=comment.pk).exists()
