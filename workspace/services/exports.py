"""Exporting an organization: everything it holds as one zip of JSON and CSV files.

An owner asks for one (``export_request``); a job builds it (``export_build``), reporting its
progress; the owner downloads it through a signed link that expires (``download_token``), and the
cleanup job deletes the file then (``exports_expire``). ``workspace.services.imports`` turns such
a file back into a new organization.

The zip holds ``manifest.json`` (format, version, the organization, a SHA-256 per file and a
signature over them made with the secret key, so that an import can trust the member list) and,
each as ``.json`` (what an import reads) and ``.csv`` (for spreadsheets): ``organization``,
``members``, ``projects``, ``custom_fields``, ``tasks``, ``comments`` and ``audit_log``.
People are named by e-mail address; rows in the trash are included with their deletion time.
"""

import csv
import hashlib
import io
import json
import logging
import secrets
import zipfile
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from workspace import permissions, signals
from workspace.models import (
    AuditLog,
    Comment,
    CustomField,
    ExportStatus,
    Membership,
    Organization,
    OrganizationExport,
    Priority,
    Project,
    Task,
)
from workspace.task_export import safe_cell

logger = logging.getLogger(__name__)

FORMAT = "tandem-export"
VERSION = 1
DOWNLOAD_SALT = "tandem.export.download"
MANIFEST_SALT = "tandem.export.manifest"
CHUNK = 2000
# The sections, in the order they are written (and imported).
SECTIONS = ("members", "projects", "custom_fields", "tasks", "comments", "audit_log")


def export_root() -> Path:
    return Path(settings.TANDEM_EXPORT_ROOT)


def link_lifetime() -> timedelta:
    return timedelta(hours=settings.TANDEM_EXPORT_LINK_HOURS)


# --- Requesting and downloading --------------------------------------------------------------


@transaction.atomic
def export_request(*, organization: Organization, actor: Membership) -> OrganizationExport:
    """Queue an export (a job builds it after commit). While one is being built, asking again
    returns that one."""
    if not permissions.can_delete_organization(actor):
        raise PermissionDenied("Only owners can export the organization.")
    Organization.all_objects.select_for_update().get(pk=organization.pk)
    running = OrganizationExport.objects.filter(organization=organization).in_progress().first()
    if running is not None:
        return running
    export = OrganizationExport.objects.create(organization=organization, requested_by=actor.user)
    transaction.on_commit(
        lambda: signals.export_requested.send(
            sender=OrganizationExport, organization_id=organization.pk, export_id=export.pk
        )
    )
    return export


def download_token(export: OrganizationExport) -> str:
    return signing.dumps({"e": export.pk, "o": export.organization_id}, salt=DOWNLOAD_SALT)


def export_for_token(*, organization: Organization, token: str) -> OrganizationExport | None:
    """The organization's finished export a download link names, or None when the link is
    forged, belongs to another organization or expired (``signing.SignatureExpired``: the
    caller says so)."""
    try:
        data = signing.loads(token, salt=DOWNLOAD_SALT, max_age=link_lifetime().total_seconds())
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != organization.pk:
        return None
    return (
        OrganizationExport.objects.filter(
            organization=organization, pk=data.get("e"), status=ExportStatus.DONE
        )
        .exclude(file_name="")
        .first()
    )


def export_path(export: OrganizationExport) -> Path:
    return export_root() / export.file_name


def progress_of(export: OrganizationExport) -> int:
    """Percent done: the job reports it in the cache while it works (its reads run in one
    snapshot transaction, invisible until it ends)."""
    if export.in_progress:
        return cache.get(_progress_key(export.pk), export.progress)
    return export.progress


def _progress_key(export_id: int) -> str:
    return f"export-progress:{export_id}"


# --- Building --------------------------------------------------------------------------------


def _email(user) -> str:
    return user.email if user is not None else ""


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _safe_cell(value):
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return safe_cell(str(value))


def _member_rows(organization):
    memberships = Membership.objects.filter(organization=organization).select_related("user")
    for m in memberships.order_by("pk").iterator(chunk_size=CHUNK):
        yield {
            "id": m.pk,
            "email": m.user.email,
            "name": m.user.display_name,
            "role": m.role,
            "joined_at": _iso(m.created_at),
        }


