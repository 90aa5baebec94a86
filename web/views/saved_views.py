"""Saved views: ``/o/<org>/views/`` lists the member's and the shared ones (rename, reorder,
delete) and saves a new one (POST, from the list's "Save view" form). The sidebar loads its
list from the same address (htmx, after the page), so pages spend no query on it."""

from urllib.parse import parse_qsl

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView

from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from web.params import digits, safe_next
from web.ratelimit import WriteLimitMixin
from workspace import selectors
from workspace.models import Project, SavedView, SavedViewKind
from workspace.services import saved_views as services


def view_url(organization, kind: str, query: str, project_slug: str | None = None) -> str:
    """Where a saved view leads: the organization's or a project's list or board."""
    kwargs = {"org_slug": organization.slug}
    if project_slug:
        kwargs["project_slug"] = project_slug
        name = "project-board" if kind == SavedViewKind.BOARD else "project-detail"
        if kind == SavedViewKind.LIST and "view" not in dict(parse_qsl(query)):
            # The list even for a member who opens this project as a board.
            query = "&".join(part for part in (query, "view=list") if part)
    else:
        name = "board" if kind == SavedViewKind.BOARD else "task-list"
    base = reverse(f"web:{name}", kwargs=kwargs)
    return f"{base}?{query}" if query else base


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class SavedViewListView(OrganizationMixin, WriteLimitMixin, TemplateView):
    template_name = "web/saved_views.html"

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#saved-views-nav"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        views = [
            {
                **view,
                "href": view_url(
                    self.organization, view["kind"], view["query"], view["project__slug"]
                ),
            }
            for view in selectors.saved_views(membership=self.membership)
        ]
        kwargs.setdefault("views", views)
        kwargs.setdefault("shared_views", [v for v in views if v["shared"]])
        kwargs.setdefault("my_views", [v for v in views if not v["shared"]])
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        list_url = reverse("web:task-list", kwargs={"org_slug": self.organization.slug})
        project = None
        if request.POST.get("project"):  # another organization's project is no project
            project = get_object_or_404(
                Project.objects.filter(organization=self.organization),
                pk=digits(request.POST["project"]),
            )
        try:
            view = services.saved_view_create(
                actor=self.membership,
                name=request.POST.get("name", ""),
                query=request.POST.get("query", ""),
                kind=request.POST.get("kind") or "list",
                shared=request.POST.get("shared") == "1",
                project=project,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(safe_next(request, list_url))
        self.count_write()
        messages.success(request, f"View {view.name} saved.")
        return redirect(
            view_url(self.organization, view.kind, view.query, project.slug if project else None)
        )


class SavedViewObjectMixin(OrganizationMixin, WriteLimitMixin, View):
    http_method_names = ["post"]

    def get_view(self) -> SavedView:
        view = get_object_or_404(
            SavedView.objects.filter(organization=self.organization), pk=self.kwargs["pk"]
        )
        if not view.shared and view.owner_id != self.membership.pk:
            raise Http404("No such view.")  # someone else's personal view: not theirs to see
        return view

    def done(self, message: str | None = None):
        if message:
            messages.success(self.request, message)
        return redirect("web:saved-view-list", org_slug=self.organization.slug)


class SavedViewRenameView(SavedViewObjectMixin):
    def post(self, request, *args, **kwargs):
        view = self.get_view()
        try:
            services.saved_view_rename(
                view=view, actor=self.membership, name=request.POST.get("name", "")
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return self.done()
        self.count_write()
        return self.done(f"View renamed to {view.name}.")


class SavedViewMoveView(SavedViewObjectMixin):
    def post(self, request, *args, **kwargs):
        step = {"up": -1, "down": 1}.get(request.POST.get("direction"), 0)
        services.saved_view_move(view=self.get_view(), actor=self.membership, step=step)
        self.count_write()
        return self.done()


class SavedViewDeleteView(SavedViewObjectMixin):
    def post(self, request, *args, **kwargs):
        view = self.get_view()
        services.saved_view_delete(view=view, actor=self.membership)
        self.count_write()
        return self.done(f"View {view.name} deleted.")
