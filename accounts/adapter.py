from allauth.account.adapter import DefaultAccountAdapter

VERIFIED_EMAIL_SESSION_KEY = "account_verified_email"  # allauth's own key


class AccountAdapter(DefaultAccountAdapter):
    """Allauth glue."""

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