def _project_rows(organization):
    projects = Project.all_objects.filter(organization=organization).select_related(
        "lead__user", "created_by"
    )
    for p in projects.order_by("pk").iterator(chunk_size=CHUNK):
        yield {
            "id": p.pk,
            "name": p.name,
            "slug": p.slug,
            "description": p.description,
            "status": p.status,
            "lead": _email(p.lead.user) if p.lead else "",
            "created_by": _email(p.created_by),
            "created_at": _iso(p.created_at),
            "deleted_at": _iso(p.deleted_at),
            "deleted_by": _email(p.deleted_by),
            "deletion_batch": str(p.deletion_batch) if p.deletion_batch else None,
        }


def _custom_field_rows(organization):
    fields = CustomField.objects.filter(organization=organization)
    for f in fields.order_by("pk").iterator(chunk_size=CHUNK):
        yield {
            "id": f.pk,
            "project_id": f.project_id,
            "name": f.name,
            "key": f.key,
            "field_type": f.field_type,
            "options": f.options,
            "required": f.required,
            "position": f.position,
        }


def _task_rows(organization):
    tasks = Task.all_objects.filter(organization=organization).select_related(
        "assignee__user", "created_by", "deleted_by"
    )
    for t in tasks.order_by("number").iterator(chunk_size=CHUNK):
        yield {
            "id": t.pk,
            "number": t.number,
            "project_id": t.project_id,
            "title": t.title,
            "description": t.description,
            "status": t.status,
            "priority": Priority(t.priority).key,
            "due_date": _iso(t.due_date),
            "assignee": _email(t.assignee.user) if t.assignee else "",
            "created_by": _email(t.created_by),
            "created_at": _iso(t.created_at),
            "updated_at": _iso(t.updated_at),
            "completed_at": _iso(t.completed_at),
            "custom_fields": t.custom_fields,
            "deleted_at": _iso(t.deleted_at),
            "deleted_by": _email(t.deleted_by),
            "deletion_batch": str(t.deletion_batch) if t.deletion_batch else None,
        }


def _comment_rows(organization):
    comments = Comment.all_objects.filter(organization=organization).select_related(
        "author", "task", "deleted_by"
    )
    for c in comments.order_by("pk").iterator(chunk_size=CHUNK):
        yield {
            "id": c.pk,
            "task_number": c.task.number,
            "author": _email(c.author),
            "body": c.body,
            "created_at": _iso(c.created_at),
            "edited_at": _iso(c.edited_at),
            "deleted_at": _iso(c.deleted_at),
            "deleted_by": _email(c.deleted_by),
        }


def _audit_rows(organization):
    entries = AuditLog.objects.filter(organization=organization).select_related(
        "actor", "content_type"
    )
    for e in entries.order_by("created_at", "pk").iterator(chunk_size=CHUNK):
        yield {
            "created_at": _iso(e.created_at),
            "actor": _email(e.actor),
            "actor_name": e.actor.display_name if e.actor else "",
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "changed_fields": e.changed_fields,
            "ip_address": e.ip_address,
            "user_agent": e.user_agent,
        }


ROWS = {
    "members": _member_rows,
    "projects": _project_rows,
    "custom_fields": _custom_field_rows,
    "tasks": _task_rows,
    "comments": _comment_rows,
    "audit_log": _audit_rows,
}


def _counts(organization) -> dict[str, int]:
    return {
        "members": Membership.objects.filter(organization=organization).count(),
        "projects": Project.all_objects.filter(organization=organization).count(),
        "custom_fields": CustomField.objects.filter(organization=organization).count(),
        "tasks": Task.all_objects.filter(organization=organization).count(),
        "comments": Comment.all_objects.filter(organization=organization).count(),
        "audit_log": AuditLog.objects.filter(organization=organization).count(),
    }


