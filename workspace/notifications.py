"""E-mails the domain sends. Each has a subject, a plain-text and an HTML template under
``templates/email/``; links are absolute (``TANDEM_SITE_URL``) because jobs send them."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def build_templated_email(
    *, template: str, to: list[str], context: dict, unsubscribe_url: str | None = None
) -> EmailMultiAlternatives:
    context = {
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": unsubscribe_url,
        **context,
    }
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    return message
