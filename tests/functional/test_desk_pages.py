"""The agent's workspace through its pages (chalice.test.Client, sessions opened by the domain): take next,
reply with a canned reply, note, tag, transfer, resolve, rate; the status switch and take-next on break;
search; the pulse; badges; CSRF; the manager's canned replies and team pages."""

from __future__ import annotations

import re
from typing import Any

from devstack.pump import StreamPump
from tests.functional.conftest import Company
from tests.functional.staff_helpers import WebBrowser, desk_browser, mails_to, signin_links
from tests.support.dynamodb_requests import dynamodb_requests


def ticket_id_of(path: str) -> str:
    match = re.search(r"/desk/tickets/(tkt_[0-9a-f]+)", path)
    assert match, path
    return match.group(1)


def test_an_agent_takes_replies_with_a_canned_reply_notes_tags_and_transfers_and_the_second_line_resolves_and_rates(
    company: Company,
) -> None:
    status, canned = company.manager.call(
        "POST", "/canned-replies", {"title": "Toner", "body": "Please check the toner cartridge."}
    )
    assert status == 201
    company.add_agent("Ada")
    company.add_agent("Tess", tier=2)
    opened = company.open_ticket("Printer prints blank pages")
    ada = desk_browser(company, company.agent_ids["Ada"])

    desk = ada.get("/desk")
    assert desk.status == 200 and 'id="take-next"' in desk.text
    assert re.search(r'id="queue-t1-general">.*?1 waiting', desk.text, re.S)

    answer = ada.post("/desk/next", follow=False)
    assert answer.status == 303 and answer.location.endswith("?notice=taken")
    ticket_id = ticket_id_of(answer.location)
    assert ticket_id == opened["ticket_id"]
    page = ada.get(answer.location)
    assert "The ticket is yours now." in page.text and "Printer prints blank pages" in page.text

    with_canned = ada.get(f"/desk/tickets/{ticket_id}?canned={canned['canned_id']}")
    assert ">Please check the toner cartridge.</textarea>" in with_canned.text

    replied = ada.post(
        f"/desk/tickets/{ticket_id}/reply", {"body": "Please check the toner cartridge.", "visibility": "public"}
    )
    assert "Your reply was sent to the customer." in replied.text
    noted = ada.post(
        f"/desk/tickets/{ticket_id}/reply", {"body": "Customer sounds in a hurry", "visibility": "internal"}
    )
    assert "Your internal note was added." in noted.text
    assert re.search(r'class="note" data-kind="note">.*?Internal note.*?Customer sounds in a hurry', noted.text, re.S)
    assert re.search(r'class="agent" data-kind="reply">.*?Please check the toner', noted.text, re.S)
    customer_page = company.api.client.http.get(f"/c/{opened['link_token']}").body.decode()
    assert "Please check the toner" in customer_page and "in a hurry" not in customer_page

    tagged = ada.post(f"/desk/tickets/{ticket_id}/tags", {"tags": "Billing, printer"})
    assert "Tags added." in tagged.text and '<span class="pill">billing</span>' in tagged.text
    moved = ada.post(f"/desk/tickets/{ticket_id}/transfer", {"to": "queue:2:"})
    assert "The ticket was transferred." in moved.text
    assert company.manager.call("GET", f"/tickets/{ticket_id}")[1]["status"] == "queued"

    tess = desk_browser(company, company.agent_ids["Tess"])
    tess.get("/desk")
    taken = tess.post("/desk/next", follow=False)
    assert ticket_id_of(taken.location) == ticket_id
    tess.get(taken.location)
    resolved = tess.post(f"/desk/tickets/{ticket_id}/resolve")
    assert "Resolved." in resolved.text and 'id="rate"' in resolved.text
    rated = tess.post(f"/desk/tickets/{ticket_id}/rating", {"literacy": "4", "temperament": "5", "note": "Patient"})
    assert "Your rating of the customer was saved." in rated.text and 'id="rate"' not in rated.text
    ratings = company.manager.call("GET", f"/tickets/{ticket_id}/customer-ratings")[1]["ratings"]
    assert [(r["literacy"], r["temperament"], r["note"]) for r in ratings] == [(4, 5, "Patient")]


def test_take_next_on_a_break_is_refused_and_the_page_says_why(company: Company) -> None:
    company.add_agent("Ada")
    opened = company.open_ticket()
    ada = desk_browser(company, company.agent_ids["Ada"])
    ada.get("/desk")
    on_break = ada.post("/desk/status", {"status": "break", "back": "/desk"})
    assert "Your status is now: Break." in on_break.text
    assert re.search(r'aria-pressed="true" data-status="break"', on_break.text)
    refused = ada.post("/desk/next")
    assert refused.status == 200 and 'role="alert"' in refused.text
    assert "You cannot take tickets while your status is Break. Go online" in refused.text
    assert company.manager.call("GET", f"/tickets/{opened['ticket_id']}")[1]["status"] == "queued"
    ada.post("/desk/status", {"status": "online", "back": "/desk"})
    assert ada.post("/desk/next", follow=False).location.endswith("?notice=taken")


