from django.http import Http404
from django.shortcuts import render
from django.views.generic import View

from accounts.services import user_unsubscribe
from accounts.unsubscribe import describe, read_token


class UnsubscribeView(View):
    """The link in every notification and digest. Works without signing in; GET asks, POST acts
    (so that mail scanners following links do not unsubscribe anybody)."""

    template_name = "web/unsubscribe.html"

    def dispatch(self, request, *args, **kwargs):
        found = read_token(kwargs["token"])
        if found is None:
            raise Http404("This unsubscribe link is not valid.")
        self.user, self.kind = found
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(done=False)

    def post(self, request, *args, **kwargs):
        user_unsubscribe(user=self.user, kind=self.kind)
        return self.render(done=True)

    def render(self, *, done: bool):
        context = {"what": describe(self.kind), "email": self.user.email, "done": done}
        return render(self.request, self.template_name, context)
