from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import FormView

from accounts.forms import ProfileForm
from accounts.services import user_update_profile
from workspace.selectors import recent_sign_ins


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "web/profile.html"
    form_class = ProfileForm

    def get_initial(self):
        return {"name": self.request.user.name}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("sign_ins", recent_sign_ins(user=self.request.user))
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        user_update_profile(user=self.request.user, name=form.cleaned_data["name"])
        messages.success(self.request, "Your profile was saved.")
        return redirect("web:profile")
