from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from web.forms.organizations import (
    OrganizationNameForm,
    OrganizationSlugForm,
    OrganizationTimeZoneForm,
)
from web.mixins import OrganizationAdminMixin, OrganizationMixin
from workspace import permissions, selectors
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
        kwargs.update(selectors.dashboard(membership=self.membership))
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
