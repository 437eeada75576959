"""Karma and agents' notes never reach a customer: every customer-facing response (the intake, every
route behind a customer link, JSON or page, and the e-mail sent after the close) is walked for a
customer whose karma is as telling as it gets, and for the private note's text. Managers can export
everything about the customer and erase them, keeping anonymous aggregates."""

from __future__ import annotations

import json
import re

from chalice.test import Client

from chalicelib.db.models import Ticket
from chalicelib.karma.models import Karma
from tests.functional.conftest import Company
from tests.functional.karma_helpers import rate
from tests.functional.routes import body_for, endpoints, fill, route_id
from tests.functional.tips_helpers import deliver as deliver_tip_email
from tests.functional.tips_helpers import parts, sent_mail
from tests.functional.tips_helpers import stream_record as tip_record

NOTE = "PRIVATE-NOTE-4471 shouts at everyone"
FORBIDDEN = re.compile(r"karma|literacy|literate|temperament|difficult|calm|balance|routing|PRIVATE-NOTE-4471", re.I)
LINK = re.compile(r"http://desk\.test/(rate|tip)/([A-Za-z0-9_.\-]+)")


# Random values (script nonces, signed links, ids) may spell a word by chance ("calm" in a nonce): not text.
# (A long run counts as random only with a digit in it, so a leaked name like karma_temperament_min is still seen.)
RANDOM = re.compile(r"(?=[A-Za-z0-9_.\-]*[0-9])[A-Za-z0-9_.\-]{20,}|nonce-[A-Za-z0-9_\-]+|nonce=\"[^\"]*\"")


def leaks(text: str) -> list[str]:
    return sorted({m.group(0).lower() for m in FORBIDDEN.finditer(RANDOM.sub(" ", text))})


def test_no_customer_facing_response_or_email_shows_karma_or_agents_notes(company: Company, client: Client) -> None:
    email = "pia@example.com"
    company.add_agent("Ada")
    for _ in range(3):
        rate(company, client, "Ada", email, literacy=5, temperament=1, note=NOTE)
    company.add_agent("Tess", tier=2)
    opened = company.open_ticket("Router reboots every night", email)
    assert opened["first_line_skipped"] is True  # the one thing the intake may say: the offer
    assert leaks(json.dumps(opened)) == []
    tess = company.agents["Tess"]
    ticket_id = opened["ticket_id"]
    assert tess.call("POST", "/tickets/next")[1]["routing_reason"] == "skip_first_line"
    tess.call("POST", f"/tickets/{ticket_id}/messages", {"body": NOTE, "visibility": "internal"})
    tess.call("POST", f"/tickets/{ticket_id}/messages", {"body": "Please update the firmware."})
    tess.call("POST", f"/tickets/{ticket_id}/resolve")
    before = Ticket.get(company.company_id, ticket_id)
    assert company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")[0] == 200
    assert (
        tess.call("POST", f"/tickets/{ticket_id}/customer-rating", {"literacy": 5, "temperament": 1, "note": NOTE})[0]
        == 201
    )
    after = Ticket.get(company.company_id, ticket_id)

    assert deliver_tip_email(client, tip_record("7001", after, before)) == {"batchItemFailures": []}
    [message] = sent_mail(email)
    bodies = parts(message)
    assert bodies and all(leaks(body) == [] for body in bodies.values())
    assert leaks(str(message["Subject"])) == []
    tokens = {kind: token for kind, token in LINK.findall(bodies["text/plain"])}

    walked = 0
    for endpoint in endpoints("link"):
        kind = endpoint.path.split("/")[1]
        token = tokens.get(kind) if kind in ("rate", "tip") else opened["link_token"]
        assert token or kind == "tip", f"no link for {route_id(endpoint)}"
        is_form = endpoint.produces == "text/html" and endpoint.method == "POST"
        status, body = company.api.call(
            endpoint.method,
            fill(endpoint.path, {"link": token or tokens["rate"]}),
            None if is_form else body_for(endpoint),
            token="",
            headers={"Content-Type": "application/x-www-form-urlencoded"} if is_form else None,
            raw="body=Thanks&stars=5&comment=ok" if is_form else None,
        )
        assert status < 500, route_id(endpoint)
        text = body if isinstance(body, str) else json.dumps(body)
        assert leaks(text) == [], f"{route_id(endpoint)} shows {leaks(text)}"
        assert leaks(json.dumps(company.api.last_headers)) == [], route_id(endpoint)
        walked += 1
    assert walked >= 8


def test_a_manager_exports_everything_about_a_customer_and_erases_them_keeping_anonymous_aggregates(
    company: Company, client: Client
) -> None:
    email = "eve.gdpr@example.com"
    company.add_agent("Ada")
    rated = rate(company, client, "Ada", email, literacy=4, temperament=2, note=NOTE)
    ticket_id = rated.ticket_id
    company.api.call("POST", f"/customer/tickets/{rated.link_token}/confirm", token="")

    status, export = company.manager.call("POST", "/customers/export", {"email": email})
    assert status == 200, export
    assert export["customer"]["email"] == email
    assert export["karma"]["ratings"] == 1
    assert export["ratings_by_agents"][0]["note"] == NOTE
    assert [t["ticket_id"] for t in export["tickets"]] == [ticket_id]
    assert export["tickets"][0]["messages"][0]["body"] == "It prints blank pages."
    assert company.agents["Ada"].call("POST", "/customers/export", {"email": email})[0] == 403

    open_one = company.open_ticket("One more thing", email)
    status, problem = company.manager.call("POST", "/customers/erase", {"email": email})
    assert status == 409 and problem["type"] == "/problems/customer-has-open-tickets"
    company.agents["Ada"].call("POST", "/tickets/next")
    company.agents["Ada"].call("POST", f"/tickets/{open_one['ticket_id']}/resolve")
    company.api.call("POST", f"/customer/tickets/{open_one['link_token']}/confirm", token="")

    status, erased = company.manager.call(
        "POST", "/customers/erase", {"customer_id": export["customer"]["customer_id"]}
    )
    assert status == 200, erased
    assert erased["tickets_anonymized"] == 2 and erased["ratings_deleted"] == 1
    assert company.manager.call("POST", "/customers/export", {"email": email})[0] == 404
    kept = company.manager.call("GET", f"/tickets/{ticket_id}")[1]
    assert kept["status"] == "closed" and kept["subject"] == "(erased)"
    assert kept["customer_id"] != export["customer"]["customer_id"] and kept["assignee_id"] == company.agent_ids["Ada"]
    assert company.manager.call("GET", f"/tickets/{ticket_id}/messages")[1]["messages"] == []
    assert company.manager.call("GET", f"/tickets/{ticket_id}/customer-ratings")[1]["ratings"] == []
    assert Karma.count(company.company_id) == 0
    # a late redelivery of the old rating record brings nothing back
    from tests.functional.karma_helpers import deliver

    assert deliver(client, rated.record) == {"batchItemFailures": []}
    assert Karma.count(company.company_id) == 0
    assert company.manager.call("POST", "/customers/erase", {"email": email})[0] == 404
