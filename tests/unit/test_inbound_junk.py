"""Which mail makes no ticket: the junk and loop rules over parsed headers."""

from __future__ import annotations

import pytest

from chalicelib.inbound.junk import verdict
from chalicelib.inbound.parse import ParsedMail


def _mail(sender: str = "ann@example.com", **headers: str) -> ParsedMail:
    return ParsedMail(
        sender=sender,
        sender_name="Ann",
        subject="Hello",
        message_id="<a@example.com>",
        in_reply_to=[],
        references=[],
        recipients=["desk@in.servicedesk.local"],
        text="Hi",
        html_only=False,
        headers={name.replace("_", "-"): value for name, value in headers.items()},
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"auto_submitted": "auto-replied"}, "auto-submitted: auto-replied"),
        ({"auto_submitted": "auto-generated; owner-email=x@y"}, "auto-submitted: auto-generated"),
        ({"x_autoreply": "yes"}, "auto-reply"),
        ({"x_autorespond": "Out of office"}, "auto-reply"),
        ({"precedence": "Junk"}, "precedence: junk"),
        ({"precedence": "list"}, "precedence: list"),
        ({"list_id": "<team.lists.example.com>"}, "mailing list"),
        ({"x_ses_spam_verdict": "FAIL"}, "spam"),
        ({"x_ses_virus_verdict": "FAIL"}, "virus"),
    ],
)
def test_auto_replies_bulk_lists_and_ses_fail_verdicts_are_junk(headers: dict[str, str], reason: str) -> None:
    assert verdict(_mail(**headers)) == reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@example.com", "postmaster@example.com", "mailer-daemon+x@a.b"])
def test_system_senders_are_junk(sender: str) -> None:
    assert verdict(_mail(sender.lower())) == "bounce or system mail"


def test_a_persons_mail_is_not_junk_even_with_harmless_headers() -> None:
    clean = _mail(auto_submitted="no", x_autoreply="no", precedence="", x_ses_spam_verdict="PASS")
    assert verdict(clean) is None
