"""The manager's console as a person meets it (pages through chalice.test.Client with a session): settings with
field errors next to the fields, the team (role, line, departments, today's load), e-mail addresses, badges
and levels, customers' data; an agent's session gets a page that says the console is for managers."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.clock import parse_iso
from tests.functional.conftest import Company
from tests.functional.staff_helpers import desk_browser

WEEK = {f"hours_{day}": "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def hours_form(**changes: str) -> dict[str, str]:
    return {"sla_target_minutes": "90", "sla_limit_minutes": "600", "holidays": "", **WEEK, **changes}


def settings_of(company: Company) -> dict[str, object]:
    return dict(company.manager.call("GET", "/company")[1]["settings"])


def test_working_hours_set_on_the_settings_page_move_a_closed_hours_ticket_to_the_next_opening(
    company: Company,
) -> None:
    manager = desk_browser(company)
    page = manager.get("/manage/settings")
    assert page.status == 200 and 'id="open-now"' in page.text and "Open now" in page.text
    zone = ZoneInfo("Europe/Vilnius")
    today = datetime.now(zone).date()
    holidays = f"{today.isoformat()}\r\n{(today + timedelta(days=1)).isoformat()}"
    saved = manager.post("/manage/settings/hours", hours_form(holidays=holidays))
    assert saved.status == 200 and 'id="notice"' in saved.text and "Closed now" in saved.text
    assert settings_of(company)["business_hours"] == {day[6:]: ["09:00-18:00"] for day in WEEK}
    ticket_id = company.open_ticket()["ticket_id"]
    due = parse_iso(company.manager.call("GET", f"/tickets/{ticket_id}")[1]["sla"]["target_at"])
    opening = datetime.combine(today + timedelta(days=2), datetime.min.time(), zone).replace(hour=9)
    assert due == opening + timedelta(minutes=90)
    always = manager.post("/manage/settings/hours", hours_form(always_open="1"))
    assert always.status == 200 and settings_of(company)["business_hours"] is None


def test_a_refused_settings_form_keeps_what_was_typed_marks_each_field_and_saves_nothing(company: Company) -> None:
    manager = desk_browser(company)
    manager.get("/manage/settings")
    before = settings_of(company)
    answer = manager.post(
        "/manage/settings/hours",
        hours_form(hours_mon="18:00-09:00", hours_tue="9 to 5", holidays="2026-02-30", sla_target_minutes="700"),
    )
    assert answer.status == 422
    html = answer.text
    assert 'id="hours_mon"' in html and 'value="18:00-09:00"' in html and 'value="9 to 5"' in html
    for field in ("business_hours-mon", "business_hours-tue", "holidays"):
        assert f'id="{field}-error"' in html, field
        assert f'aria-describedby="{field}-error"' in html or f'{field}-error"' in html
    assert (
        'id="hours_wed" name="hours_wed" type="text" class="wide" value="09:00-18:00" aria-describedby="hours-hint"'
        in html
    )
    assert settings_of(company) == before
    # the SLA target may not be later than the limit: the error sits at the target
    answer = manager.post("/manage/settings/hours", hours_form(sla_target_minutes="700"))
    assert answer.status == 422 and 'id="sla_target_minutes-error"' in answer.text
    # no open day at all: the error sits at "open around the clock"
    closed = {f"hours_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    answer = manager.post("/manage/settings/hours", hours_form(**closed))
    assert answer.status == 422 and 'id="business_hours-error"' in answer.text
    assert settings_of(company) == before


def test_company_tickets_and_tip_settings_are_saved_from_their_forms(company: Company) -> None:
    manager = desk_browser(company)
    manager.get("/manage/settings")
    assert manager.post("/manage/settings/company", {"display_name": "Acme Help", "locale": "ru"}).status == 200
    assert manager.post("/manage/settings/tickets", {"auto_close_days": "5"}).status == 200
    page = manager.post("/manage/settings/tips", {"tip_amounts": "10, 3, 5"})
    assert page.status == 200 and 'value="3, 5, 10"' in page.text
    current = settings_of(company)
    assert current["locale"] == "ru" and current["auto_close_days"] == 5
    assert current["tip_amounts"] == {"EUR": [3, 5, 10]}
    assert company.manager.call("GET", "/company")[1]["name"] == "Acme Help"
    refused = manager.post("/manage/settings/tips", {"tip_amounts": "5, lots"})
    assert refused.status == 422 and 'id="tip_amounts-error"' in refused.text and 'value="5, lots"' in refused.text
    assert manager.post("/manage/settings/tickets", {"auto_close_days": "0"}).status == 422
    assert settings_of(company)["rating_mail_for_unconfirmed"] is False  # the box was left unticked above
    ticked = manager.post("/manage/settings/tickets", {"auto_close_days": "5", "rating_mail_for_unconfirmed": "1"})
    assert ticked.status == 200 and 'name="rating_mail_for_unconfirmed" value="1" checked' in ticked.text
    assert settings_of(company)["rating_mail_for_unconfirmed"] is True
    assert manager.post("/manage/settings/company", {"display_name": ""}).status == 422
    back = manager.post("/manage/settings/tips", {"tip_amounts": ""})
    assert back.status == 200 and settings_of(company)["tip_amounts"] == {"EUR": [2, 5, 10]}


def test_the_websites_that_may_use_the_json_intake_are_saved_and_a_bad_one_is_refused_at_its_field(
    company: Company,
) -> None:
    manager = desk_browser(company)
    head, body = manager.get("/manage/settings").text.split("</head>", 1)
    assert "<section" not in head and body.count('id="widget"') == 1 and body.count('id="cors_origins"') == 1
    saved = manager.post(
        "/manage/settings/widget", {"cors_origins": "https://Shop.example\n\nhttps://www.example.com:8443\n"}
    )
    assert saved.status == 200 and "https://shop.example\nhttps://www.example.com:8443</textarea>" in saved.text
    assert settings_of(company)["cors_origins"] == ["https://shop.example", "https://www.example.com:8443"]
    refused = manager.post("/manage/settings/widget", {"cors_origins": "https://shop.example/contact"})
    assert refused.status == 422 and 'id="cors_origins-error"' in refused.text and "/contact</textarea>" in refused.text
    assert settings_of(company)["cors_origins"] == ["https://shop.example", "https://www.example.com:8443"]
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    path = f"/intake/{company.intake_key}/tickets"  # the intake now answers that website's browsers
    assert company.api.call("OPTIONS", path, token="", headers=preflight)[0] == 204
    assert company.api.last_headers["Access-Control-Allow-Origin"] == "https://shop.example"
    cleared = manager.post("/manage/settings/widget", {"cors_origins": ""})
    assert cleared.status == 200 and settings_of(company)["cors_origins"] == []


def test_the_team_page_changes_role_line_and_departments_and_shows_todays_load(company: Company) -> None:
    agent = company.add_agent("Ada")
    ada = company.agent_ids["Ada"]
    ticket_id = company.open_ticket()["ticket_id"]
    assert agent.call("POST", "/tickets/next")[1]["ticket_id"] == ticket_id
    assert agent.call("POST", f"/tickets/{ticket_id}/messages", {"body": "On it"})[0] == 201
    manager = desk_browser(company)
    team = manager.get("/manage/team")
    assert 'data-taken="1"' in team.text and "1 taken · 0 rated by customers" in team.text
    ada_browser = desk_browser(company, ada)
    assert ada_browser.get("/manage/reports").status == 403
    assert manager.get(f"/manage/team/{ada}").status == 200
    changed = manager.post(f"/manage/team/{ada}", {"role": "manager", "tier": "2", "departments": "billing, vip"})
    assert changed.status == 200 and "follow" in changed.text
    _, body = company.manager.call("GET", f"/employees/{ada}")
    assert (body["role"], body["tier"], body["departments"]) == ("manager", 2, ["billing", "vip"])
    assert ada_browser.get("/manage/reports").status == 200  # her open session follows at once
    refused = manager.post(f"/manage/team/{ada}", {"role": "agent", "tier": "1", "departments": "Bad Name!"})
    assert refused.status == 422 and 'aria-invalid="true"' in refused.text
    mine = manager.post(f"/manage/team/{company.manager_id}", {"role": "agent", "tier": "1", "departments": ""})
    assert "cannot take away your own manager role" in mine.text
    assert company.manager.call("GET", f"/employees/{company.manager_id}")[1]["role"] == "manager"


def test_the_companys_own_addresses_are_added_and_removed_from_the_console(company: Company) -> None:
    manager = desk_browser(company)
    page = manager.get("/manage/mail")
    assert page.status == 200 and "The desk's address" in page.text
    added = manager.post("/manage/mail", {"address": "Support@Acme.example"})
    assert added.status == 200 and 'data-address="support@acme.example"' in added.text
    refused = manager.post("/manage/mail", {"address": "not an address"})
    assert refused.status == 422 and 'id="address-error"' in refused.text
    removed = manager.post("/manage/mail/remove", {"address": "support@acme.example"})
    assert removed.status == 200 and 'data-address="support@acme.example"' not in removed.text


def test_badges_and_level_formulas_are_changed_with_the_formula_errors_shown_inline(company: Company) -> None:
    manager = desk_browser(company)
    page = manager.get("/manage/badges")
    assert page.status == 200 and 'data-badge="coffee"' in page.text
    renamed = manager.post("/manage/badges/rules/coffee", {"name": "Espresso", "window": "7d", "points": "5"})
    assert renamed.status == 200
    coffee = next(b for b in company.manager.call("GET", "/badges/rules")[1]["badges"] if b["key"] == "coffee")
    assert (coffee["name"], coffee["points"], coffee["enabled"]) == ("Espresso", 5, False)
    levels = {
        **{f"name_{n}": f"Level {n + 1}" for n in range(12)},
        **{f"formula_{n}": f"answers >= {n * 10}" for n in range(12)},
    }
    before = company.manager.call("GET", "/badges/levels")[1]
    refused = manager.post("/manage/badges/levels", {**levels, "formula_3": "answers >= = 5"})
    assert refused.status == 422 and 'id="formula-3-error"' in refused.text
    assert 'value="answers &gt;= = 5"' in refused.text and 'id="formula-2-error"' not in refused.text
    assert company.manager.call("GET", "/badges/levels")[1] == before
    saved = manager.post("/manage/badges/levels", levels)
    assert saved.status == 200
    assert company.manager.call("GET", "/badges/levels")[1]["levels"][3]["formula"] == "answers >= 30"
    assert manager.post("/manage/badges/rules/no-such-badge", {"name": "X"}).status == 404


def test_a_customers_data_is_exported_and_erased_from_the_console(company: Company) -> None:
    agent = company.add_agent("Ada")
    opened = company.open_ticket(email="olga@example.com")
    ticket_id = opened["ticket_id"]
    agent.call("POST", "/tickets/next")
    manager = desk_browser(company)
    manager.get("/manage/customers")
    exported = manager.post("/manage/customers/export", {"email": "olga@example.com"})
    assert exported.status == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.text)
    assert data["customer"]["email"] == "olga@example.com" and data["tickets"][0]["ticket_id"] == ticket_id
    unconfirmed = manager.post("/manage/customers/erase", {"email": "olga@example.com"})
    assert unconfirmed.status == 422 and 'id="confirm-error"' in unconfirmed.text
    still_open = manager.post("/manage/customers/erase", {"email": "olga@example.com", "confirm": "yes"})
    assert "still has tickets that are not closed" in still_open.text
    agent.call("POST", f"/tickets/{ticket_id}/resolve")
    company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")
    erased = manager.post("/manage/customers/erase", {"email": "olga@example.com", "confirm": "yes"})
    assert erased.status == 200 and "personal data was erased" in erased.text
    gone = manager.post("/manage/customers/export", {"email": "olga@example.com"})
    assert "No customer with this e-mail address" in gone.text
    unknown = manager.post("/manage/customers/export", {"email": "nobody@example.com"})
    assert "No customer with this e-mail address" in unknown.text


def test_an_agent_on_a_managers_page_gets_a_page_that_says_it_is_for_managers(company: Company) -> None:
    company.add_agent("Ada")
    ada = desk_browser(company, company.agent_ids["Ada"])
    for path in ("/manage/settings", "/manage/reports", "/manage/reports/tips", "/manage/badges", "/manage/team"):
        answer = ada.get(path)
        assert answer.status == 403, path
        assert "For managers only" in answer.text and "This page is for managers" in answer.text
        assert re.search(r'href="[^"]*/desk">Back to your workspace', answer.text), path
    russian = desk_browser(company, company.agent_ids["Ada"])
    russian.get("/account/profile")
    russian.post("/account/profile", {"locale": "ru"})
    answer = russian.get("/manage/settings")
    assert answer.status == 403 and "Только для менеджеров" in answer.text and 'lang="ru"' in answer.text
    status, problem = company.agents["Ada"].call("GET", "/reports/tickets")
    assert status == 403 and problem["type"] == "/problems/forbidden"
