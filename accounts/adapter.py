from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Allauth glue: stores the display name given at sign-up."""

    def save_user(self, request, user, form, commit=True):
        user.name = form.cleaned_data.get("name", "")
        return super().save_user(request, user, form, commit=commit)
