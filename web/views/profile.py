from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.forms import EmailPreferencesForm, ProfileForm
from accounts.services import user_set_email_preferences, user_update_profile
from workspace.selectors import recent_sign_ins


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
