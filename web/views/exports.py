"""Exporting an organization (owners) and importing an export into a new organization."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django.views.generic import FormView, TemplateView, View

from web.forms.organizations import OrganizationImportForm
from web.htmx import wants_fragment
from web.mixins import OrganizationOwnerMixin
from web.views.errors import error_response
from workspace.models import ExportStatus, OrganizationExport
from workspace.services import exports as services
from workspace.services.imports import organization_import

EXPIRED = "This download link has expired. Create a new export on the export page."
RECENT = 10


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class OrganizationExportView(OrganizationOwnerMixin, TemplateView):
    """The owner asks for an export and downloads it; while one is built, the list refreshes
    itself (htmx polling of the ``exports`` partial)."""

    template_name = "web/org_export.html"

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#exports"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        now = timezone.now()
        exports = list(
            OrganizationExport.objects.filter(organization=self.organization)
            .select_related("requested_by")
            .order_by("-created_at", "-pk")[:RECENT]
        )
        for export in exports:
            export.percent = services.progress_of(export)
            export.download_url = None
            if export.status == ExportStatus.DONE and export.expires_at > now:
                export.download_url = reverse(
                    "web:org-export-download",
                    kwargs={
                        "org_slug": self.organization.slug,
                        "token": services.download_token(export),
                    },
                )
        kwargs.setdefault("exports", exports)
        kwargs.setdefault("building", any(export.in_progress for export in exports))
        kwargs.setdefault("link_hours", int(services.link_lifetime().total_seconds() // 3600))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        services.export_request(organization=self.organization, actor=self.membership)
        messages.success(
            request, "Your export is being prepared. This page shows when it is ready."
        )
        return redirect("web:org-export", org_slug=self.organization.slug)


class OrganizationExportDownloadView(OrganizationOwnerMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        try:
            export = services.export_for_token(
                organization=self.organization, token=kwargs["token"]
            )
        except signing.SignatureExpired:
            return error_response(request, 410, EXPIRED)
        if export is None:
            raise Http404("No such export.")
        path = services.export_path(export)
        if export.expires_at <= timezone.now() or not path.exists():
            return error_response(request, 410, EXPIRED)
        stamp = timezone.localtime(export.finished_at).strftime("%Y%m%d-%H%M")
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{self.organization.slug}-export-{stamp}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"  # the whole organization: never cached
        return response


class OrganizationImportView(LoginRequiredMixin, FormView):
    """``/orgs/import/``: a new organization, owned by the user, from an export file."""

    template_name = "web/org_import.html"
    form_class = OrganizationImportForm

    def form_valid(self, form):
        try:
            organization = organization_import(
                owner=self.request.user, archive=form.cleaned_data["archive"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{organization.name} was imported. You are its owner.")
        return redirect(organization)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)
