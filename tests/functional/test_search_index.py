"""The search index carries the ticket's subject and tags, so a search is one Query of the most telling
term with the other words and tags checked on its items, then one BatchGetItem of the tickets that pass
(the status checked and shown as the ticket has it now); the copies follow a subject or a tag change,
a status change writes only its status terms, and index items written before they carried the copies are
still found."""

from __future__ import annotations

import re

from devstack.pump import StreamPump
from tests.functional.conftest import Company
from tests.functional.staff_helpers import WebBrowser, desk_browser
from tests.support.dynamodb_requests import dynamodb_requests


def found(browser: WebBrowser, query: str) -> list[tuple[str, str]]:
    """(subject, status shown) of each result row."""
    page = browser.get(f"/desk/search?{query}")
    assert page.status == 200
    rows = re.findall(r'<td><a href="[^"]+/desk/tickets/[^"]+">([^<]+)</a>.*?</td>\s*<td>([^<]+)</td>', page.text)
    return [(subject, status.strip()) for subject, status in rows]


def test_a_search_of_words_a_status_and_a_tag_is_one_query_then_one_read_of_the_tickets_that_pass(
    company: Company, ticket_stream: StreamPump
) -> None:
    company.add_agent("Ada")
    opened = company.open_ticket("Printer jams on thick paper", email="jam@example.com")
    company.open_ticket("Printer toner is empty", email="toner@example.com")
    company.agents["Ada"].call("POST", "/tickets/next")
    company.agents["Ada"].call("POST", f"/tickets/{opened['ticket_id']}/tags", {"tags": ["hardware"]})
    ticket_stream.drain()
    ada = desk_browser(company, company.agent_ids["Ada"])

    with dynamodb_requests() as requests:
        rows = found(ada, "q=printer+thick+tag%3Ahardware&status=assigned")
    assert rows == [("Printer jams on thick paper", "Assigned")]
    assert requests["Query"] == 1 and requests["BatchGetItem"] == 2  # the session, the term, the tickets
    assert sum(requests[op] for op in ("GetItem", "Scan", "TransactGetItems")) == 0
    assert found(ada, "q=printer&status=assigned") == [("Printer jams on thick paper", "Assigned")]
    assert found(ada, "q=pri+toner") == [("Printer toner is empty", "Waiting")]
    assert found(ada, "q=printer+toner&status=assigned") == []


def test_results_follow_a_status_change_and_the_copies_follow_a_new_tag(
    company: Company, ticket_stream: StreamPump
) -> None:
    from chalicelib.search import SearchTerm

    company.add_agent("Ada")
    opened = company.open_ticket("Scanner makes noise", email="noise@example.com")
    ticket_stream.drain()
    ada = desk_browser(company, company.agent_ids["Ada"])
    assert found(ada, "q=scanner") == [("Scanner makes noise", "Waiting")]

    company.agents["Ada"].call("POST", "/tickets/next")
    company.agents["Ada"].call("POST", f"/tickets/{opened['ticket_id']}/tags", {"tags": ["loud"]})
    ticket_stream.drain()
    assert found(ada, "q=scanner") == [("Scanner makes noise", "Assigned")]
    assert found(ada, "q=scanner&status=queued") == []
    assert found(ada, "q=noise&tag=loud") == [("Scanner makes noise", "Assigned")]
    items = [t for t in SearchTerm.query(company.company_id) if t.ticket_id == opened["ticket_id"]]
    assert {t.term_key.split("#")[0] for t in items} == {
        f"r:{opened['ticket_id'].removeprefix('tkt_')[:8]}",
        "s:assigned",
        "t:loud",
        "w:scanner",
        "w:makes",
        "w:noise",
    }
    assert all((t.subject, t.tags) == ("Scanner makes noise", {"loud"}) for t in items)


def test_a_status_change_writes_only_its_two_status_terms_and_a_new_tag_rewrites_the_copies(moto_server: None) -> None:
    from datetime import UTC, datetime

    from chalicelib.db.models import Ticket
    from chalicelib.search import reindex

    def ticket(status: str, tags: set[str] | None = None) -> Ticket:
        return Ticket(
            "co_search_unit",
            "tkt_0123456789abcdef0123456789abcdef",
            subject="Scanner makes noise",
            status=status,
            tags=tags,
            created_at=datetime(2026, 11, 30, tzinfo=UTC),
        )

    queued = ticket("queued")
    assert reindex(None, queued) == 5  # reference, status, three words
    assert reindex(queued, ticket("assigned")) == 2  # s:queued gone, s:assigned written
    assert reindex(ticket("assigned"), ticket("assigned", {"loud"})) == 6  # every term again, and t:loud


def test_index_items_written_before_they_carried_the_ticket_data_are_still_found(
    company: Company, ticket_stream: StreamPump
) -> None:
    """Deployed tables hold term items with the ticket id only: those tickets are read for the page."""
    from chalicelib.search import SearchTerm

    company.add_agent("Ada")
    opened = company.open_ticket("Monitor flickers at night", email="flicker@example.com")
    ticket_stream.drain()
    items = [t for t in SearchTerm.query(company.company_id) if t.ticket_id == opened["ticket_id"]]
    for item in items:  # as the index was written before: no subject, status or tags
        SearchTerm(company.company_id, item.term_key, ticket_id=item.ticket_id).save()
    ada = desk_browser(company, company.agent_ids["Ada"])

    with dynamodb_requests() as requests:
        rows = found(ada, "q=monitor+night&status=queued")
    assert rows == [("Monitor flickers at night", "Waiting")]
    assert requests["Query"] == 1 and requests["BatchGetItem"] == 2  # the session, then the tickets
    assert found(ada, "q=monitor&status=closed") == []
