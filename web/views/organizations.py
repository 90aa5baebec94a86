from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from web.forms.organizations import (
    OrganizationDeleteForm,
    OrganizationNameForm,
    OrganizationSlugForm,
    OrganizationTimeZoneForm,
)
from web.mixins import OrganizationAdminMixin, OrganizationMixin, OrganizationOwnerMixin
from web.tables.tasks import task_cards
from workspace import permissions, selectors
from workspace.models import ORGANIZATION_RESTORE_WINDOW
from workspace.services import organizations as services


class HomeView(LoginRequiredMixin, TemplateView):
    """``/``: the last-used organization, else pending invitations, else create one."""

    template_name = "web/home.html"

    def get(self, request, *args, **kwargs):
        organization = selectors.last_used_organization(user=request.user)
        if organization is not None:
            return redirect(organization)
        invitations = selectors.pending_invitations_for_user(user=request.user)
        if not invitations:
            return redirect("web:org-create")
        return self.render_to_response(self.get_context_data(invitations=invitations))


class OrganizationCreateView(LoginRequiredMixin, FormView):
    template_name = "web/org_create.html"
    form_class = OrganizationNameForm

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "deleted_organizations",
            selectors.deleted_organizations_for_owner(user=self.request.user),
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        organization = services.organization_create(
            name=form.cleaned_data["name"], owner=self.request.user
        )
        messages.success(self.request, f"{organization.name} is ready. Invite your team!")
        return redirect(organization)


class OrganizationHomeView(OrganizationMixin, TemplateView):
    """The dashboard: my open tasks, what is overdue and due this week, recent changes."""

    template_name = "web/org_home.html"

    def get_context_data(self, **kwargs):
        dashboard = selectors.dashboard(membership=self.membership)
        tasks_url = reverse("web:task-list", kwargs={"org_slug": self.organization.slug})
        dashboard["due_this_week_count"] = len(dashboard["due_this_week"])
        for name in ("my_open_tasks", "due_this_week", "recently_updated"):
            dashboard[name] = task_cards(dashboard[name], tasks_url=tasks_url)
        kwargs.update(dashboard)
        return super().get_context_data(**kwargs)


class OrganizationSettingsView(OrganizationAdminMixin, TemplateView):
    """Admins rename the organization; owners also change its address and see the plan.

    Both forms post here; the submit button's ``form`` value says which one was sent."""

    template_name = "web/org_settings.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "name_form", OrganizationNameForm(initial={"name": self.organization.name})
        )
        kwargs.setdefault(
            "time_zone_form",
            OrganizationTimeZoneForm(initial={"time_zone": self.organization.time_zone}),
        )
        if permissions.can_change_slug(self.membership):
            kwargs.setdefault(
                "slug_form", OrganizationSlugForm(initial={"slug": self.organization.slug})
            )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("form") == "slug":
            return self._change_slug(OrganizationSlugForm(request.POST))
        if request.POST.get("form") == "time_zone":
            return self._set_time_zone(OrganizationTimeZoneForm(request.POST))
        return self._rename(OrganizationNameForm(request.POST))

    def _set_time_zone(self, form):
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(time_zone_form=form), status=422)
        services.organization_set_time_zone(
            organization=self.organization,
            actor=self.membership,
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(
            self.request, f"Days now begin at midnight in {self.organization.time_zone}."
        )
        return redirect("web:org-settings", org_slug=self.organization.slug)

    def _rename(self, form):
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(name_form=form), status=422)
        services.organization_rename(
            organization=self.organization, actor=self.membership, name=form.cleaned_data["name"]
        )
        messages.success(self.request, "The organization was renamed.")
        return redirect("web:org-settings", org_slug=self.organization.slug)

    def _change_slug(self, form):
        if form.is_valid():
            try:
                services.organization_change_slug(
                    organization=self.organization,
                    actor=self.membership,
                    slug=form.cleaned_data["slug"],
                )
            except ValidationError as error:
                form.add_error(None, error)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(slug_form=form), status=422)
        messages.success(self.request, "The address was changed. Old links redirect members here.")
        return redirect("web:org-settings", org_slug=self.organization.slug)


class OrganizationDeleteView(OrganizationOwnerMixin, FormView):
    """The owner types the organization's name; it is hidden at once and restorable for 30
    days (``/o/<org>/restore/``)."""

    template_name = "web/org_delete.html"
    form_class = OrganizationDeleteForm

    def get_context_data(self, **kwargs):
        kwargs.setdefault("restore_days", ORGANIZATION_RESTORE_WINDOW.days)
        kwargs.setdefault(
            "member_count", selectors.member_list(organization=self.organization).count()
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        organization = self.organization
        try:
            services.organization_delete(
                organization=organization,
                actor=self.membership,
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        until = organization.restorable_until
        messages.success(
            self.request,
            f"{organization.name} was deleted. Its owners can restore it until "
            f"{until:%b} {until.day}, {until.year}, from the organization menu.",
        )
        return redirect("web:home")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class OrganizationRestoreView(OrganizationOwnerMixin, TemplateView):
    """The one page of a deleted organization, for its owners."""

    template_name = "web/org_restore.html"
    serves_deleted_organization = True

    def get(self, request, *args, **kwargs):
        if not self.organization.is_deleted:
            return redirect(self.organization)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("restorable", timezone.now() <= self.organization.restorable_until)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.organization_restore(organization=self.organization, actor=self.membership)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("web:org-restore", org_slug=self.organization.slug)
        messages.success(request, f"{self.organization.name} was restored.")
        return redirect(self.organization)
