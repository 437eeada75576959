"""The customer's links and pages (rating page, rating submit, tip redirect) and the manager's tip
analytics, through the real routes: scanner GETs record nothing, tampered/expired/foreign links get
friendly pages, the redirect goes only to the partner's origin, and tip.paid lands against the ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from chalicelib import activity, links
from chalicelib.tips.models import Rating, TicketFunnel, TipAccount
from tests.functional.conftest import Company
from tests.functional.tips_helpers import (
    LOCAL_PARTNER_URL,
    Partner,
    emailed,
    enable_tips,
    page,
    partner_fixture,  # noqa: F401
)


def funnel_of(company: Company, ticket_id: str) -> TicketFunnel:
    return TicketFunnel.get(company.company_id, ticket_id)


def routing_load(company: Company, employee_id: str) -> dict[str, float]:
    """The employee's load in the company's staff directory (what karma-aware take-next weighs)."""
    from chalicelib.db.models import Company as CompanyItem
    from chalicelib.employees import staff

    return staff.loads(CompanyItem.get(company.company_id), datetime.now(UTC).date(), [employee_id])[employee_id]


def agent_day(company: Company, employee_id: str) -> activity.AgentDay | None:
    key = activity.key_for(company.company_id, "Europe/Vilnius", datetime.now(UTC))
    try:
        return activity.AgentDay.get(key, employee_id)
    except activity.AgentDay.DoesNotExist:
        return None


def test_opening_the_rating_link_only_shows_a_page_even_when_a_scanner_fetches_it_repeatedly(
    company: Company, partner: Partner, client: Client
) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    for _ in range(3):  # a mail security scanner pre-clicking
        status, html, headers = page(company.api, "GET", mail.rate_path)
        assert status == 200
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Content-Type"].startswith("text/html")
    assert "How did Ada do?" in html and 'name="stars"' in html and 'id="tip"' in html
    ticket_id = mail.closed.after.ticket_id
    with pytest.raises(Rating.DoesNotExist):
        Rating.get(company.company_id, ticket_id)
    funnel = funnel_of(company, ticket_id)
    assert funnel.opened_at is None and funnel.rated_at is None and funnel.tip_clicked_at is None
    day = agent_day(company, ada_id)
    assert day is None or not day.ratings


def test_the_pages_script_marks_it_opened_once(company: Company, client: Client) -> None:
    mail = emailed(company, client)
    for _ in range(2):
        status, _, _ = page(company.api, "POST", f"{mail.rate_path}/opened", form="")
        assert status == 204
    assert funnel_of(company, mail.closed.after.ticket_id).opened_at is not None


def test_the_customer_rates_once_and_the_employee_is_credited(
    company: Company, partner: Partner, client: Client
) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    status, html, headers = page(company.api, "POST", mail.rate_path, form="stars=5&comment=Quick+and+kind")
    assert status == 200 and "You rated 5 of 5" in html and headers["Referrer-Policy"] == "no-referrer"
    status, html, _ = page(company.api, "POST", mail.rate_path, form="stars=1")
    assert status == 409 and "You rated 5 of 5" in html
    rating = Rating.get(company.company_id, mail.closed.after.ticket_id)
    assert (int(rating.stars), rating.comment, rating.employee_id) == (5, "Quick and kind", ada_id)
    assert funnel_of(company, mail.closed.after.ticket_id).rated_at is not None
    day = agent_day(company, ada_id)
    assert day is not None
    assert (day.ratings, day.rating_points, day.positive_ratings, day.rewards) == (1, 5, 1, 1)
    load = routing_load(company, ada_id)
    assert (load["ratings"], load["rating_points"]) == (1, 5)
    summary = company.manager.call("GET", "/tips/summary")[1]
    assert summary["ratings"] == 1 and summary["rating_average"] == 5


@pytest.mark.parametrize(
    "form", ["stars=0", "stars=6", "stars=five", "", "comment=no+stars", "stars=3&comment=" + "x" * 1001]
)
def test_a_rating_out_of_range_shows_the_form_again_and_saves_nothing(
    company: Company, client: Client, form: str
) -> None:
    mail = emailed(company, client)
    status, html, _ = page(company.api, "POST", mail.rate_path, form=form)
    assert status == 422 and "1 to 5 stars" in html and 'name="stars"' in html
    with pytest.raises(Rating.DoesNotExist):
        Rating.get(company.company_id, mail.closed.after.ticket_id)


def test_an_employee_cannot_rate_their_own_ticket(company: Company, client: Client) -> None:
    company.add_agent("Ada")
    mail = emailed(company, client, email_address="ada@example.com")  # Ada opened the ticket herself
    status, html, _ = page(company.api, "POST", mail.rate_path, form="stars=5")
    assert status == 403 and "cannot rate their own" in html
    with pytest.raises(Rating.DoesNotExist):
        Rating.get(company.company_id, mail.closed.after.ticket_id)


def test_tampered_expired_and_foreign_links_get_friendly_pages(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client)
    token = mail.rate_path.removeprefix("/rate/")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    claims = links.LinkClaims(company.company_id, mail.closed.after.ticket_id, company.agent_ids["Ada"])
    expired = links.sign("rate", claims, timedelta(days=14), now=datetime.now(UTC) - timedelta(days=15))
    customer_link = mail.closed.link_token  # a real link, for another purpose
    cases = [
        ("GET", f"/rate/{tampered}", 403, "not valid"),
        ("POST", f"/rate/{tampered}", 403, "not valid"),
        ("GET", f"/rate/{expired}", 410, "expired"),
        ("GET", f"/rate/{customer_link}", 403, "not valid"),
        ("GET", f"/tip/{token}", 403, "not valid"),  # a rating token is not a tip token
        ("GET", f"/rate/{mail.tip_path.removeprefix('/tip/')}", 403, "not valid"),
    ]
    for method, path, expected, words in cases:
        status, html, headers = page(company.api, method, path, form="stars=5" if method == "POST" else None)
        assert status == expected, path
        assert words in html and headers["Content-Type"].startswith("text/html")
        assert headers["Referrer-Policy"] == "no-referrer" and "Location" not in headers
    with pytest.raises(Rating.DoesNotExist):
        Rating.get(company.company_id, mail.closed.after.ticket_id)


def test_a_link_naming_the_ticket_under_another_company_finds_nothing(
    company: Company, other_company: Company, client: Client
) -> None:
    mail = emailed(company, client)
    forged = links.sign(
        "rate", links.LinkClaims(other_company.company_id, mail.closed.after.ticket_id, "emp_x"), timedelta(days=1)
    )
    status, html, _ = page(company.api, "GET", f"/rate/{forged}")
    assert status == 404 and "Ticket was not found." in html and "Printer is broken" not in html


def test_the_tip_button_records_the_click_and_redirects_to_the_employees_form_at_the_partner(
    company: Company, partner: Partner, client: Client
) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    assert mail.tip_path is not None
    status, _, headers = page(company.api, "GET", mail.tip_path)
    assert status == 302
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == LOCAL_PARTNER_URL
    assert location.path == f"/form/rc_{ada_id}"
    query = parse_qs(location.query)
    assert query["amounts"] == ["2,5,10"] and query["currency"] == ["EUR"] and query["other"] == ["1"]
    assert query["reference"][0] and mail.closed.after.ticket_id not in headers["Location"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert funnel_of(company, mail.closed.after.ticket_id).tip_clicked_at is not None
    # the company's own amounts in its currency are what the next click offers
    assert company.manager.call("PATCH", "/company/settings", {"tip_amounts": {"EUR": [7, 3, 3]}})[0] == 200
    status, _, headers = page(company.api, "GET", mail.tip_path)
    assert status == 302 and parse_qs(urlsplit(headers["Location"]).query)["amounts"] == ["3,7"]


def test_the_tip_redirect_never_leaves_the_partners_origin_whatever_was_stored(
    company: Company, partner: Partner, client: Client
) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    assert mail.tip_path is not None
    account = TipAccount.get(company.company_id, f"emp#{ada_id}")
    for evil in ("https://evil.example/steal", "//evil.example/x", f"{LOCAL_PARTNER_URL}@evil.example/x"):
        account.update(actions=[TipAccount.form_url.set(evil)])
        status, html, headers = page(company.api, "GET", mail.tip_path + "?next=https://evil.example")
        assert status == 409 and "Location" not in headers and "not available" in html, evil


def test_no_tip_redirect_once_the_employee_is_unlinked(company: Company, partner: Partner, client: Client) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    assert mail.tip_path is not None
    partner.send("employee.unlinked", {"company_external_id": company.company_id, "external_id": ada_id})
    status, _, headers = page(company.api, "GET", mail.tip_path)
    assert status == 409 and "Location" not in headers
    status, html, _ = page(company.api, "GET", mail.rate_path)
    assert status == 200 and 'id="tip"' not in html


def test_a_paid_tip_shows_against_the_employee_and_the_ticket_in_the_managers_analytics(
    company: Company, partner: Partner, client: Client
) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    assert mail.tip_path is not None
    location = page(company.api, "GET", mail.tip_path)[2]["Location"]
    reference = parse_qs(urlsplit(location).query)["reference"][0]
    ticket_id = mail.closed.after.ticket_id
    assert partner.pay(company, ada_id, "150.00", reference=reference, tip_id="tp_paid_1")[1]["outcome"] == "applied"
    # a reference re-pointed by someone on the way is not trusted: the tip counts, the ticket is not claimed
    assert partner.pay(company, ada_id, "70.00", reference=reference[:-2] + "xx", tip_id="tp_paid_2")[0] == 200

    status, by_ticket = company.manager.call("GET", f"/tips?ticket_id={ticket_id}")
    assert status == 200 and [t["tip_id"] for t in by_ticket["tips"]] == ["tp_paid_1"]
    assert by_ticket["tips"][0]["employee_id"] == ada_id and by_ticket["tips"][0]["amount"] == "150.00"
    by_employee = company.manager.call("GET", f"/tips?employee_id={ada_id}")[1]["tips"]
    assert sorted(t["tip_id"] for t in by_employee) == ["tp_paid_1", "tp_paid_2"]
    summary = company.manager.call("GET", "/tips/summary")[1]
    [row] = summary["by_employee"]
    assert row["employee_id"] == ada_id and row["tips"] == 2 and row["amount"] == {"EUR": "220.00"}
    assert summary["funnel"] == {"closed": 1, "emailed": 1, "opened": 0, "rated": 0, "tip_clicked": 1, "tip_paid": 1}
    day = agent_day(company, ada_id)
    assert day is not None and (day.tips, day.tip_amount, day.rewards) == (2, 220, 2)

    status, body = partner.send("tip.refunded", {"tip_id": "tp_paid_2", "company_external_id": company.company_id})
    assert status == 200 and body["outcome"] == "applied"
    summary = company.manager.call("GET", "/tips/summary")[1]
    assert summary["tips"] == 1 and summary["amount"] == {"EUR": "150.00"}
    [row] = summary["by_employee"]
    assert (row["tips"], row["refunded"], row["amount"]) == (1, 1, {"EUR": "150.00"})
    assert partner.send("tip.refunded", {"tip_id": "tp_paid_2", "company_external_id": company.company_id})[0] == 200
    assert company.manager.call("GET", "/tips/summary")[1]["by_employee"][0]["refunded"] == 1  # a second refund: no
    day = agent_day(company, ada_id)
    assert day is not None and (day.tips, day.tip_amount) == (1, 150)


def test_tips_export_as_csv_and_period_filters_apply(company: Company, partner: Partner) -> None:
    ada_id = enable_tips(company, partner)
    partner.pay(company, ada_id, "12.50", tip_id="=cmd|' /C calc'!A0")
    response = company.manager.client.http.get(
        "/tips/export.csv", headers={"Authorization": f"Bearer {company.manager.token}"}
    )
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    lines = response.body.decode().splitlines()
    assert lines[0] == "tip_id,paid_at,employee_id,employee_name,ticket_id,amount,currency,refunded_at"
    assert lines[1].startswith("'=cmd") and ",Ada,,12.50,EUR," in lines[1]
    old = company.manager.call("GET", "/tips?from=2020-01-01&to=2020-01-31")[1]
    assert old["tips"] == []
    status, body = company.manager.call("GET", "/tips?from=2020-01-01&to=2022-01-01")
    assert status == 422 and body["errors"][0]["field"] == "query.from"
    assert company.manager.call("GET", "/tips?from=yesterday")[0] == 422


def test_a_manager_voids_a_rating_and_it_stops_counting(company: Company, partner: Partner, client: Client) -> None:
    ada_id = enable_tips(company, partner)
    mail = emailed(company, client)
    page(company.api, "POST", mail.rate_path, form="stars=1")
    ticket_id = mail.closed.after.ticket_id
    assert company.agents["Ada"].call("POST", f"/tips/ratings/{ticket_id}/void")[0] == 403
    status, body = company.manager.call("POST", f"/tips/ratings/{ticket_id}/void")
    assert status == 200 and body["voided_by"] == company.manager_id
    assert company.manager.call("POST", f"/tips/ratings/{ticket_id}/void")[0] == 200  # twice: no second effect
    summary = company.manager.call("GET", "/tips/summary")[1]
    assert summary["ratings"] == 0 and summary["rating_average"] is None
    day = agent_day(company, ada_id)
    assert day is not None and (day.ratings, day.rating_points, day.negative_ratings) == (0, 0, 0)
    load = routing_load(company, ada_id)
    assert (load["ratings"], load["rating_points"]) == (0, 0)


def test_analytics_are_for_managers_of_the_same_company_only(
    company: Company, other_company: Company, partner: Partner
) -> None:
    ada_id = enable_tips(company, partner)
    partner.pay(company, ada_id, tip_id="tp_private")
    agent = company.agents["Ada"]
    for path in ("/tips", "/tips/summary", "/tips/export.csv"):
        assert agent.call("GET", path)[0] == 403
    assert other_company.manager.call("GET", "/tips")[1]["tips"] == []
    assert other_company.manager.call("GET", f"/tips?employee_id={ada_id}")[1]["tips"] == []


def test_the_old_bearer_token_dashboard_is_retired_for_the_consoles_tips_report() -> None:
    from chalicelib.http.generate import import_views

    paths = {(e.method, e.path) for e in import_views()}
    assert ("GET", "/tips/dashboard") not in paths
    assert ("GET", "/manage/reports/{report}") in paths and ("GET", "/reports/tips") in paths
