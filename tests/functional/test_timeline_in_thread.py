"""A ticket's lifecycle events are kept in its thread's partition of the messages table (after every message,
chalicelib/lifecycle), so the agent's ticket page reads the thread and the timeline in one Query; every
reader of the messages alone (the thread over the API, the customer's view, the export, the erasure) asks for
the messages only. A ticket opened before keeps its timeline in the lifecycle table, written and read there."""

from __future__ import annotations

import re

from chalice.test import Client

from chalicelib.db import keys
from chalicelib.db.models import LifecycleEvent, Message, ThreadEvent, Ticket
from tests.functional.conftest import Company
from tests.functional.notify_helpers import Stream
from tests.functional.staff_helpers import desk_browser
from tests.support.dynamodb_requests import dynamodb_requests


def partition(company: Company, ticket_id: str) -> list[str]:
    """The sort keys of the ticket's thread partition, in order."""
    return [m.message_id for m in Message.query(keys.ticket(company.company_id, ticket_id), consistent_read=True)]


def lifecycle_items(company: Company, ticket_id: str) -> list[str]:
    return [e.transition for e in LifecycleEvent.query(keys.ticket(company.company_id, ticket_id))]


def page_timeline(html: str) -> list[str]:
    found = re.search(r'<ol id="timeline">(.*?)</ol>', html, re.S)
    assert found
    return re.findall(r"</time> · ([^<·]+?)(?: · |</li>)", found.group(1))


def test_the_page_reads_the_thread_and_the_timeline_in_one_query_and_other_readers_see_messages_only(
    company: Company, client: Client
) -> None:
    stream = Stream(client, company.company_id)  # this ticket's records, as DynamoDB Streams delivers them
    ada = company.add_agent("Ada")
    opened = company.open_ticket("Printer is broken", "thread.events@example.com")
    ticket_id = opened["ticket_id"]
    stream.step(ticket_id)
    assert ada.call("POST", "/tickets/next")[1]["ticket_id"] == ticket_id
    stream.step(ticket_id)
    assert ada.call("POST", f"/tickets/{ticket_id}/messages", {"body": "Is it plugged in?"})[0] == 201
    stream.step(ticket_id)

    sort_keys = partition(company, ticket_id)
    events = [k for k in sort_keys if k.startswith(keys.THREAD_EVENT)]
    assert [k.rsplit("#", 1)[1] for k in events] == ["created", "taken", "first_reply"]
    assert sort_keys[-3:] == events  # after every message
    assert lifecycle_items(company, ticket_id) == []  # none in the lifecycle table

    browser = desk_browser(company, company.agent_ids["Ada"])
    with dynamodb_requests() as requests:
        page = browser.get(f"/desk/tickets/{ticket_id}")
    assert page.status == 200 and "Is it plugged in?" in page.text and "It prints blank pages." in page.text
    assert page_timeline(page.text) == ["Opened", "Taken", "First reply"]
    assert (requests["BatchGetItem"], requests["Query"]) == (2, 1)
    assert [k for k in requests if k.startswith("Query ")] == [f"Query {Message.Meta.table_name}"]

    # the thread over the API, the customer's view and the timeline over the API: each only its own
    thread = ada.call("GET", f"/tickets/{ticket_id}/messages")[1]["messages"]
    assert [m["body"] for m in thread] == ["It prints blank pages.", "Is it plugged in?"]
    customer_view = company.api.call("GET", f"/customer/tickets/{opened['link_token']}", token="")[1]
    assert [m["body"] for m in customer_view["messages"]] == ["It prints blank pages.", "Is it plugged in?"]
    timeline = ada.call("GET", f"/tickets/{ticket_id}/timeline?limit=2")[1]
    assert [e["transition"] for e in timeline["events"]] == ["created", "taken"] and timeline["next_cursor"]
    rest = ada.call("GET", f"/tickets/{ticket_id}/timeline?limit=2&cursor={timeline['next_cursor']}")[1]
    assert [e["transition"] for e in rest["events"]] == ["first_reply"] and rest["next_cursor"] is None

    # redelivered records rewrite the same events
    assert stream.deliver(*stream.records, times=2) == {"batchItemFailures": []}
    assert partition(company, ticket_id) == sort_keys


def test_a_ticket_opened_before_keeps_its_timeline_in_the_lifecycle_table(company: Company, client: Client) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")
    opened = company.open_ticket("Printer is broken", "timeline.before@example.com")
    ticket_id = opened["ticket_id"]
    stream.step(ticket_id)
    # as today's code left it: no flag, its events in the lifecycle table
    Ticket(company.company_id, ticket_id).update(actions=[Ticket.timeline_in_thread.remove()])
    for key in [k for k in partition(company, ticket_id) if k.startswith(keys.THREAD_EVENT)]:
        ThreadEvent(keys.ticket(company.company_id, ticket_id), key).delete()
    LifecycleEvent(
        keys.ticket(company.company_id, ticket_id),
        f"{opened_at(company, ticket_id)}#1#created",
        company_id=company.company_id,
        transition="created",
        to_status="queued",
        occurred_at=Ticket.get(company.company_id, ticket_id).created_at,
    ).save()

    assert ada.call("POST", "/tickets/next")[1]["ticket_id"] == ticket_id
    stream.step(ticket_id)
    assert lifecycle_items(company, ticket_id) == ["created", "taken"]  # still written there
    assert not [k for k in partition(company, ticket_id) if k.startswith(keys.THREAD_EVENT)]

    browser = desk_browser(company, company.agent_ids["Ada"])
    with dynamodb_requests() as requests:
        page = browser.get(f"/desk/tickets/{ticket_id}")
    assert page_timeline(page.text) == ["Opened", "Taken"] and "It prints blank pages." in page.text
    assert requests["Query"] == 2 and f"Query {LifecycleEvent.Meta.table_name}" in requests
    timeline = ada.call("GET", f"/tickets/{ticket_id}/timeline")[1]["events"]
    assert [e["transition"] for e in timeline] == ["created", "taken"]


def opened_at(company: Company, ticket_id: str) -> str:
    return Ticket.get(company.company_id, ticket_id).created_at.isoformat(timespec="microseconds")


def test_the_export_lists_messages_and_timeline_apart_and_the_erasure_keeps_the_timeline(
    company: Company, client: Client
) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")
    email = "erase.events@example.com"
    opened = company.open_ticket("Printer is broken", email)
    ticket_id = opened["ticket_id"]
    stream.step(ticket_id)
    for path in ("/tickets/next", f"/tickets/{ticket_id}/resolve"):
        assert ada.call("POST", path)[0] == 200
        stream.step(ticket_id)
    assert company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")[0] == 200
    stream.step(ticket_id)
    status, export = company.manager.call("POST", "/customers/export", {"email": email})
    assert status == 200, export
    (exported,) = export["tickets"]
    assert [m["body"] for m in exported["messages"]] == ["It prints blank pages."]
    assert [e["transition"] for e in exported["timeline"]] == ["created", "taken", "resolved", "closed"]

    status, erased = company.manager.call("POST", "/customers/erase", {"email": email})
    assert status == 200 and erased["messages_deleted"] == 1, erased
    left = partition(company, ticket_id)
    assert left and all(k.startswith(keys.THREAD_EVENT) for k in left)  # the timeline stays, as it did
