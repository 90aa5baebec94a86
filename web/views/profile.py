from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, TemplateView, View

from accounts.forms import (
    AccountDeleteForm,
    EmailPreferencesForm,
    NotificationPreferencesForm,
    ProfileForm,
    ThemeForm,
    TimeZoneForm,
)
from accounts.services import (
    user_set_email_preferences,
    user_set_notification_preferences,
    user_set_theme,
    user_set_time_zone,
    user_update_profile,
)
from workspace.selectors import recent_sign_ins
from workspace.services.accounts import account_delete, organizations_blocking_deletion


class ProfileView(LoginRequiredMixin, TemplateView):
    """Name, time zone, notification and e-mail preferences, recent sign-ins. Each form posts
    its own button's value."""

    template_name = "web/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        kwargs.setdefault("form", ProfileForm(initial={"name": user.name}))
        kwargs.setdefault(
            "time_zone_form", TimeZoneForm(initial={"time_zone": user.time_zone or "UTC"})
        )
        kwargs.setdefault("theme_form", ThemeForm(initial={"theme": user.theme}))
        kwargs.setdefault(
            "notifications_form",
            NotificationPreferencesForm(initial=NotificationPreferencesForm.initial_for(user)),
        )
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
        chosen = request.POST.get("form")
        if chosen == "email":
            form = EmailPreferencesForm(request.POST)
            form.is_valid()  # two optional booleans: always valid
            user_set_email_preferences(user=request.user, **form.cleaned_data)
            messages.success(request, "Your e-mail preferences were saved.")
            return redirect("web:profile")
        if chosen == "time_zone":
            return self.save_time_zone(request)
        if chosen == "notifications":
            return self.save_notifications(request)
        if chosen == "theme":
            return self.save_theme(request)
        form = ProfileForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        user_update_profile(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, "Your profile was saved.")
        return redirect("web:profile")

    def save_time_zone(self, request):
        form = TimeZoneForm(request.POST)
        if form.is_valid():
            try:
                user_set_time_zone(user=request.user, time_zone=form.cleaned_data["time_zone"])
            except ValidationError as error:
                form.add_error("time_zone", error.messages)
        if not form.is_valid():
            context = self.get_context_data(time_zone_form=form)
            return self.render_to_response(context, status=422)
        messages.success(request, f"Times are now shown in {request.user.time_zone}.")
        return redirect("web:profile")

    def save_theme(self, request):
        form = ThemeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(theme_form=form), status=422)
        user_set_theme(user=request.user, theme=form.cleaned_data["theme"])
        messages.success(request, "Your theme was saved.")
        return redirect(f"{request.path}#appearance")

    def save_notifications(self, request):
        form = NotificationPreferencesForm(request.POST)
        if form.is_valid():
            try:
                user_set_notification_preferences(
                    user=request.user,
                    channels=form.channels(),
                    bundle_minutes=form.cleaned_data["email_bundle_minutes"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
        if not form.is_valid():
            context = self.get_context_data(notifications_form=form)
            return self.render_to_response(context, status=422)
        messages.success(request, "Your notification preferences were saved.")
        return redirect(f"{request.path}#notifications")


class ThemeView(LoginRequiredMixin, View):
    """``POST /accounts/theme/`` (the command palette's "toggle theme"): saves the choice and
    goes back to the page it was made on."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ThemeForm(request.POST)
        back = request.POST.get("next") or request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("web:profile")
        if not form.is_valid():
            messages.error(request, "Choose light, dark or the system's setting.")
            return redirect(back)
        user_set_theme(user=request.user, theme=form.cleaned_data["theme"])
        return redirect(back)


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
