"""What typing ``@`` in a comment or description offers: the organization's members."""

import re

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.generic import View

from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from workspace import selectors

MAX_QUERY = 100
LISTBOX_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,60}")


class MemberSuggestView(OrganizationMixin, View):
    """GET ``?q=``: up to 8 members as listbox options (a fragment for mentions.js)."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        if not wants_fragment(request):
            return redirect("web:member-list", org_slug=self.organization.slug)
        query = request.GET.get("q", "")[:MAX_QUERY]
        members = selectors.member_suggestions(organization=self.organization, query=query)
        return TemplateResponse(
            request,
            "components/mention_options.html",
            {"members": members, "query": query, "listbox": self.listbox_id()},
        )

    def listbox_id(self) -> str:
        """The listbox the options go into (their ids start with it): an id, or "mentions"."""
        listbox = self.request.GET.get("listbox", "")
        return listbox if LISTBOX_ID.fullmatch(listbox) else "mentions"
