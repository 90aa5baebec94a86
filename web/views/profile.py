from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import FormView

from accounts.forms import ProfileForm
from accounts.services import user_update_profile


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "web/profile.html"
    form_class = ProfileForm

    def get_initial(self):
        return {"name": self.request.user.name}

    def form_valid(self, form):
        user_update_profile(user=self.request.user, name=form.cleaned_data["name"])
        messages.success(self.request, "Your profile was saved.")
        return redirect("web:profile")
