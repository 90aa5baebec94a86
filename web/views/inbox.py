"""``/o/<org>/inbox/``: the member's notifications, and the header's unread count."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView, View

from web.context_processors import InboxBadge
from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from web.params import digits
from workspace import selectors
from workspace.models import InboxItem
from workspace.services import inbox as services

TEMPLATE = "web/inbox.html"
BADGE = "components/inbox_badge.html"
VIEWS = (("all", "All"), ("unread", "Unread"), ("mentions", "Mentions"), ("archived", "Archived"))
MAX_PAGE = 10_000


def requested_view(request) -> str:
    view = request.POST.get("view") or request.GET.get("view") or "all"
    return view if view in selectors.INBOX_VIEWS else "all"


def requested_page(request) -> int:
    page = digits(request.GET.get("page"))
    return min(page, MAX_PAGE) if page else 1


class InboxMixin(OrganizationMixin):
    def get_item(self) -> InboxItem:
        """The member's own item: another member's, or another organization's, is a 404."""
        items = InboxItem.objects.filter(
            organization=self.organization, recipient=self.membership
        ).select_related("task")
        return get_object_or_404(items, pk=self.kwargs["pk"])

    def inbox_url(self, view: str = "all") -> str:
        url = reverse("web:inbox", kwargs={"org_slug": self.organization.slug})
        return url if view == "all" else f"{url}?view={view}"

    def badge_context(self, **extra) -> dict:
        return {"organization": self.organization, "inbox": InboxBadge(self.membership), **extra}

    def fragment(self, html: str = "") -> HttpResponse:
        """An htmx answer: ``html`` plus the header's new count, swapped out of band. (The badge
        also refreshes itself on an ``inbox-changed`` event, for changes made elsewhere.)"""
        badge = render_to_string(BADGE, self.badge_context(oob=True), self.request)
        return HttpResponse(html + badge)


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class InboxView(InboxMixin, TemplateView):
    template_name = TEMPLATE

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{TEMPLATE}#inbox-list"]
        return [TEMPLATE]

    def get_context_data(self, **kwargs):
        page = selectors.inbox_page(
            membership=self.membership,
            view=requested_view(self.request),
            page=requested_page(self.request),
        )
        kwargs.update(page)
        kwargs.setdefault("views", VIEWS)
        return super().get_context_data(**kwargs)


class InboxOpenView(InboxMixin, View):
    """An item's link: marks it read, then goes to its task."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        item = self.get_item()
        services.inbox_item_mark(item=item, actor=self.membership, read=True)
        if item.task is None:  # a bulk edit's item: its tasks are listed on the item itself
            return redirect(self.inbox_url())
        if item.task.deleted_at is not None:
            messages.info(request, f"#{item.task.number} was deleted.")
            return redirect(self.inbox_url())
        return redirect("web:task-detail", org_slug=self.organization.slug, number=item.task.number)


class InboxItemActionView(InboxMixin, View):
    """POST ``read``, ``unread``, ``archive`` or ``unarchive`` (the ``action`` of the route) on
    one of the member's items."""

    http_method_names = ["post"]
    action = "read"

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        view = requested_view(request)
        if self.action in ("read", "unread"):
            services.inbox_item_mark(item=item, actor=self.membership, read=self.action == "read")
            leaves_list = view == "unread" and self.action == "read"
        else:
            archived = self.action == "archive"
            services.inbox_item_archive(item=item, actor=self.membership, archived=archived)
            undo = reverse(
                "web:inbox-unarchive" if archived else "web:inbox-archive",
                kwargs={"org_slug": self.organization.slug, "pk": item.pk},
            )
            done = "Archived" if archived else "Moved back to the inbox"
            what = f"#{item.task.number}" if item.task is not None else "a change of several tasks"
            messages.success(request, f"{done}: {what}.", extra_tags=f"undo:{undo}")
            leaves_list = True
        if not wants_fragment(request):
            return redirect(self.inbox_url(view))
        row = selectors.inbox_item_row(membership=self.membership, item_id=item.pk)
        if leaves_list or row is None:  # (None: its task went to the trash meanwhile)
            return self.fragment()
        html = render_to_string(
            f"{TEMPLATE}#inbox-item", self.badge_context(item=row, view=view), request
        )
        return self.fragment(html)


class InboxReadAllView(InboxMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        view = requested_view(request)
        count = services.inbox_mark_all_read(actor=self.membership)
        messages.success(
            request, f"Marked {count} as read." if count else "Everything was read already."
        )
        if not wants_fragment(request):
            return redirect(self.inbox_url(view))
        page = selectors.inbox_page(membership=self.membership, view=view)
        html = render_to_string(f"{TEMPLATE}#inbox-list", self.badge_context(**page), request)
        return self.fragment(html)


class InboxCountView(InboxMixin, View):
    """The header's badge alone: it refreshes itself on ``inbox-changed`` (and live updates
    can ask for it)."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        if not wants_fragment(request):
            return redirect(self.inbox_url())
        return HttpResponse(render_to_string(BADGE, self.badge_context(), request))
