"""Signed, sign-in-free links that switch an e-mail preference off.

Every notification and digest carries one. The token names the user and the kind of e-mail and
is signed with the secret key; it does not expire (old e-mails must keep working)."""

from django.core import signing

from .models import User

SALT = "tandem.unsubscribe"
KINDS = {
    "notifications": ("notify_by_email", "notification e-mails about your tasks"),
    "digest": ("receive_digest", "the weekly digest"),
}


def make_token(user: User, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown e-mail kind: {kind}")
    return signing.dumps({"u": user.pk, "k": kind}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[User, str] | None:
    """The user and kind a token names, or None when it is forged, garbled or stale."""
    try:
        data = signing.loads(token, salt=SALT)
        user = User.objects.get(pk=data["u"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        return None
    if data.get("k") not in KINDS:
        return None
    return user, data["k"]


def describe(kind: str) -> str:
    return KINDS[kind][1]
