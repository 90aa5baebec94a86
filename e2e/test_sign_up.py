from playwright.sync_api import expect

from e2e.conftest import link_in


def test_sign_up_confirm_sign_in_and_see_my_name(live_server, page, browser, mailoutbox):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password", exact=False).first.fill("a-long-enough-passphrase")
    page.get_by_label("Password (again)").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # The confirmation link is opened from the mailbox, in a browser without the sign-up session.
    link = link_in(mailoutbox[-1], "/accounts/confirm-email/")
    mail_client = browser.new_context().new_page()
    mail_client.goto(link)
    mail_client.get_by_role("button", name="Confirm").click()

    mail_client.get_by_label("Email").fill("grace@example.com")
    mail_client.get_by_label("Password").fill("a-long-enough-passphrase")
    mail_client.get_by_role("button", name="Sign In").click()

    # A new user with no organization is asked to create one; the top bar shows their name.
    expect(mail_client.get_by_role("heading", name="Create an organization")).to_be_visible()
    expect(mail_client.get_by_test_id("user-name")).to_have_text("Grace Hopper")
