"""The manager's reports over the JSON API: figures counted as things happen (the tickets stream through
`on_ticket_change`'s hooks; ratings, tips and funnel marks in their own transactions), exactly once under
redelivery, per company, for the days asked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from chalice.test import Client

from chalicelib.db.models import Ticket
from devstack.pump import StreamPump
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event
from tests.functional.tips_helpers import (  # noqa: F401  (partner_fixture: the partner, played by the test)
    Partner,
    deliver,
    emailed,
    enable_tips,
    page,
    partner_fixture,
)

REPORTS = ("tickets", "first-replies", "resolutions", "ratings", "tips", "karma")


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Vilnius")).date().isoformat()


def tomorrow_() -> str:
    return (datetime.now(ZoneInfo("Europe/Vilnius")).date() + timedelta(days=1)).isoformat()


def report(company: Company, name: str, **query: str) -> dict[str, Any]:
    suffix = "&".join(f"{k}={v}" for k, v in {"from": today(), "to": today(), **query}.items())
    status, body = company.manager.call("GET", f"/reports/{name}?{suffix}")
    assert status == 200, body
    return dict(body)


def position(stream: StreamPump) -> str | None:
    """The sequence number after the last record the pump delivered (to replay from there)."""
    stream.drain()
    done = [int(state.checkpoint) for state in stream.state.values() if state.checkpoint]
    return str(max(done) + 1) if done else None


def a_day_of_work(company: Company, partner: Partner, client: Client) -> dict[str, Any]:
    """Ada's ticket closed on confirmation, e-mailed, opened, rated 4 with a comment, tipped 7.50; Bea's
    replied to and resolved; one waiting past its SLA limit."""
    ada = enable_tips(company, partner)
    mail = emailed(company, client)
    assert page(company.api, "POST", f"{mail.rate_path}/opened", "")[0] == 204
    assert page(company.api, "POST", mail.rate_path, "stars=4&comment=Quick+and+kind")[0] == 200
    assert mail.tip_path is not None
    status, _, headers = page(company.api, "GET", mail.tip_path)
    assert status == 302
    reference = parse_qs(urlsplit(headers["Location"]).query)["reference"][0]
    assert partner.pay(company, ada, amount="7.50", reference=reference)[0] == 200
    bea = company.add_agent("Bea")
    second = company.open_ticket("VPN drops every hour", "bob@example.com")["ticket_id"]
    assert bea.call("POST", "/tickets/next")[1]["ticket_id"] == second
    assert bea.call("POST", f"/tickets/{second}/messages", {"body": "Looking into it."})[0] == 201
    assert bea.call("POST", f"/tickets/{second}/resolve")[0] == 200
    company.open_ticket("Invoice is wrong", "cid@example.com")
    return {"ada": ada, "bea": company.agent_ids["Bea"], "ticket": mail.closed.after.ticket_id, "mail": mail}


def test_a_days_work_shows_in_every_report_once_even_when_the_stream_is_delivered_again(
    company: Company, other_company: Company, partner: Partner, client: Client, ticket_stream: StreamPump
) -> None:
    start = position(ticket_stream)
    work = a_day_of_work(company, partner, client)
    late = datetime.now(ZoneInfo("UTC")) + timedelta(hours=25)  # the waiting ticket passes its limit (24 h)
    client.lambda_.invoke("flag_sla_breaches", scheduled_event(late))
    ticket_stream.drain()
    figures = {name: report(company, name) for name in REPORTS}
    figures["breaches"] = report(company, "first-replies", to=tomorrow_())

    tickets = figures["tickets"]
    assert tickets["days"] == [{"day": today(), "opened": 3, "closed": 1, "reopened": 0, "backlog": 2}]
    assert tickets["totals"]["backlog_start"] == 0 and tickets["totals"]["backlog_end"] == 2

    first = figures["first-replies"]
    assert first["first_replies"] == 1 and first["breached"] == 0  # the waiting ticket breaches tomorrow
    two_days = figures["breaches"]
    assert two_days["breached"] == 1 and two_days["breached_unassigned"] == 1
    assert [d["breached"] for d in two_days["days"]] == [0, 1]
    assert [(a["name"], a["first_replies"], a["within_target"]) for a in first["agents"]] == [("Bea", 1, 1)]
    assert sum(b["count"] for b in first["buckets"]) == 1 and first["buckets"][0]["bucket"] == "under_15m"

    resolved = figures["resolutions"]
    assert [(a["name"], a["resolutions"]) for a in resolved["agents"]] == [("Ada", 1), ("Bea", 1)]
    assert resolved["resolutions"] == 2 and resolved["buckets"][0]["count"] == 2

    rated = figures["ratings"]
    assert rated["ratings"] == 1 and rated["average"] == 4.0
    assert [(a["name"], a["average"]) for a in rated["agents"]] == [("Ada", 4.0)]
    [comment] = rated["comments"]
    assert (comment["comment"], comment["subject"], comment["name"], comment["stars"]) == (
        "Quick and kind",
        "Printer is broken",
        "Ada",
        4,
    )

    tips = figures["tips"]
    assert tips["tips"] == 1 and tips["amount"] == {"EUR": "7.50"}
    assert [(a["name"], a["tips"], a["amount"]) for a in tips["agents"]] == [("Ada", 1, {"EUR": "7.50"})]
    [tip] = tips["list"]
    assert (tip["subject"], tip["amount"], tip["currency"], tip["ticket_id"]) == (
        "Printer is broken",
        "7.50",
        "EUR",
        work["ticket"],
    )
    assert {step["step"]: step["count"] for step in tips["funnel"]} == {
        "closed": 1,
        "emailed": 1,
        "opened": 1,
        "rated": 1,
        "tip_clicked": 1,
        "tip_paid": 1,
    }
    assert figures["karma"]["totals"] == {"difficult": 0, "calm": 0, "neutral": 3, "literate": 0}

    # Everything delivered again: the stream from before the work, the tip e-mail's record, the webhook.
    assert ticket_stream.replay(Ticket.Meta.table_name, start) == ["on_ticket_change"]
    assert ticket_stream.drain() >= 10
    assert deliver(client, work["mail"].closed.record("99999")) == {"batchItemFailures": []}
    assert page(company.api, "POST", f"{work['mail'].rate_path}/opened", "")[0] == 204
    again = {name: report(company, name) for name in REPORTS}
    again["breaches"] = report(company, "first-replies", to=tomorrow_())
    assert again == figures

    # Another company's reports show none of it.
    for name in REPORTS:
        suffix = f"from={today()}&to={today()}"
        status, other = other_company.manager.call("GET", f"/reports/{name}?{suffix}")
        assert status == 200
        assert "Ada" not in str(other) and "Printer" not in str(other)
    assert (
        other_company.manager.call("GET", f"/reports/tickets?from={today()}&to={today()}")[1]["totals"]["opened"] == 0
    )


def test_a_voided_rating_stops_counting(company: Company, partner: Partner, client: Client) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client)
    assert page(company.api, "POST", mail.rate_path, "stars=1&comment=Rude")[0] == 200
    assert report(company, "ratings")["ratings"] == 1
    assert company.manager.call("POST", f"/tips/ratings/{mail.closed.after.ticket_id}/void")[0] == 200
    voided = report(company, "ratings")
    assert voided["ratings"] == 0 and voided["comments"] == [] and voided["agents"] == []


def test_reports_are_for_managers_and_periods_are_checked(company: Company) -> None:
    agent = company.add_agent("Ada")
    for name in REPORTS:
        assert agent.call("GET", f"/reports/{name}")[0] == 403
    for query in ("from=2026-13-01", "from=2026-11-30&to=2026-11-01", "from=2024-01-01&to=2026-01-01"):
        status, problem = company.manager.call("GET", f"/reports/tickets?{query}")
        assert status == 422 and problem["errors"][0]["field"].startswith("query."), problem
    status, body = company.manager.call("GET", "/reports/tickets")
    assert status == 200 and len(body["days"]) == 30 and body["to"] == today()


def test_every_report_page_draws_the_apis_figures_and_its_csv_downloads(
    company: Company, partner: Partner, client: Client, ticket_stream: StreamPump
) -> None:
    from tests.functional.sessions_helpers import sign_in

    a_day_of_work(company, partner, client)
    ticket_stream.drain()
    manager = sign_in(company)
    status, index, _ = manager.page("/manage/reports")
    assert status == 200 and all(f"/manage/reports/{name}" in index for name in REPORTS)
    for name in REPORTS:
        status, html, _ = manager.page(f"/manage/reports/{name}?from={today()}&to={today()}")
        assert status == 200, html
        assert html.count('<svg class="chart-svg"') >= 1 and 'role="img"' in html
        assert f"/manage/reports/{name}/csv?from={today()}&amp;to={today()}" in html
    status, html, _ = manager.page(f"/manage/reports/tickets?from={today()}&to={today()}")
    assert 'data-figure="opened">3<' in html and 'data-figure="backlog_end">2<' in html
    status, html, _ = manager.page(f"/manage/reports/tips?from={today()}&to={today()}")
    assert (
        'data-step="tip_paid"' in html and f'hx-get="http://desk.test/manage/reports/tips/list?from={today()}' in html
    )
    # the lists are loaded into the page (htmx) or, without scripts, open as a page of their own
    loaded = manager.request(
        "GET", f"/manage/reports/tips/list?from={today()}&to={today()}", None, {"HX-Request": "true"}
    )
    fragment = loaded.body.decode()
    assert loaded.status_code == 200 and "Printer is broken" in fragment and "€7.50" in fragment
    assert "<html" not in fragment
    status, html, _ = manager.page(f"/manage/reports/ratings/list?from={today()}&to={today()}")
    assert status == 200 and "Quick and kind" in html and "<html" in html
    assert manager.page(f"/manage/reports/tickets/list?from={today()}")[0] == 404
    response = manager.request("GET", f"/manage/reports/tips/csv?from={today()}&to={today()}")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert f'filename="tips-{today()}-{today()}.csv"' in response.headers["Content-Disposition"]
    lines = response.body.decode().splitlines()
    assert lines[0] == "paid_at,employee_id,name,amount,currency,ticket_id,subject,refunded"
    assert "7.50,EUR" in lines[1] and "Printer is broken" in lines[1]
    assert manager.page("/manage/reports/nothing")[0] == 404


def test_csv_cells_that_a_spreadsheet_would_run_are_read_as_text(
    company: Company, partner: Partner, client: Client, ticket_stream: StreamPump
) -> None:
    from tests.functional.sessions_helpers import sign_in

    enable_tips(company, partner)
    mail = emailed(company, client)
    assert page(company.api, "POST", mail.rate_path, "stars=5&comment=%3DHYPERLINK(1)")[0] == 200
    body = sign_in(company).request("GET", f"/manage/reports/ratings/csv?from={today()}&to={today()}").body.decode()
    assert "'=HYPERLINK(1)" in body and ",=HYPERLINK" not in body
