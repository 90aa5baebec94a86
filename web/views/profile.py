from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from accounts.forms import AccountDeleteForm, EmailPreferencesForm, ProfileForm
from accounts.services import user_set_email_preferences, user_update_profile
from workspace.selectors import recent_sign_ins
from workspace.services.accounts import account_delete, organizations_blocking_deletion


class ProfileView(LoginRequiredMixin, TemplateView):
    """Name, e-mail preferences and recent sign-ins. Each form posts its own button's value."""

    template_name = "web/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        kwargs.setdefault("form", ProfileForm(initial={"name": user.name}))
        kwargs.setdefault(
            "email_form",
            EmailPreferencesForm(
                initial={
                    "notify_by_email": user.notify_by_email,
                    "receive_digest": user.receive_digest,
                }
            ),
        )
        kwargs.setdefault("sign_ins", recent_sign_ins(user=user))
        kwargs.setdefault("blocking", organizations_blocking_deletion(user=user))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("form") == "email":
            form = EmailPreferencesForm(request.POST)
            form.is_valid()  # two optional booleans: always valid
            user_set_email_preferences(user=request.user, **form.cleaned_data)
            messages.success(request, "Your e-mail preferences were saved.")
            return redirect("web:profile")
        form = ProfileForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        user_update_profile(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, "Your profile was saved.")
        return redirect("web:profile")


class AccountDeleteView(LoginRequiredMixin, FormView):
    """``/accounts/delete/``: the password again, then the account is erased and signed out.
    While the user is the last owner of an organization the page names it and offers no form
    (the service refuses anyway)."""

    template_name = "web/account_delete.html"
    form_class = AccountDeleteForm

    def get_context_data(self, **kwargs):
        kwargs.setdefault("blocking", organizations_blocking_deletion(user=self.request.user))
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            account_delete(user=self.request.user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, "Your account was deleted. Goodbye!")
        return redirect("account_login")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)
