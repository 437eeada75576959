"""What the pages a customer opens from the tip e-mail cost in DynamoDB requests: the page, the rating
and the tip click each read everything they need in one BatchGetItem (bench/calls.py measures every
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
    # read all, the customer (are they the employee?), write rating + counters + funnel, show the page again
    assert (
        rated["BatchGetItem"] == 2
        and rated["TransactWriteItems"] == 1
        and sum(rated[k] for k in ("BatchGetItem", "GetItem", "Query", "TransactWriteItems", "PutItem", "UpdateItem"))
        == 4
    )

    with dynamodb_requests() as clicked:
        assert page(company.api, "GET", mail.tip_path)[0] == 302
    # the click is marked on the funnel and counted for the reports in one transaction
    assert clicked["BatchGetItem"] == 1 and clicked["TransactWriteItems"] == 1 and clicked["GetItem"] == 0
