"""``/accounts/time-zone/``: the zone a person's dates and times are shown in. Pages offer the
browser's zone to people who never chose one (static/js/timezone.js posts it here)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import View

from accounts.services import user_set_time_zone


class TimeZoneView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            user_set_time_zone(user=request.user, time_zone=request.POST.get("time_zone", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Times are now shown in {request.user.time_zone}.")
        # A whole page: every time on it is shown again in the new zone.
        return redirect(self.next_url())

    def next_url(self) -> str:
        candidate = self.request.POST.get("next") or ""
        if candidate.startswith("/") and url_has_allowed_host_and_scheme(
            candidate,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return candidate
        return "/"