def test_a_reply_without_text_shows_the_form_again_and_a_post_without_the_csrf_token_changes_nothing(
    company: Company,
) -> None:
    company.add_agent("Ada")
    opened = company.open_ticket()
    ada = desk_browser(company, company.agent_ids["Ada"])
    ada.get("/desk")
    refused = ada.request("POST", "/desk/next", {})
    assert refused.status == 403 and "did not come from this site" in refused.text
    assert company.manager.call("GET", f"/tickets/{opened['ticket_id']}")[1]["status"] == "queued"
    ticket_id = ticket_id_of(ada.post("/desk/next", follow=False).location)
    ada.get(f"/desk/tickets/{ticket_id}")
    empty = ada.post(f"/desk/tickets/{ticket_id}/reply", {"body": "   ", "visibility": "public"})
    assert empty.status == 422 and 'aria-invalid="true"' in empty.text
    bad = ada.post(f"/desk/tickets/{ticket_id}/tags", {"tags": "no spaces allowed!"})
    assert "Tags are letters, digits" in bad.text
    assert company.manager.call("GET", f"/tickets/{ticket_id}/messages")[1]["messages"][-1]["author_type"] == "customer"


def test_search_finds_tickets_by_reference_customer_email_tag_status_and_words(
    company: Company, ticket_stream: StreamPump
) -> None:
    company.add_agent("Ada")
    printer = company.open_ticket("Printer prints blank pages", email="zoe.search@example.com")
    company.open_ticket("Invoice is wrong", email="max.search@example.com")
    ada = desk_browser(company, company.agent_ids["Ada"])
    ada.get("/desk")
    ticket_id = ticket_id_of(ada.post("/desk/next", follow=False).location)
    assert ticket_id == printer["ticket_id"]
    ada.get(f"/desk/tickets/{ticket_id}")
    ada.post(f"/desk/tickets/{ticket_id}/tags", {"tags": "hardware"})
    ticket_stream.drain()

    def found(query: str) -> list[str]:
        page = ada.get(f"/desk/search?{query}")
        assert page.status == 200
        return re.findall(r'<td><a href="http://desk\.test/desk/tickets/[^"]+">([^<]+)</a>', page.text)

    reference = ticket_id.removeprefix("tkt_")[:8].upper()
    assert found(f"q=%23{reference}") == ["Printer prints blank pages"]
    assert found("q=zoe.search%40example.com") == ["Printer prints blank pages"]
    assert found("q=print") == ["Printer prints blank pages"]
    assert found("q=invoice") == ["Invoice is wrong"]
    assert found("tag=hardware") == ["Printer prints blank pages"]
    assert found("q=tag%3Ahardware+print") == ["Printer prints blank pages"]
    assert found("status=queued") == ["Invoice is wrong"]
    assert found("q=printer&status=queued") == []
    with dynamodb_requests() as requests:
        assert found("q=invoice+wrong&status=queued") == ["Invoice is wrong"]
    assert requests["Scan"] == 0


def test_the_pulse_tells_an_open_workspace_of_a_customer_reply_and_of_a_new_ticket(
    company: Company, ticket_stream: StreamPump
) -> None:
    company.add_agent("Ada")
    opened = company.open_ticket("Printer is broken", email="pulse@example.com")
    ada = desk_browser(company, company.agent_ids["Ada"])
    ada.get("/desk")
    ada.post("/desk/next", follow=False)
    ticket_stream.drain()
    seen = re.search(r"/desk/pulse\?since=(\d+)", ada.get("/desk").text)
    assert seen
    quiet = ada.get(f"/desk/pulse?since={seen.group(1)}")
    assert quiet.status == 204 and quiet.text == ""

    company.api.call("POST", f"/customer/tickets/{opened['link_token']}/messages", {"body": "Still broken"}, token="")
    ticket_stream.drain()
    with dynamodb_requests() as requests:
        news = ada.get(f"/desk/pulse?since={seen.group(1)}")
    assert news.status == 200 and "A customer replied on your ticket" in news.text and "Printer is broken" in news.text
    reads = requests["GetItem"] + requests["BatchGetItem"] + requests["Query"]  # the session, then the news
    assert reads == 2 and requests["UpdateItem"] + requests["PutItem"] == 0

    later = re.search(r"/desk/pulse\?since=(\d+)", ada.get("/desk").text)
    assert later and ada.get(f"/desk/pulse?since={later.group(1)}").status == 204
    company.open_ticket("Scanner jams", email="other.pulse@example.com")
    ticket_stream.drain()
    arrived = ada.get(f"/desk/pulse?since={later.group(1)}")
    assert arrived.status == 200 and "A new ticket is waiting in your queues" in arrived.text


def test_badges_page_shows_the_agents_level_and_the_leaderboard(company: Company) -> None:
    company.add_agent("Ada")
    page = desk_browser(company, company.agent_ids["Ada"]).get("/desk/badges")
    assert page.status == 200 and "Level 1 · Novice · 0 points" in page.text and 'id="leaderboard"' in page.text


