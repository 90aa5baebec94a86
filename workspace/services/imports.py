"""Importing an export (``workspace.services.exports``) into a new organization.

The importing user becomes its owner. Only files this site exported are accepted: the manifest's
signature (made with the secret key) and every file's SHA-256 must match, so the member list can
be trusted. Members who have an account here come back with their role (and are welcomed by
e-mail); references to anybody else (assignees, authors, actors) are left empty. Projects, custom
fields, tasks (with their numbers), comments, the trash and the audit log come back as they were.
"""

import hashlib
import json
import uuid
import zipfile
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.crypto import constant_time_compare

from accounts.models import User
from workspace.audit import audit_record
from workspace.integrity import with_fresh_value
from workspace.models import (
    AuditAction,
    AuditLog,
    Comment,
    CustomField,
    Membership,
    Organization,
    Priority,
    Project,
    Role,
    Task,
)
from workspace.services.exports import FORMAT, SECTIONS, VERSION, sign_files
from workspace.services.members import membership_welcome
from workspace.services.organizations import (
    insert_with_fresh_slug,
    slug_follows_rule,
    slug_is_taken,
)
from workspace.tenancy import organization_scope

MAX_UNCOMPRESSED = 2 * 1024**3  # a zip that claims more is refused before reading it
BATCH = 1000


class ImportRefused(ValidationError):
    pass


def _refuse(message: str):
    raise ImportRefused({"archive": message})


