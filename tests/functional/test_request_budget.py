"""DynamoDB requests per route: every declared route is called at its dearest (a waiting ticket of a
difficult customer for take-next, the day's longest reply, a session due to be touched by the pulse, ...; the
scenarios are in tests/functional/route_scenarios.py) and may make at most three requests, except the
few listed in `EXCEPTIONS` with the reason. The pages a customer opens from their e-mails are held to
exactly what they read: mail scanners and customers hit them most."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from chalice.test import Client

import app  # noqa: F401  (registers every route)
from chalicelib.http.route import Endpoint
from tests.functional.conftest import Api, Company
from tests.functional.route_scenarios import SCENARIOS, World, build_world, default
from tests.functional.routes import endpoints, route_id
from tests.functional.staff_helpers import sign_up_company
from tests.functional.tips_helpers import Partner, emailed, enable_tips, page, partner_fixture  # noqa: F401
from tests.support.dynamodb_requests import dynamodb_requests
from tests.support.request_budget import BUDGET, EXCEPTIONS

OPERATIONS = (
    *("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"),
    *("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"),
)


@dataclass
class Counted:
    route: str
    label: str
    status: int
    requests: int
    operations: dict[str, int]


failed: list[str] = []


def operations(seen: Counter[str]) -> dict[str, int]:
    """The requests by operation (the counter also keeps them by operation and table)."""
    return {op: seen[op] for op in OPERATIONS if seen[op]}


def count(world: World, endpoint: Endpoint) -> list[Counted]:
    scenario = SCENARIOS.get((endpoint.method, endpoint.path), default)
    world.drain()
    found = []
    for request in scenario(world, endpoint):
        with dynamodb_requests() as seen:
            status, body = request.send(world)
        if status >= 400:
            failed.append(f"{route_id(endpoint)} ({request.label}): {status} {body[:300]} - fix its scenario")
        made = operations(seen)
        found.append(Counted(route_id(endpoint), request.label, status, sum(made.values()), made))
    return found


@pytest.fixture
def world(api: Api, client: Client, partner: Partner) -> World:
    return build_world(sign_up_company(api), client, partner)


def test_every_interactive_route_makes_at_most_three_dynamodb_requests(world: World) -> None:
    counted: list[Counted] = []
    for endpoint in endpoints("bearer", "session", "link", "public", "visitor"):
        counted += count(world, endpoint)
    report = "\n".join(f"{c.requests:3d} {c.route} {c.label} {c.operations}" for c in counted)
    print(report)
    assert not failed, "\n".join(failed)
    over = [c for c in counted if c.requests > BUDGET and tuple(c.route.split(" ", 1)) not in EXCEPTIONS]
    dearer = {tuple(c.route.split(" ", 1)) for c in counted if c.requests > BUDGET}
    assert set(EXCEPTIONS) <= dearer, f"within the budget now, drop from EXCEPTIONS: {set(EXCEPTIONS) - dearer}"
    assert not over, "over the budget:\n" + "\n".join(f"{c.route} ({c.label}): {c.operations}" for c in over)
    assert all(c.operations.get("Scan", 0) == 0 for c in counted), "a Scan in a request path"


def test_the_exceptions_name_declared_routes() -> None:
    declared = {(e.method, e.path) for e in endpoints("bearer", "session", "link", "public", "visitor")}
    assert set(EXCEPTIONS) <= declared, set(EXCEPTIONS) - declared


def test_the_rating_page_the_rating_and_the_tip_click_each_read_in_one_request(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client)
    assert mail.tip_path is not None

    with dynamodb_requests() as shown:
        assert page(company.api, "GET", mail.rate_path)[0] == 200
    assert shown == {"BatchGetItem": 1}

    with dynamodb_requests() as rated:
        status, _, headers = page(company.api, "POST", mail.rate_path, "stars=5&comment=Quick&then=tip")
    assert status == 303 and headers["Location"].startswith("http://desk.test/tip/")
    # read all at once; write the rating, the counters, the load and the funnel at once; go on from what it wrote
    assert operations(rated) == {"BatchGetItem": 1, "TransactWriteItems": 1}

    with dynamodb_requests() as clicked:
        assert page(company.api, "GET", headers["Location"].removeprefix("http://desk.test"))[0] == 302
    assert clicked["BatchGetItem"] == 1 and clicked["GetItem"] == 0 and clicked["Query"] == 0


def test_a_low_ratings_answer_is_one_read_and_one_write(company: Company, partner: Partner, client: Client) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client)
    status, html, _ = page(company.api, "POST", mail.rate_path, "stars=1")
    assert status == 200 and 'name="comment"' in html  # asked what went wrong
    with dynamodb_requests() as answered:
        status, _, headers = page(company.api, "POST", f"{mail.rate_path}/comment", "comment=Too+slow&then=tip")
    assert status == 303 and headers["Location"].startswith("http://desk.test/tip/")
    assert operations(answered) == {"BatchGetItem": 1, "UpdateItem": 1}


def test_the_ticket_page_reads_the_ticket_and_its_company_at_once_then_the_thread(company: Company) -> None:
    company.add_agent("Ada")
    opened = company.open_ticket("Budget", "budget.page@example.com")
    with dynamodb_requests() as shown:
        assert page(company.api, "GET", f"/c/{opened['link_token']}")[0] == 200
    assert shown == {"BatchGetItem": 1, "Query": 1, "Query servicedesk-local-messages": 1}
    with dynamodb_requests() as asked:
        assert page(company.api, "GET", f"/c/{opened['link_token']}/confirm")[0] == 200
    assert asked == {"BatchGetItem": 1}


def test_the_confirm_page_of_a_confirmed_ticket_shows_the_stars_from_two_reads(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client)
    with dynamodb_requests() as shown:
        status, html, _ = page(company.api, "GET", f"/c/{mail.closed.link_token}/confirm")
    assert status == 200 and 'name="stars"' in html
    assert operations(shown) == {"BatchGetItem": 2}  # the ticket and company, then what the rating page reads
