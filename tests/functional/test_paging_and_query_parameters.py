"""Cursor paging on list routes and query parameters checked as documented (issue 12, item 8)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import Api, Company, sign_up


def all_pages(api: Api, path: str, key: str, limit: int) -> list[list[Any]]:
    pages: list[list[Any]] = []
    cursor = None
    while True:
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, body = api.call("GET", url)
        assert status == 200, body
        pages.append(body[key])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "paging does not end"


def test_tickets_come_a_page_at_a_time_newest_first_without_gaps_or_repeats(company: Company) -> None:
    opened = [company.open_ticket(subject=f"Problem {n}", email=f"c{n}@example.com")["ticket_id"] for n in range(7)]
    pages = all_pages(company.manager, "/tickets", "tickets", 3)
    assert [len(p) for p in pages][:3] == [3, 3, 1]
    seen = [t["ticket_id"] for p in pages for t in p]
    assert seen == list(reversed(opened))


def test_a_status_filter_pages_through_only_matching_tickets(company: Company) -> None:
    agent = company.add_agent("Ada")
    for n in range(5):
        company.open_ticket(subject=f"Problem {n}", email=f"c{n}@example.com")
    taken = [agent.call("POST", "/tickets/next")[1]["ticket_id"] for _ in range(2)]
    pages = all_pages(company.manager, "/tickets?status=assigned", "tickets", 1)
    assert sorted(t["ticket_id"] for p in pages for t in p) == sorted(taken)
    assert all(t["status"] == "assigned" for p in pages for t in p)


def test_employees_messages_timeline_and_tips_are_paged(company: Company) -> None:
    for name in ("Ada", "Bob", "Cy"):
        company.add_agent(name)
    employees = [e["employee_id"] for p in all_pages(company.manager, "/employees", "employees", 2) for e in p]
    assert len(employees) == len(set(employees)) == 4
    ticket_id = company.open_ticket()["ticket_id"]
    company.agents["Ada"].call("POST", "/tickets/next")
    for n in range(4):
        company.agents["Ada"].call("POST", f"/tickets/{ticket_id}/messages", {"body": f"Reply {n}"})
    thread = [m["body"] for p in all_pages(company.manager, f"/tickets/{ticket_id}/messages", "messages", 2) for m in p]
    assert thread == ["It prints blank pages.", "Reply 0", "Reply 1", "Reply 2", "Reply 3"]
    assert all_pages(company.manager, f"/tickets/{ticket_id}/timeline", "events", 2)
    assert all_pages(company.manager, "/tips", "tips", 5) == [[]]


def test_a_cursor_from_another_company_or_list_or_tampered_is_refused(company: Company, api: Api) -> None:
    for n in range(3):
        company.open_ticket(subject=f"Problem {n}", email=f"c{n}@example.com")
    cursor = company.manager.call("GET", "/tickets?limit=1")[1]["next_cursor"]
    assert cursor
    other = sign_up(api, "Globex")
    for who, path in (
        (other.manager, f"/tickets?cursor={cursor}"),
        (company.manager, f"/employees?cursor={cursor}"),
        (company.manager, f"/tickets?cursor={cursor[:-2]}AA"),
        (company.manager, f"/tickets?status=closed&cursor={cursor}x"),
    ):
        status, problem = who.call("GET", path)
        assert status == 422 and problem["errors"][0]["field"] == "query.cursor", (path, problem)


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=abc", "limit=1.5", "status=open", "assignee=someone", "cursor=%00"],
)
def test_query_parameters_are_checked_as_documented(company: Company, query: str) -> None:
    status, problem = company.manager.call("GET", f"/tickets?{query}")
    assert status == 422, problem
    assert problem["errors"][0]["field"] == f"query.{query.split('=')[0]}"


@pytest.mark.parametrize("query", ["from=2026-02-30", "to=yesterday", "from=2026-1-1", "employee_id=x"])
def test_period_and_id_parameters_are_checked(company: Company, query: str) -> None:
    status, problem = company.manager.call("GET", f"/tips?{query}")
    assert status == 422 and problem["errors"][0]["field"].startswith("query."), problem
