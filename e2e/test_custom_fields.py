"""Custom fields on a project's list in a real browser: a column chosen from the Columns menu
(kept in the address), a filter from the Fields menu, a sort from the column's header."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, mark_page, page_was_reloaded, sign_in
from workspace.models import FieldType, Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CustomFieldFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)


@pytest.fixture
def deals(db):
    mia = MembershipFactory(
        role=Role.MEMBER,
        organization__name="Acme",
        organization__slug="acme",
        user__email="mia@example.com",
    )
    organization = mia.organization
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Sales", slug="sales")
        amount = CustomFieldFactory(
            project=project, name="Amount", key="amount", field_type=FieldType.NUMBER
        )
        CustomFieldFactory(
            project=project,
            name="Stage",
            key="stage",
            field_type=FieldType.CHOICE,
            options=["Lead", "Won"],
        )
        for title, value, stage in (
            ("Globex renewal", 12500, "Won"),
            ("Initech pilot", 300, "Lead"),
            ("Hooli upsell", 4000, "Won"),
        ):
            TaskFactory(
                project=project,
                organization=organization,
                title=title,
                custom_fields={"amount": value, "stage": stage},
            )
    return amount


def titles(page):
    return page.locator("#task-table tr.task .title").all_inner_texts()


def test_choose_a_column_filter_and_sort_by_custom_fields(live_server, page, deals):
    amount = deals
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/p/sales/")
    mark_page(page)

    page.get_by_test_id("column-menu").locator("summary").click()
    page.get_by_role("checkbox", name="Amount").check()
    htmx_settled(page)

    expect(page.get_by_role("columnheader", name="Amount")).to_be_visible()
    expect(page.locator("tr.task .c-cf").first).to_have_text("4,000")
    expect(page).to_have_url(re.compile(rf"fields={amount.pk}"))

    page.get_by_test_id("field-filters").locator("summary").click()
    page.get_by_role("combobox", name="Stage").select_option("Won")
    htmx_settled(page)
    expect(page.locator("#task-table tr.task")).to_have_count(2)
    page.keyboard.press("Escape")  # the menu closes (it lies over the table's first columns)

    page.get_by_role("columnheader", name="Amount").get_by_role("link").click()
    htmx_settled(page)
    assert titles(page) == ["Hooli upsell", "Globex renewal"]
    expect(page.locator("tr.task .c-cf")).to_have_text(["4,000", "12,500"])
    assert not page_was_reloaded(page)

    page.reload()  # the address holds the column, the filter and the sort
    assert titles(page) == ["Hooli upsell", "Globex renewal"]
    expect(page.get_by_role("columnheader", name="Amount")).to_be_visible()


def test_a_bad_number_says_which_field_and_keeps_the_list(live_server, page, deals):
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/p/sales/")

    page.get_by_test_id("field-filters").locator("summary").click()
    page.get_by_label("Amount from").fill("lots")
    page.get_by_label("Amount from").press("Enter")
    htmx_settled(page)

    expect(page.get_by_role("alert")).to_contain_text("Amount: Enter a number.")
    expect(page.locator("#task-table tr.task")).to_have_count(3)
    expect(page.get_by_label("Amount from")).to_have_value("lots")
