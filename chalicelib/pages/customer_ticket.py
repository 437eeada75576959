"""The customer's ticket page, built only from the allow-listed customer view of a ticket."""

from __future__ import annotations

from typing import Any

from chalicelib.pages import escape, render

STATUS_LABELS = {"open": "Open", "resolved": "Resolved: waiting for your confirmation", "closed": "Closed"}


def ticket_page(view: dict[str, Any], action_base: str, error: str | None = None) -> str:
    messages = "\n".join(
        f'<li class="{escape(m["from"])}"><div class="meta">{"You" if m["from"] == "you" else "Support"} · '
        f"{escape(m['created_at'])}</div>{escape(m['body'])}</li>"
        for m in view["messages"]
    )
    confirm = ""
    if view["can_confirm"]:
        confirm = (
            f'<form method="post" action="{escape(action_base)}/confirm"><p>Did this solve your problem?</p>'
            '<button class="secondary" id="confirm" type="submit">Yes, close my ticket</button></form>'
        )
    reply = ""
    if view["can_reply"]:
        problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
        reply = (
            f'<form method="post" action="{escape(action_base)}/reply">{problem}'
            '<label for="body">Write a reply</label>'
            '<textarea id="body" name="body" required maxlength="20000"></textarea>'
            '<p><button id="send" type="submit">Send</button></p></form>'
        )
    return render(
        "customer_ticket",
        title=view["subject"],
        subject=view["subject"],
        status_label=STATUS_LABELS.get(view["status"], view["status"]),
        created_at=view["created_at"],
        raw={"messages": messages, "confirm_block": confirm, "reply_block": reply},
    )
