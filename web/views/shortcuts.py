"""The keyboard shortcuts (static/js/keyboard.js): ``GET /o/<org>/shortcuts/``. A page of its
own for a plain request (the layout's "Keyboard shortcuts" link, without JavaScript); for
static/js/dialogs.js, which fetches it the first time ``?``, ``c`` or a ``g`` sequence needs it,
the shortcuts dialog and the quick-create dialog, so that no page carries them until then."""

from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView

from web.htmx import wants_fragment
from web.mixins import OrganizationMixin


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class ShortcutsView(OrganizationMixin, TemplateView):
    http_method_names = ["get"]
    template_name = "web/shortcuts.html"

    def get_template_names(self):
        if wants_fragment(self.request):
            return ["components/shortcuts.html#dialogs"]
        return [self.template_name]
