"""The local stack's mailbox: the mail moto's SES accepted, as a person reads it, on the control port.

    GET /mailbox             a page listing the messages (to, subject, time), newest first
    GET /mailbox/<id>        one message: its headers, its HTML part rendered (links clickable), its text part
    GET /mailbox.json        every message decoded, for tests and scripts (`?to=<address>` filters)
    GET /mailbox/<id>.json   one message decoded

Bodies are decoded (quoted-printable, base64, RFC 2047 headers) with the standard library's modern policy.
Dev only: never deployed.
"""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devstack.moto import outbox

_URL = re.compile(r"https?://[^\s<>\"']+")
_HREF = re.compile(r"""href=["']([^"']+)["']""")
_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1f2328; }
main { max-width: 60rem; margin: 1.5rem auto; background: #fff; padding: 1rem 1.5rem; border-radius: 10px; }
table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: .35rem .5rem;
border-bottom: 1px solid #e5e7eb; vertical-align: top; } th { width: 9rem; color: #57606a; font-weight: 600; }
iframe { width: 100%; height: 32rem; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; }
pre { white-space: pre-wrap; background: #f6f8fa; padding: .75rem; border-radius: 6px; }
.meta { color: #57606a; font-size: .9rem; }
"""


def _parse(raw: str) -> EmailMessage:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_type() != f"text/{subtype}":
        return None
    return str(body.get_content()).replace("\r\n", "\n")


def decoded(sent: dict[str, Any]) -> dict[str, Any] | None:
    """One sent message as a reader sees it; None for what moto kept without MIME."""
    if "raw_data" not in sent:
        return None
    message = _parse(sent["raw_data"])
    text, page = _part(message, "plain"), _part(message, "html")
    date = message["Date"]
    found = _URL.findall(text or "") + [html.unescape(href) for href in _HREF.findall(page or "")]
    links = list(dict.fromkeys(found))
    to_header = message["To"]
    addresses = [a.addr_spec for a in getattr(to_header, "addresses", ())] if to_header else []
    return {
        "id": sent["id"],
        "to": addresses or list(sent["destinations"]),
        "from": str(message["From"] or ""),
        "subject": str(message["Subject"] or ""),
        "date": parsedate_to_datetime(str(date)).isoformat() if date else None,
        "headers": {name: str(value) for name, value in message.items()},
        "text": text,
        "html": page,
        "links": links,
    }


def messages(to: str | None = None) -> list[dict[str, Any]]:
    """Every decoded message, newest first (optionally only those sent to `to`)."""
    found = [m for m in (decoded(sent) for sent in outbox()) if m is not None]
    if to:
        found = [m for m in found if to.lower() in (d.lower() for d in m["to"])]
    return list(reversed(found))


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def list_page(to: str | None = None) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(', '.join(m['to']))}</td>"
        f"<td><a href='/mailbox/{html.escape(m['id'])}'>{html.escape(m['subject'] or '(no subject)')}</a></td>"
        f"<td class='meta'><time datetime='{m['date'] or ''}'>{html.escape(m['date'] or '')}</time></td></tr>"
        for m in messages(to)
    )
    table = (
        "<table id='messages'><thead><tr><th scope='col'>To</th><th scope='col'>Subject</th>"
        f"<th scope='col'>Time</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p id='empty'>No mail yet.</p>"
    )
    return _page("Mailbox", f"<h1>Mailbox</h1><p class='meta'>Mail the local stack sent, newest first.</p>{table}")


def _linked(text: str) -> str:
    escaped = html.escape(text)
    return _URL.sub(lambda m: f"<a href='{m.group(0)}' target='_top'>{m.group(0)}</a>", escaped)


def message_page(message: dict[str, Any]) -> str:
    shown = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted")
    head = "".join(
        f"<tr><th scope='row'>{name}</th><td>{html.escape(message['headers'][name])}</td></tr>"
        for name in shown
        if name in message["headers"]
    )
    parts = [f"<p><a href='/mailbox'>All mail</a></p><h1>{html.escape(message['subject'])}</h1>"]
    parts.append(f"<table id='headers'>{head}</table>")
    if message["html"] is not None:
        # the mail's own HTML in a frame without scripts; its links open in this tab
        document = "<base target='_top'>" + message["html"]
        parts.append(
            "<h2>HTML</h2><iframe id='html' title='The message as HTML' "
            "sandbox='allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox' "
            f'srcdoc="{html.escape(document, quote=True)}"></iframe>'
        )
    if message["text"] is not None:
        parts.append(f"<h2>Text</h2><pre id='text'>{_linked(message['text'])}</pre>")
    return _page(message["subject"], "".join(parts))


def respond(path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) for a GET under /mailbox on the control port."""
    split = urlsplit(path)
    wanted_to = parse_qs(split.query).get("to")
    to = wanted_to[0] if wanted_to else None
    route = split.path.rstrip("/")
    if route == "/mailbox.json":
        return 200, "application/json", json.dumps(messages(to)).encode()
    if route == "/mailbox":
        return 200, "text/html; charset=utf-8", list_page(to).encode()
    wanted = route.removeprefix("/mailbox/")
    as_json = wanted.endswith(".json")
    wanted = wanted.removesuffix(".json")
    for message in messages():
        if message["id"] == wanted:
            if as_json:
                return 200, "application/json", json.dumps(message).encode()
            return 200, "text/html; charset=utf-8", message_page(message).encode()
    return 404, "application/json", b'{"error": "no such message"}'
