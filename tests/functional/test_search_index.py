"""The search index carries what a result shows (subject, status, tags), so a search is one Query of the
most telling term with the other parts checked on its items; the copies follow the ticket through the
stream, and index items written before they carried it are still found (their tickets are read)."""

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


def test_a_search_of_words_a_status_and_a_tag_is_one_query_after_the_session_and_reads_no_ticket(
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
    assert requests["Query"] == 1 and requests["BatchGetItem"] == 1  # the session's read, then the term
    assert sum(requests[op] for op in ("GetItem", "Scan", "TransactGetItems")) == 0
    assert found(ada, "q=printer&status=assigned") == [("Printer jams on thick paper", "Assigned")]
    assert found(ada, "q=pri+toner") == [("Printer toner is empty", "Waiting")]
    assert found(ada, "q=printer+toner&status=assigned") == []


def test_the_copies_in_the_index_follow_a_status_change_and_a_new_tag(
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
    assert all((t.subject, t.status, t.tags) == ("Scanner makes noise", "assigned", {"loud"}) for t in items)


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
