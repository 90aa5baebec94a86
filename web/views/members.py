from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from web.forms.organizations import InvitationForm, MemberRoleForm
from web.htmx import render_fragment, wants_fragment
from web.mixins import OrganizationAdminMixin, OrganizationMixin
from workspace import permissions, selectors
from workspace.models import Membership
from workspace.services import members as services

TEMPLATE = "web/members.html"


@dataclass
class MemberRow:
    """A member as the current user sees them: what they may do to this row."""

    membership: Membership
    role_form: MemberRoleForm | None
    can_remove: bool
    is_me: bool
    error: str = ""

    @classmethod
    def build(cls, actor: Membership, membership: Membership, error: str = "") -> "MemberRow":
        role_form = None
        if permissions.can_change_role(actor, membership):
            role_form = MemberRoleForm(
                actor=actor, initial={"role": membership.role}, prefix=f"m{membership.pk}"
            )
        return cls(
            membership=membership,
            role_form=role_form,
            can_remove=permissions.can_remove(actor, membership),
            is_me=membership.pk == actor.pk,
            error=error,
        )


def members_page_context(view, invite_form=None) -> dict:
    actor = view.membership
    rows = [
        MemberRow.build(actor, m) for m in selectors.member_list(organization=view.organization)
    ]
    owners = [row for row in rows if row.membership.is_owner]
    context = {
        "rows": rows,
        "can_manage": permissions.can_manage_members(actor),
        # The sole owner cannot leave: the page says why instead of offering a button.
        "sole_owner": actor.is_owner and len(owners) == 1,
    }
    if context["can_manage"]:
        invitations = list(selectors.pending_invitation_list(organization=view.organization))
        for invitation in invitations:
            invitation.can_manage = permissions.can_manage_invitation(actor, invitation)
        context["invitations"] = invitations
        context["invite_form"] = invite_form or InvitationForm(actor=actor)
    return context


class MemberListView(OrganizationMixin, TemplateView):
    template_name = TEMPLATE

    def get_context_data(self, **kwargs):
        return super().get_context_data(**members_page_context(self), **kwargs)


class MemberObjectMixin(OrganizationAdminMixin):
    def get_target(self) -> Membership:
        return get_object_or_404(
            Membership.objects.filter(organization=self.organization).select_related("user"),
            pk=self.kwargs["pk"],
        )

    def row_response(self, target: Membership, *, error: str = "", status: int = 200):
        context = {
            "row": MemberRow.build(self.membership, target, error),
            "organization": self.organization,
        }
        return render_fragment(
            self.request, TEMPLATE, "member-row", context, status=status, event="members-changed"
        )


class MemberRoleView(MemberObjectMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        target = self.get_target()
        form = MemberRoleForm(request.POST, actor=self.membership, prefix=f"m{target.pk}")
        error = ""
        if not form.is_valid():
            error = "Choose one of the offered roles."
        else:
            try:
                services.membership_change_role(
                    actor=self.membership, membership=target, role=form.cleaned_data["role"]
                )
            except ValidationError as exc:
                error = exc.messages[0]
                target.refresh_from_db()
        if wants_fragment(request):
            if not error:
                messages.success(request, f"{target.user} is now {target.get_role_display()}.")
            return self.row_response(target, error=error, status=422 if error else 200)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"{target.user} is now {target.get_role_display()}.")
        return redirect("web:member-list", org_slug=self.organization.slug)


class MemberRemoveView(MemberObjectMixin, TemplateView):
    """GET asks for confirmation (in the row for htmx, as a page otherwise); POST removes."""

    template_name = TEMPLATE

    def get(self, request, *args, **kwargs):
        target = self.get_target()
        if not permissions.can_remove(self.membership, target):
            raise PermissionDenied("You cannot remove this member.")
        context = {
            "target": target,
            "organization": self.organization,
            "assigned_count": selectors.assigned_task_count(membership=target),
        }
        if wants_fragment(request):
            return render_fragment(request, TEMPLATE, "member-remove-confirm", context)
        return self.render_to_response(
            self.get_context_data(
                **members_page_context(self),
                confirm_remove=target,
                assigned_count=context["assigned_count"],
            )
        )

    def post(self, request, *args, **kwargs):
        target = self.get_target()
        try:
            services.membership_remove(actor=self.membership, membership=target)
        except ValidationError as exc:
            if wants_fragment(request):
                return self.row_response(target, error=exc.messages[0], status=422)
            messages.error(request, exc.messages[0])
            return redirect("web:member-list", org_slug=self.organization.slug)
        messages.success(request, f"{target.user} was removed from {self.organization}.")
        if wants_fragment(request):
            response = HttpResponse("")
            response["HX-Trigger"] = "members-changed"
            return response
        return redirect("web:member-list", org_slug=self.organization.slug)


class MemberLeaveView(OrganizationMixin, TemplateView):
    template_name = "web/member_leave.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("sole_owner", selectors.is_sole_owner(membership=self.membership))
        kwargs.setdefault(
            "assigned_count", selectors.assigned_task_count(membership=self.membership)
        )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.membership_leave(membership=self.membership)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("web:member-list", org_slug=self.organization.slug)
        messages.success(request, f"You left {self.organization}.")
        return redirect("web:home")