def _read(archive) -> dict:
    """The sections of a verified export, parsed."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        _refuse("This is not a zip file. Choose the file Tandem's export gave you.")
    with zf:
        if sum(info.file_size for info in zf.infolist()) > MAX_UNCOMPRESSED:
            _refuse("This file is too large to import.")
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError):
            _refuse("This zip file is not a Tandem export (it has no manifest).")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            _refuse("This zip file is not a Tandem export.")
        if manifest.get("version") != VERSION:
            _refuse("This export was made by another version of Tandem and cannot be imported.")
        files = manifest.get("files")
        signature = manifest.get("signature")
        if (
            not isinstance(files, dict)
            or not isinstance(signature, str)
            or not constant_time_compare(sign_files(files), signature)
        ):
            _refuse("This export was not made here, or was changed since: it cannot be imported.")
        sections = {}
        for name in ("organization", *SECTIONS):
            file_name = f"{name}.json"
            try:
                data = zf.read(file_name)
            except KeyError:
                _refuse(f"This export is incomplete: {file_name} is missing.")
            if not constant_time_compare(
                hashlib.sha256(data).hexdigest(), files.get(file_name, "")
            ):
                _refuse("This export was changed since it was made: it cannot be imported.")
            sections[name] = json.loads(data)
    return sections


def _when(value):
    return datetime.fromisoformat(value) if value else None


def _day(value):
    return date.fromisoformat(value) if value else None


def _batch(value):
    return uuid.UUID(value) if value else None


def _new_organization(data: dict) -> Organization:
    name = " ".join(str(data["name"]).split())[:100] or "Imported"
    slug = str(data.get("slug", ""))

    def insert():
        if slug_follows_rule(slug) and not slug_is_taken(slug):
            organization = Organization(name=name, slug=slug)
            organization.save()
            return organization
        return insert_with_fresh_slug(name)

    return with_fresh_value(
        insert, ValidationError({"archive": "Organizations are being created: try again."})
    )


@transaction.atomic
def organization_import(*, owner: User, archive) -> Organization:
    """Create a new organization, owned by ``owner``, from an export file. Raises
    ``ImportRefused`` (a ValidationError on ``archive``) for files it cannot trust or read."""
    sections = _read(archive)
    try:
        return _restore(owner, sections)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ImportRefused(
            {"archive": f"This export is damaged and cannot be imported ({error})."}
        ) from error


def _restore(owner: User, sections: dict) -> Organization:
    organization = _new_organization(sections["organization"])
    emails = {
        str(row[key]).lower()
        for name in SECTIONS
        for row in sections[name]
        for key in ("email", "lead", "created_by", "assignee", "author", "actor", "deleted_by")
        if row.get(key)
    }
    people = User.objects.annotate(address=Lower("email")).filter(
        address__in=emails, is_active=True, erased_at__isnull=True
    )
    users = {person.address: person for person in people}
    users[owner.email.lower()] = owner

    def user(email):
        return users.get(str(email).lower()) if email else None

    content_types = {
        model: ContentType.objects.get_for_model(model)
        for model in (Organization, Membership, Project, CustomField, Task, Comment)
    }
    ids = {model: {} for model in content_types}
    ids[Organization] = {None: organization.pk}
    with organization_scope(organization):
        owner_membership = Membership.objects.create(
            organization=organization, user=owner, role=Role.OWNER
        )
        memberships = {owner.email.lower(): owner_membership}
        welcomed = []
        for row in sections["members"]:
            person = user(row["email"])
            if person is None:
                continue
            if person.pk == owner.pk:
                ids[Membership][row.get("id")] = owner_membership.pk
                continue
            role = row["role"] if row["role"] in Role.values else Role.MEMBER
            membership = Membership.objects.create(
                organization=organization, user=person, role=role
            )
            memberships[person.email.lower()] = membership
            ids[Membership][row.get("id")] = membership.pk
            welcomed.append(membership)

        def member(email):
            return memberships.get(str(email).lower()) if email else None

        projects = {}
        for row in sections["projects"]:
            project = Project.all_objects.create(
                organization=organization,
                name=row["name"],
                slug=row["slug"],
                description=row["description"],
                status=row["status"],
                lead=member(row["lead"]),
                created_by=user(row["created_by"]),
                created_at=_when(row["created_at"]),
                deleted_at=_when(row["deleted_at"]),
                deleted_by=user(row.get("deleted_by")),
                deletion_batch=_batch(row.get("deletion_batch")),
            )
            projects[row["id"]] = project
            ids[Project][row["id"]] = project.pk
        for row in sections["custom_fields"]:
            field = CustomField.objects.create(
                organization=organization,
                project=projects[row["project_id"]],
                name=row["name"],
                key=row["key"],
                field_type=row["field_type"],
                options=row["options"],
                required=row["required"],
                position=row["position"],
            )
            ids[CustomField][row["id"]] = field.pk
        tasks_by_number = {}
        for start in range(0, len(sections["tasks"]), BATCH):
            rows = sections["tasks"][start : start + BATCH]
            created = Task.all_objects.bulk_create(
                Task(
                    organization=organization,
                    number=int(row["number"]),
                    project=projects[row["project_id"]],
                    title=row["title"],
                    description=row["description"],
                    status=row["status"],
                    priority=Priority.by_key(row["priority"]).value,
                    due_date=_day(row["due_date"]),
                    assignee=member(row["assignee"]),
                    created_by=user(row["created_by"]),
                    created_at=_when(row["created_at"]),
                    completed_at=_when(row["completed_at"]),
                    custom_fields=row["custom_fields"] or {},
                    deleted_at=_when(row["deleted_at"]),
                    deleted_by=user(row.get("deleted_by")),
                    deletion_batch=_batch(row.get("deletion_batch")),
                )
                for row in rows
            )
            for row, task in zip(rows, created, strict=True):
                tasks_by_number[task.number] = task
                ids[Task][row["id"]] = task.pk
        numbers = [*tasks_by_number, int(sections["organization"].get("task_counter") or 0)]
        Organization.all_objects.filter(pk=organization.pk).update(task_counter=max(numbers))
        organization.task_counter = max(numbers)
        for start in range(0, len(sections["comments"]), BATCH):
            rows = sections["comments"][start : start + BATCH]
            created = Comment.all_objects.bulk_create(
                Comment(
                    organization=organization,
                    task=tasks_by_number[int(row["task_number"])],
                    author=user(row["author"]),
                    body=row["body"],
                    created_at=_when(row["created_at"]),
                    edited_at=_when(row["edited_at"]),
                    deleted_at=_when(row["deleted_at"]),
                    deleted_by=user(row.get("deleted_by")),
                )
                for row in rows
            )
            for row, comment in zip(rows, created, strict=True):
                ids[Comment][row["id"]] = comment.pk
        by_type = {content_type.model: model for model, content_type in content_types.items()}
        other_types = {}
        for start in range(0, len(sections["audit_log"]), BATCH):
            entries = []
            for row in sections["audit_log"][start : start + BATCH]:
                object_type = row["object_type"] or ""
                model = by_type.get(object_type)
                content_type = content_types.get(model)
                if content_type is None and object_type:
                    if object_type not in other_types:
                        other_types[object_type] = ContentType.objects.filter(
                            app_label="workspace", model=object_type
                        ).first()
                    content_type = other_types[object_type]
                object_id = None
                if model is Organization:
                    object_id = organization.pk
                elif model is not None:
                    object_id = ids[model].get(row["object_id"])
                entries.append(
                    AuditLog(
                        organization=organization,
                        actor=user(row["actor"]),
                        action=row["action"],
                        content_type=content_type,
                        object_id=object_id,
                        object_repr=row["object_repr"][:200],
                        changed_fields=row["changed_fields"] or {},
                        ip_address=row["ip_address"],
                        user_agent=(row["user_agent"] or "")[:300],
                        created_at=_when(row["created_at"]),
                    )
                )
            AuditLog.objects.bulk_create(entries)
        audit_record(
            organization=organization,
            actor=owner,
            action=AuditAction.CREATED,
            target=organization,
            changed_fields={"imported_from": [None, f"/o/{sections['organization']['slug']}/"]},
        )
        for membership in welcomed:
            membership_welcome(membership=membership)
    return organization
