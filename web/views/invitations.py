from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView, View

from web.forms.organizations import InvitationForm
from web.htmx import render_fragment, wants_fragment
from web.mixins import OrganizationAdminMixin
from web.receivers import INVITATION_SESSION_KEY
from web.views.members import TEMPLATE as MEMBERS_TEMPLATE
from web.views.members import members_page_context
from workspace import selectors
from workspace.models import Invitation
from workspace.services import invitations as services
from workspace.tenancy import organization_scope


class InvitationPanelMixin(OrganizationAdminMixin):
    """After a change, htmx gets the invitations panel back; plain posts are redirected."""

    template_name = MEMBERS_TEMPLATE

    def panel_response(self):
        if wants_fragment(self.request):
            context = {**members_page_context(self), "organization": self.organization}
            return render_fragment(
                self.request, MEMBERS_TEMPLATE, "invitations", context, event="members-changed"
            )
        return redirect("web:member-list", org_slug=self.organization.slug)


class InvitationCreateView(InvitationPanelMixin, TemplateView):
    """Invite by e-mail."""

    def get(self, request, *args, **kwargs):
        return redirect("web:member-list", org_slug=self.organization.slug)

    def post(self, request, *args, **kwargs):
        form = InvitationForm(request.POST, actor=self.membership)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    organization=self.organization,
                    actor=self.membership,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return self.panel_response()
        if wants_fragment(request):
            context = {
                **members_page_context(self, invite_form=form),
                "organization": self.organization,
            }
            return render_fragment(request, MEMBERS_TEMPLATE, "invitations", context, status=422)
        context = self.get_context_data(**members_page_context(self, invite_form=form))
        return self.render_to_response(context, status=422)


class InvitationActionView(InvitationPanelMixin, View):
    """POST-only actions on one invitation: resend or revoke."""

    http_method_names = ["post"]
    action = "resend"  # or "revoke", set in the URLconf

    def post(self, request, *args, **kwargs):
        invitation = get_object_or_404(
            Invitation.objects.filter(organization=self.organization), pk=kwargs["pk"]
        )
        try:
            if self.action == "resend":
                services.invitation_resend(actor=self.membership, invitation=invitation)
                messages.success(request, f"Invitation re-sent to {invitation.email}.")
            else:
                services.invitation_revoke(actor=self.membership, invitation=invitation)
                messages.success(request, f"Invitation for {invitation.email} revoked.")
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return self.panel_response()


class InvitationAcceptView(TemplateView):
    """``/invitations/<token>/``: the way in for invited people, signed in or not.

    Signed-out visitors see who invited them and go through sign-up or sign-in, then come back.
    Signing up through the link proves the address (the link was mailed to it), so allauth skips
    the confirmation mail, and the invitation is accepted as part of sign-up (web.receivers)."""

    template_name = "web/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = selectors.invitation_by_token(token=kwargs["token"])
        if self.invitation is None:
            raise Http404("This invitation link is not valid.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        invitation = self.invitation
        user = request.user
        if invitation.state == "pending" and not user.is_authenticated:
            request.session[INVITATION_SESSION_KEY] = invitation.token
            get_adapter(request).stash_verified_email(request, invitation.email)
        if (
            invitation.state == "accepted"
            and user.is_authenticated
            and invitation.accepted_by_id == user.pk
        ):
            return redirect(invitation.organization)
        status = 200 if invitation.state == "pending" else 410
        matches = user.is_authenticated and services.invitation_matches_user(invitation, user)
        if invitation.state == "pending" and user.is_authenticated and not matches:
            status = 403
        return self.render_to_response(
            self.get_context_data(invitation=invitation, email_matches=matches), status=status
        )

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(request.path)
        with organization_scope(self.invitation.organization):
            try:
                services.invitation_accept(invitation=self.invitation, user=request.user)
            except (services.InvitationUnusable, services.InvitationWrongUser):
                return self.get(request, *args, **kwargs)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(request, f"Welcome to {self.invitation.organization}!")
        return redirect(self.invitation.organization)