def test_staff_pages_carry_a_script_nonce_policy_and_forbid_framing(company: Company) -> None:
    page = desk_browser(company).get("/desk")
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts and all(f'nonce="{nonce.group(1)}"' in s for s in scripts)
    script = company.api.client.http.get(
        re.search(r'src="http://desk\.test(/static/htmx\.min\.js\?v=\w+)"', page.text).group(1)
    )  # type: ignore[union-attr]
    assert script.status_code == 200 and "immutable" in script.headers["Cache-Control"]
    assert company.api.client.http.get("/static/../app.py").status_code in (403, 404)
    assert company.api.client.http.get("/static/nothing.js").status_code == 404


def test_managers_keep_canned_replies_and_agents_may_only_use_them(company: Company) -> None:
    company.add_agent("Ada")
    manager = desk_browser(company)
    manager.get("/manage/canned")
    added = manager.post("/manage/canned", {"title": "Greeting", "body": "Hello, thanks for writing."})
    assert "Saved." in added.text and "Hello, thanks for writing." in added.text
    canned_id = re.search(r'data-canned="(can_[0-9a-f]+)"', added.text).group(1)  # type: ignore[union-attr]
    changed = manager.post(f"/manage/canned/{canned_id}", {"title": "Greeting", "body": "Hi there!"})
    assert "Hi there!" in changed.text
    invalid = manager.post("/manage/canned", {"title": "", "body": ""})
    assert invalid.status == 422 and 'role="alert"' in invalid.text
    ada = desk_browser(company, company.agent_ids["Ada"])
    assert ada.get("/manage/canned").status == 403
    assert [c["body"] for c in company.agents["Ada"].call("GET", "/canned-replies")[1]["canned_replies"]] == [
        "Hi there!"
    ]
    assert manager.post(f"/manage/canned/{canned_id}/delete").status == 200
    assert company.manager.call("GET", "/canned-replies")[1]["canned_replies"] == []


def test_a_manager_invites_from_the_team_page_and_deactivating_ends_the_sessions_at_once(company: Company) -> None:
    manager = desk_browser(company)
    manager.get("/manage/team")
    invalid = manager.post("/manage/team", {"name": "", "email": "nope", "role": "agent", "tier": "1"})
    assert invalid.status == 422 and invalid.text.count('aria-invalid="true"') == 2
    sent = manager.post(
        "/manage/team",
        {"name": "Nia", "email": "nia.team@example.com", "role": "agent", "tier": "1", "departments": "billing"},
    )
    assert "The invitation was sent." in sent.text and "Invited, not signed in yet" in sent.text
    link = signin_links(mails_to("nia.team@example.com")[-1])[0]
    nia = WebBrowser(company.api.client)
    nia.get(link)
    nia.post(link)
    assert nia.get("/desk").status == 200
    employee_id = re.search(r'data-employee="(emp_[0-9a-f]+)">\s*<td>Nia', manager.get("/manage/team").text).group(1)  # type: ignore[union-attr]
    again = manager.post(f"/manage/team/{employee_id}/invitation")
    assert "signed in already" in again.text
    gone = manager.post(f"/manage/team/{employee_id}/deactivate")
    assert "deactivated" in gone.text
    assert nia.get("/desk", follow=False).status == 303


def test_an_employee_chooses_the_language_of_their_pages(company: Company) -> None:
    browser = desk_browser(company)
    browser.get("/account/profile")
    saved = browser.post("/account/profile", {"locale": "ru"})
    assert saved.status == 200 and '<html lang="ru">' in saved.text
    browser.post("/account/profile", {"locale": "xx"})  # not a language of the desk: nothing changes
    assert '<html lang="ru">' in browser.get("/desk").text


def test_a_redelivered_ticket_record_leaves_the_search_index_and_the_pulse_as_they_were(
    company: Company, client: Any
) -> None:
    from chalicelib.db.models import Ticket
    from chalicelib.desk.pulse import PulseChannel
    from chalicelib.search import SearchTerm
    from tests.functional.events import stream_event, stream_record

    opened = company.open_ticket("Router keeps rebooting", email="redelivery@example.com")
    created = Ticket.get(company.company_id, opened["ticket_id"])
    company.add_agent("Ada")
    company.agents["Ada"].call("POST", "/tickets/next")
    company.agents["Ada"].call("POST", f"/tickets/{opened['ticket_id']}/tags", {"tags": ["network"]})
    tagged = Ticket.get(company.company_id, opened["ticket_id"])
    records = [stream_record("7001", created), stream_record("7002", tagged, created)]

    def index() -> tuple[list[str], list[tuple[str, str]]]:
        terms = sorted(t.term_key.split("#")[0] for t in SearchTerm.query(company.company_id))
        marks = sorted((p.channel, p.stamp.isoformat()) for p in PulseChannel.query(company.company_id))
        return terms, marks

    for _delivery in range(3):
        result = client.lambda_.invoke("on_ticket_change", stream_event(*records)).payload
        assert result == {"batchItemFailures": []}
        if _delivery == 0:
            first = index()
    assert index() == first
    terms, marks = first
    assert "t:network" in terms and "w:router" in terms and "s:assigned" in terms and "s:queued" not in terms
    assert [channel for channel, _ in marks] == ["q#t1#-"]
