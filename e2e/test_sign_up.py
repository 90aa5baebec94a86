from playwright.sync_api import expect

from e2e.conftest import link_in


def test_sign_up_confirm_and_land_signed_in(live_server, page, mailoutbox):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password", exact=False).first.fill("a-long-enough-passphrase")
    page.get_by_label("Password (again)").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    message = mailoutbox[-1]
    assert message.body.startswith("Hello from Tandem!")

    # The confirmation link, opened in the browser that signed up, signs the new user in.
    page.goto(link_in(message, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()

    # A new user with no organization is asked to create one; the top bar shows their name.
    expect(page.get_by_role("heading", name="Create an organization")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Grace Hopper")
