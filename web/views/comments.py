from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.generic import View
from django_htmx.http import reswap, retarget, trigger_client_event

from web.forms.comments import CommentForm
from web.htmx import wants_fragment
from web.views.tasks import TaskObjectMixin
from workspace import permissions
from workspace.models import Comment
from workspace.services import comments as services

TEMPLATE = "web/task_detail.html"


class CommentMixin(TaskObjectMixin):
    def get_comment(self) -> Comment:
        return get_object_or_404(
            Comment.objects.filter(
                organization=self.organization, task=self.get_task()
            ).select_related("author"),
            pk=self.kwargs["pk"],
        )

    def fragment(self, partial: str, context: dict, status: int = 200):
        names = {m.pk: m.user.display_name for m in self.members()}
        context = {"task": self.get_task(), "mention_names": names, **context}
        return TemplateResponse(self.request, f"{TEMPLATE}#{partial}", context, status=status)

    def back_to_task(self):
        return redirect(f"{self.get_task().get_absolute_url()}#comments")


class CommentCreateView(CommentMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment = services.comment_create(
                    task=self.get_task(), actor=self.membership, body=form.cleaned_data["body"]
                )
                self.count_write()
            except ValidationError as error:
                form.add_error(None, error)
        if not form.is_valid():
            if wants_fragment(request):
                response = self.fragment("comment-form", {"comment_form": form}, status=422)
                return reswap(retarget(response, "#comment-form"), "outerHTML")
            messages.error(request, " ".join(form.errors.get("body", ["Write something first."])))
            return self.back_to_task()
        if wants_fragment(request):
            # The new comment is appended to the list; a fresh form replaces the used one.
            response = self.fragment(
                "comment-created", {"comment": comment, "comment_form": CommentForm()}
            )
            return trigger_client_event(response, "comment-added")
        return self.back_to_task()


class CommentEditView(CommentMixin, View):
    """GET: the comment as an edit form (htmx) ; POST: save it."""

    def get(self, request, *args, **kwargs):
        comment = self.get_comment()
        if not permissions.can_change_comment(self.membership, comment):
            raise PermissionDenied("You can only edit your own comments.")
        form = CommentForm(initial={"body": comment.body})
        if wants_fragment(request) and request.GET.get("cancel") is None:
            return self.fragment("comment-edit", {"comment": comment, "form": form})
        if wants_fragment(request):
            return self.fragment("comment", {"comment": comment})
        return TemplateResponse(
            request,
            "web/comment_edit.html",
            {"task": self.get_task(), "comment": comment, "form": form},
        )

    def post(self, request, *args, **kwargs):
        comment = self.get_comment()
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_update(
                    comment=comment, actor=self.membership, body=form.cleaned_data["body"]
                )
                self.count_write()
            except ValidationError as error:
                form.add_error(None, error)
        if not form.is_valid():
            comment.refresh_from_db()
            if wants_fragment(request):
                return self.fragment("comment-edit", {"comment": comment, "form": form}, status=422)
            return TemplateResponse(
                request,
                "web/comment_edit.html",
                {"task": self.get_task(), "comment": comment, "form": form},
                status=422,
            )
        if wants_fragment(request):
            return self.fragment("comment", {"comment": comment})
        return self.back_to_task()


class CommentDeleteView(CommentMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        comment = self.get_comment()
        services.comment_delete(comment=comment, actor=self.membership)
        self.count_write()
        messages.success(request, "Comment deleted.")
        if wants_fragment(request):
            return HttpResponse("")
        return self.back_to_task()
