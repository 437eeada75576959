"""What the pages a customer opens from their e-mails cost in DynamoDB requests: the ticket page reads the
ticket and the company in one BatchGetItem and the thread in one Query; the confirm page, the rating page,
the rating and the tip click each read everything they need in one BatchGetItem (bench/calls.py measures every
route; these are the ones mail scanners and customers hit most)."""

from __future__ import annotations

from chalice.test import Client

from tests.functional.conftest import Company
from tests.functional.tips_helpers import Partner, emailed, enable_tips, page, partner_fixture  # noqa: F401
from tests.support.dynamodb_requests import dynamodb_requests


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
        status, html, _ = page(company.api, "POST", mail.rate_path, "stars=5&comment=Quick")
    assert status == 200 and "5 of 5" in html
    # read all, the customer (are they the employee?), write rating + counters + funnel; the page shows what it wrote
    assert rated == {"BatchGetItem": 1, "GetItem": 1, "GetItem servicedesk-local-customers": 1, "TransactWriteItems": 1}

    with dynamodb_requests() as clicked:
        assert page(company.api, "GET", mail.tip_path)[0] == 302
    assert clicked["BatchGetItem"] == 1 and clicked["UpdateItem"] == 1 and clicked["GetItem"] == 0


def test_the_ticket_page_reads_the_ticket_and_its_company_at_once_then_the_thread(company: Company) -> None:
    company.add_agent("Ada")
    opened = company.open_ticket("Budget", "budget.page@example.com")
    with dynamodb_requests() as shown:
        assert page(company.api, "GET", f"/c/{opened['link_token']}")[0] == 200
    assert shown == {"BatchGetItem": 1, "Query": 1, "Query servicedesk-local-messages": 1}
    with dynamodb_requests() as asked:
        assert page(company.api, "GET", f"/c/{opened['link_token']}/confirm")[0] == 200
    assert asked == {"BatchGetItem": 1}
