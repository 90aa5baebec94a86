from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.core.exceptions import ValidationError
from django.shortcuts import render

SIGN_IN_LOCKOUT_SECONDS = 15 * 60
PRODUCT_NAME = "Tandem"

VERIFIED_EMAIL_SESSION_KEY = "account_verified_email"  # allauth's own key


@dataclass(frozen=True)
class ProductSite:
    """What allauth's e-mails call "the site" (``current_site``): without django.contrib.sites
    it is the request's host ("Hello from 127.0.0.1:8000!"); ours names the product."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """Allauth glue."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        domain = request.get_host() if request is not None else ""
        site = ProductSite(name=PRODUCT_NAME, domain=domain)
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def save_user(self, request, user, form, commit=True):
        """Store the display name given at sign-up.

        An address proven by an invitation link (stashed in the session) only counts as verified
        for an account created with that same address: allauth would otherwise attach it to
        whatever account is being created."""
        user.name = form.cleaned_data.get("name", "")
        user = super().save_user(request, user, form, commit=commit)
        stashed = request.session.get(VERIFIED_EMAIL_SESSION_KEY)
        if stashed and stashed.lower() != (user.email or "").lower():
            request.session[VERIFIED_EMAIL_SESSION_KEY] = None
        return user

    def pre_authenticate(self, request, **credentials):
        """Past the failed sign-in limit (ACCOUNT_RATE_LIMITS["login_failed"]), answer with a
        429 page that says so, whatever the password, instead of a form error."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            response = render(
                request,
                "429.html",
                {
                    "message": "Too many failed sign-in attempts. For your security, signing in "
                    "is paused for a while.",
                    "reset_text": "Try again in 15 minutes, or reset your password.",
                },
                status=429,
            )
            response["Retry-After"] = str(SIGN_IN_LOCKOUT_SECONDS)
            raise ImmediateHttpResponse(response) from error
