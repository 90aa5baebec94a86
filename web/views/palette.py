"""The command palette (Ctrl/Cmd+K, static/js/palette.js): what matches what was typed, as a
list of links. Inside an organization: its tasks (by number or title words), projects, pages and
actions; elsewhere: the user's organizations and account pages."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.models import Theme
from web.context_processors import _organization_nav
from web.mixins import OrganizationMixin
from workspace import selectors

QUERY_MAX = 200
THEME_ACTIONS = [
    (Theme.DARK, "Switch to the dark theme"),
    (Theme.LIGHT, "Switch to the light theme"),
    (Theme.SYSTEM, "Use the system's theme"),
]
TEMPLATE = "components/palette.html#palette-results"
# ``?dialog=1``: the palette's dialog itself, which no page carries: static/js/dialogs.js
# fetches it the first time the palette opens.
DIALOG = "components/palette.html#palette-dialog"


def _matches(query: str, label: str) -> bool:
    words = query.lower().split()
    return all(word in label.lower() for word in words)


class PaletteMixin:
    template_name = TEMPLATE

    def wants_dialog(self) -> bool:
        return self.request.GET.get("dialog") == "1"

    def get_template_names(self):
        return [DIALOG if self.wants_dialog() else TEMPLATE]

    def query(self) -> str:
        return self.request.GET.get("q", "")[:QUERY_MAX].strip()

    def organizations(self, query: str) -> list[dict]:
        switcher = selectors.organization_switcher(user=self.request.user)["live"]
        current = getattr(self.request, "organization", None)
        return [
            {"href": org.get_absolute_url(), "label": f"Switch to {org.name}"}
            for org in switcher
            if (current is None or org.pk != current.pk) and _matches(query, f"switch {org.name}")
        ]

    def themes(self, query: str) -> list[dict]:
        """ "Toggle theme": the two choices the user has not made (posted, not linked)."""
        current = self.request.user.theme
        return [
            {"theme": value, "label": label}
            for value, label in THEME_ACTIONS
            if value != current and _matches(query, f"toggle theme {label}")
        ]

    def account_pages(self, query: str) -> list[dict]:
        pages = [
            (reverse("web:profile"), "Profile"),
            (reverse("web:org-create"), "New organization"),
            (reverse("web:home"), "Home"),
        ]
        return [{"href": href, "label": label} for href, label in pages if _matches(query, label)]


@method_decorator(never_cache, name="dispatch")
class PaletteView(OrganizationMixin, PaletteMixin, TemplateView):
    """``GET /o/<org>/palette/?q=`` (or ``?dialog=1``)."""

    def get_context_data(self, **kwargs):
        if self.wants_dialog():
            return super().get_context_data(**kwargs)
        query = self.query()
        slug = self.organization.slug
        actions = [
            (reverse("web:task-create", kwargs={"org_slug": slug}), "New task"),
            (reverse("web:project-create", kwargs={"org_slug": slug}), "New project"),
        ]
        pages = [
            {"href": item["href"], "label": item["label"]}
            for item in _organization_nav(self.request)
            if _matches(query, item["label"])
        ]
        kwargs.update(
            query=query,
            tasks_url=reverse("web:task-list", kwargs={"org_slug": slug}),
            tasks=selectors.palette_tasks(organization=self.organization, query=query),
            projects=[
                {
                    "href": reverse(
                        "web:project-detail", kwargs={"org_slug": slug, "project_slug": s}
                    ),
                    "label": name,
                }
                for s, name in selectors.palette_projects(
                    organization=self.organization, query=query
                )
            ],
            pages=pages + self.account_pages(query),
            actions=[{"href": h, "label": label} for h, label in actions if _matches(query, label)]
            + self.organizations(query),
            themes=self.themes(query),
        )
        return super().get_context_data(**kwargs)


@method_decorator(never_cache, name="dispatch")
class PaletteHomeView(LoginRequiredMixin, PaletteMixin, TemplateView):
    """``GET /palette/?q=`` (or ``?dialog=1``): outside any organization."""

    def get_context_data(self, **kwargs):
        if self.wants_dialog():
            return super().get_context_data(**kwargs)
        query = self.query()
        kwargs.update(
            query=query,
            tasks=[],
            projects=[],
            pages=self.account_pages(query),
            actions=self.organizations(query),
            themes=self.themes(query),
        )
        return super().get_context_data(**kwargs)
