"""The local stack's mailbox (devstack/mailbox.py) over the mail moto's SES accepted: decoded, listed,
shown with its links, as JSON for tests."""

# ruff: noqa: RUF001 (Russian text is meant to be Cyrillic)

from __future__ import annotations

import html
import json

from chalicelib import mail
from devstack import mailbox
from tests.functional.conftest import Company


def test_the_mailbox_lists_decodes_and_shows_each_message_with_clickable_links(company: Company) -> None:
    address = "mailbox.reader@example.com"
    message = mail.Mail(
        to=address,
        to_name="Анна",
        subject="Не приходит письмо с подтверждением регистрации на сайте компании",
        text="Здравствуйте!\nОткройте: http://desk.test/c/abc?x=1&y=2",
        html="<p>Здравствуйте!</p><p><a id='view' href='http://desk.test/c/abc?x=1&amp;y=2'>Открыть</a></p>",
        headers={"Message-ID": "<one@servicedesk.local>", "In-Reply-To": "<root@servicedesk.local>"},
    )
    mail.send(message)

    status, content_type, body = mailbox.respond(f"/mailbox.json?to={address}")
    assert status == 200 and content_type == "application/json"
    [found] = json.loads(body)
    assert found["subject"] == message.subject and found["to"] == [address]
    assert found["text"].startswith("Здравствуйте!\nОткройте:") and "=D0" not in found["text"]
    assert found["links"] == ["http://desk.test/c/abc?x=1&y=2"]
    assert found["headers"]["In-Reply-To"] == "<root@servicedesk.local>" and found["date"]

    status, content_type, page = mailbox.respond("/mailbox")
    assert status == 200 and content_type.startswith("text/html")
    assert html.escape(message.subject) in page.decode() and f"/mailbox/{found['id']}" in page.decode()

    status, _, shown = mailbox.respond(f"/mailbox/{found['id']}")
    text = shown.decode()
    assert status == 200 and "<iframe id='html'" in text and "&lt;base target=&#x27;_top&#x27;&gt;" in text
    assert "<a href='http://desk.test/c/abc?x=1&amp;y=2' target='_top'>" in text  # the text part's link too
    assert mailbox.respond("/mailbox/nope")[0] == 404
    assert json.loads(mailbox.respond(f"/mailbox/{found['id']}.json")[2])["id"] == found["id"]
