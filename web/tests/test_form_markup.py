"""Labels and help texts are text: no form renders a tag it did not mean to.

crispy-tailwind prints labels, help texts and legends with ``|safe``; our overrides under
``templates/tailwind/`` print them escaped (``mark_safe`` text still renders as markup, on
purpose). ``FORMS`` lists how to build every form of ``web.forms`` and ``accounts.forms``; a form
class missing from it fails ``test_every_form_is_listed``.
"""

import inspect
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import crispy_tailwind
import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

import accounts.forms
import web.forms.comments
import web.forms.organizations
import web.forms.projects
import web.forms.tasks
from workspace.models import Role
from workspace.tests.factories import CustomFieldFactory, MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db

FORM_MODULES = (
    accounts.forms,
    web.forms.comments,
    web.forms.organizations,
    web.forms.projects,
    web.forms.tasks,
)
HOSTILE = '<address>/o/<b>x</b>/</address> & <img src=x onerror="alert(1)">'
HOSTILE_TAGS = {"address", "b", "img"}


def _members(_membership):
    return []


FORMS = {
    "accounts.forms.SignupForm": lambda m: {},
    "accounts.forms.EmailPreferencesForm": lambda m: {},
    "accounts.forms.ProfileForm": lambda m: {},
    "accounts.forms.AccountDeleteForm": lambda m: {},
    "accounts.forms.TimeZoneForm": lambda m: {},
    "accounts.forms.ThemeForm": lambda m: {},
    "accounts.forms.NotificationPreferencesForm": lambda m: {},
    "web.forms.comments.CommentForm": lambda m: {},
    "web.forms.organizations.OrganizationNameForm": lambda m: {},
    "web.forms.organizations.OrganizationSlugForm": lambda m: {},
    "web.forms.organizations.OrganizationDeleteForm": lambda m: {},
    "web.forms.organizations.OrganizationTimeZoneForm": lambda m: {},
    "web.forms.organizations.OrganizationImportForm": lambda m: {},
    "web.forms.organizations.InvitationForm": lambda m: {"actor": m},
    "web.forms.organizations.MemberRoleForm": lambda m: {"actor": m},
    "web.forms.projects.ProjectForm": lambda m: {"organization": m.organization, "members": []},
    "web.forms.projects.CustomFieldForm": lambda m: {},
    "web.forms.projects.CustomFieldEditForm": lambda m: {
        "field": CustomFieldFactory(
            project=ProjectFactory(organization=m.organization),
            field_type="choice",
            options=["Lead", "Won"],
        )
    },
    "web.forms.tasks.TaskForm": lambda m: {
        "organization": m.organization,
        "members": [],
        "project": ProjectFactory(organization=m.organization),
    },
    "web.forms.tasks.InlineTaskForm": lambda m: {
        "organization": m.organization,
        "members": [],
        "field": "title",
    },
}


def form_classes() -> dict[str, type[forms.BaseForm]]:
    found = {}
    for module in FORM_MODULES:
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


RENDERINGS = {
    "form|crispy": "{% load crispy_forms_tags %}{{ form|crispy }}",
    "field|as_crispy_field": (
        "{% load crispy_forms_tags %}{% for field in form %}{{ field|as_crispy_field }}{% endfor %}"
    ),
}


def test_every_form_is_listed():
    assert set(form_classes()) == set(FORMS)


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("name", sorted(FORMS))
def test_hostile_labels_and_help_texts_render_as_text(in_org, owner, name, rendering):
    form = form_classes()[name](**FORMS[name](owner))
    for field in form.fields.values():
        field.label = HOSTILE
        field.help_text = HOSTILE
    form.fields["hostile_checkbox"] = forms.BooleanField(label=HOSTILE, help_text=HOSTILE)

    html = Template(RENDERINGS[rendering]).render(Context({"form": form}))
    page = parse(html)

    assert not page.tags & HOSTILE_TAGS, html
    # Escaped exactly once: the reader sees the text as it was written (label and help text of
    # every visible field).
    assert unescape(html).count(HOSTILE) >= 2 * len(form.visible_fields())


def test_the_address_help_text_shows_the_placeholder(login, owner):
    page = login(owner).get(reverse("web:org-settings", kwargs={"org_slug": "acme"}))
    html = page.content.decode()

    assert "Used in links: /o/your-address/." in html
    assert "address" not in parse(html).tags


def test_a_custom_field_named_like_markup_is_labelled_with_its_name_once_escaped(
    login, in_org, owner
):
    project = ProjectFactory(organization=in_org, slug="launch")
    CustomFieldFactory(project=project, name="<b>Budget & cost</b>", key="budget")
    MembershipFactory(organization=in_org, role=Role.MEMBER)

    page = login(owner).get(reverse("web:task-create", kwargs={"org_slug": "acme"}))
    html = page.content.decode()

    assert "&lt;b&gt;Budget &amp; cost&lt;/b&gt;" in html
    assert "&amp;lt;" not in html
    assert "b" not in parse(html).tags


UNSAFE_TEXT = re.compile(r"\{\{\s*(field\.label|field\.help_text|legend)\|safe")


def test_every_crispy_template_that_trusts_a_label_is_overridden():
    """A crispy-tailwind upgrade that prints labels or help texts with |safe in a new template
    must be overridden too."""
    package = Path(crispy_tailwind.__file__).parent / "templates" / "tailwind"
    ours = Path(__file__).resolve().parents[2] / "templates" / "tailwind"
    trusting = {
        str(path.relative_to(package))
        for path in package.rglob("*.html")
        if UNSAFE_TEXT.search(path.read_text())
    }

    assert trusting
    for name in trusting:
        override = ours / name
        assert override.exists(), f"override {name} under templates/tailwind/"
        assert not UNSAFE_TEXT.search(override.read_text()), name