class _HashingWriter:
    """A zip member being written, hashed on the way."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, text: str) -> None:
        data = text.encode()
        self.digest.update(data)
        self.handle.write(data)


def _write_section(archive, name, make_rows, report) -> dict[str, str]:
    """``<name>.json`` (an array) and ``<name>.csv``, each streamed row by row from its own pass
    over the rows (the same snapshot); returns their hashes."""
    digests = {}
    with archive.open(f"{name}.json", "w") as handle:
        out = _HashingWriter(handle)
        out.write("[")
        for index, row in enumerate(make_rows()):
            out.write(("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False))
            report()
        out.write("\n]\n")
        digests[f"{name}.json"] = out.digest.hexdigest()
    with archive.open(f"{name}.csv", "w") as handle:
        out = _HashingWriter(handle)
        text = io.StringIO()
        writer = csv.writer(text)
        columns = None
        for row in make_rows():
            if columns is None:
                columns = list(row)
                writer.writerow(columns)
            writer.writerow([_safe_cell(row[column]) for column in columns])
            if text.tell() > 1 << 16:
                out.write(text.getvalue())
                text.seek(0)
                text.truncate()
        out.write(text.getvalue())
        digests[f"{name}.csv"] = out.digest.hexdigest()
    return digests


def sign_files(files: dict[str, str]) -> str:
    return signing.Signer(salt=MANIFEST_SALT).signature(json.dumps(files, sort_keys=True))


def _organization_data(organization: Organization) -> dict:
    return {
        "name": organization.name,
        "slug": organization.slug,
        "plan": organization.plan,
        "created_at": _iso(organization.created_at),
        "task_counter": organization.task_counter,
    }


def _snapshot():
    """One consistent view of the organization for every section (PostgreSQL; the first
    statement of the transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def export_build(*, export_id: int) -> OrganizationExport:
    """Build the zip of a pending export. Runs in the organization's scope (the job enters
    it); progress goes to the cache as it goes, the row is updated at the end."""
    export = OrganizationExport.objects.select_related("organization").get(pk=export_id)
    if export.status != ExportStatus.PENDING:
        return export
    organization = export.organization
    OrganizationExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    relative = f"{organization.pk}/{export.pk}-{secrets.token_hex(8)}.zip"
    target = export_root() / relative
    partial = target.with_suffix(".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                _snapshot()
            counts = _counts(organization)
            total = max(1, sum(counts.values()))
            done = 0

            def report():
                nonlocal done
                done += 1
                if done % 500 == 0:
                    cache.set(_progress_key(export.pk), min(99, done * 100 // total), 3600)

            files = {}
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                organization_json = json.dumps(_organization_data(organization), indent=2)
                archive.writestr("organization.json", organization_json)
                files["organization.json"] = hashlib.sha256(organization_json.encode()).hexdigest()
                for name in SECTIONS:
                    rows = ROWS[name]
                    files.update(
                        _write_section(archive, name, lambda rows=rows: rows(organization), report)
                    )
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "exported_at": _iso(timezone.now()),
                    "organization": {"name": organization.name, "slug": organization.slug},
                    "counts": counts,
                    "files": files,
                    "signature": sign_files(files),
                }
                archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        partial.replace(target)
    except Exception as error:
        logger.exception("export %s of organization %s failed", export.pk, organization.pk)
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        OrganizationExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:300],
            finished_at=timezone.now(),
        )
        export.refresh_from_db()
        return export
    now = timezone.now()
    OrganizationExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE,
        progress=100,
        file_name=relative,
        size=target.stat().st_size,
        finished_at=now,
        expires_at=now + link_lifetime(),
    )
    cache.delete(_progress_key(export.pk))
    export.refresh_from_db()
    return export


# --- Expiring --------------------------------------------------------------------------------


def export_delete_file(export: OrganizationExport) -> None:
    if export.file_name:
        (export_root() / export.file_name).unlink(missing_ok=True)


def exports_expire(*, organization: Organization, now=None) -> int:
    """Delete the files of the organization's exports whose link expired; the rows stay, as
    "expired". Runs in the organization's scope."""
    now = now or timezone.now()
    expired = 0
    for export in OrganizationExport.objects.filter(
        organization=organization, status=ExportStatus.DONE, expires_at__lte=now
    ):
        export_delete_file(export)
        OrganizationExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.EXPIRED, file_name=""
        )
        expired += 1
    return expired
