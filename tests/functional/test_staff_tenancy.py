"""Every staff page and form, tried with a session of another company: 404 or 403, nothing of the other
company shown, nothing changed; and every form refused without the CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.functional.conftest import Api, Company, sign_up
from tests.functional.routes import endpoints, fill, route_id
from tests.functional.staff_helpers import desk_browser

# A valid form per staff route that takes one (the intruder's own data would pass these).
VALID_FORMS: dict[str, dict[str, str]] = {
    "POST /desk/tickets/{ticket_id}/reply": {"body": "Hello", "visibility": "public"},
    "POST /desk/tickets/{ticket_id}/tags": {"tags": "billing"},
    "POST /desk/tickets/{ticket_id}/transfer": {"to": "queue:2:"},
    "POST /desk/tickets/{ticket_id}/rating": {"literacy": "4", "temperament": "4"},
    "POST /desk/status": {"status": "online", "back": "/desk"},
    "POST /manage/team": {"name": "Eve", "email": "eve.tenancy@example.com", "role": "agent", "tier": "1"},
    "POST /manage/canned": {"title": "Hi", "body": "Hello"},
    "POST /manage/canned/{canned_id}": {"title": "Taken over", "body": "Taken over"},
    "POST /account/profile": {"locale": "ru"},
    "POST /manage/team/{employee_id}": {"role": "agent", "tier": "2", "departments": "taken-over"},
    "POST /manage/settings/company": {"display_name": "Taken over"},
    "POST /manage/settings/hours": {"sla_target_minutes": "60", "sla_limit_minutes": "120", "hours_mon": "09:00-10:00"},
    "POST /manage/settings/tickets": {"auto_close_days": "9"},
    "POST /manage/settings/widget": {"cors_origins": "https://taken.over.example"},
    "POST /manage/settings/tips": {"tip_amounts": "1"},
    "POST /manage/mail": {"address": "taken.over@example.com"},
    "POST /manage/mail/remove": {"address": "{own_address}"},
    "POST /manage/badges/rules/{key}": {"name": "Taken over"},
    "POST /manage/customers/export": {"email": "victim.customer@example.com"},
    "POST /manage/customers/erase": {"email": "victim.customer@example.com", "confirm": "yes"},
}
SECRET_SUBJECT = "Victim's confidential subject"


@pytest.fixture
def victim(company: Company) -> tuple[Company, dict[str, str]]:
    company.add_agent("Victoria")
    opened = company.open_ticket(SECRET_SUBJECT, email="victim.customer@example.com")
    company.agents["Victoria"].call("POST", "/tickets/next")
    canned = company.manager.call("POST", "/canned-replies", {"title": "Secret canned", "body": "Secret text"})[1]
    own_address = f"victim.{company.company_id[-10:]}@example.com"
    assert company.manager.call("POST", "/mail/addresses", {"address": own_address})[0] == 201
    browser = desk_browser(company, company.agent_ids["Victoria"])
    session_id = re.search(r'id="session-(ses_[^"]+)"', browser.get("/account/sessions").text).group(1)  # type: ignore[union-attr]
    values = {
        "ticket_id": opened["ticket_id"],
        "employee_id": company.agent_ids["Victoria"],
        "canned_id": canned["canned_id"],
        "session_id": session_id,
        "own_address": own_address,
        # not the victim's: names the intruder's own pages would also answer, so a made-up one (404)
        "report": "no-such-report",
        "key": "no-such-badge",
    }
    return company, values


def snapshot(company: Company, ticket_id: str) -> dict[str, Any]:
    manager = company.manager
    return {
        "ticket": manager.call("GET", f"/tickets/{ticket_id}")[1],
        "messages": manager.call("GET", f"/tickets/{ticket_id}/messages")[1],
        "employees": manager.call("GET", "/employees")[1],
        "canned": manager.call("GET", "/canned-replies")[1],
        "company": manager.call("GET", "/company")[1],
        "addresses": manager.call("GET", "/mail/addresses")[1],
        "badges": manager.call("GET", "/badges/rules")[1],
    }


def test_every_staff_page_and_form_with_another_companys_session_is_404_or_403_and_shows_nothing_of_it(
    victim: tuple[Company, dict[str, str]], api: Api
) -> None:
    company, values = victim
    before = snapshot(company, values["ticket_id"])
    intruder_company = sign_up(api, "Globex")
    intruder = desk_browser(intruder_company)
    names = ("report", "key")  # made-up names, not the victim's
    secrets = [SECRET_SUBJECT, "victim.customer@example.com", "Secret canned", "Victoria"]
    secrets += [value for name, value in values.items() if name not in names]
    checked = 0
    for endpoint in endpoints("session"):
        label = route_id(endpoint)
        path = fill(endpoint.path, values)
        intruder.get("/desk")
        if endpoint.method == "GET":
            query = "?q=victim.customer%40example.com" if endpoint.path == "/desk/search" else ""
            answer = intruder.request("GET", path + query)
        else:
            form = {k: fill(v, values) for k, v in VALID_FORMS.get(label, {}).items()}
            answer = intruder.post(path, form, follow=False)
        assert answer.status < 500, label
        if "{" in endpoint.path:
            assert answer.status in (403, 404), f"{label} answered {answer.status}"
        shown = answer.text.replace('value="victim.customer@example.com"', "")  # the intruder's own query echoed
        shown += answer.headers.get("Location", "")
        leaked = [s for s in secrets if s.replace("'", "&#39;") in shown or s in shown]
        assert not leaked, f"{label} showed {leaked}"
        checked += 1
    assert checked >= 20
    assert snapshot(company, values["ticket_id"]) == before


def test_every_staff_form_without_the_csrf_token_is_refused_and_changes_nothing(
    victim: tuple[Company, dict[str, str]],
) -> None:
    company, values = victim
    before = snapshot(company, values["ticket_id"])
    manager = desk_browser(company)
    for endpoint in endpoints("session"):
        if endpoint.method == "GET":
            continue
        label = route_id(endpoint)
        form = dict(VALID_FORMS.get(label, {}))
        for token in (None, "forged"):
            if token:
                form["csrf_token"] = token
            answer = manager.request(endpoint.method, fill(endpoint.path, values), form)
            assert answer.status == 403, f"{label} answered {answer.status} with token {token}"
    assert snapshot(company, values["ticket_id"]) == before
    assert manager.get("/desk").status == 200  # the session itself is untouched


def test_an_agent_is_refused_the_managers_pages(victim: tuple[Company, dict[str, str]]) -> None:
    company, values = victim
    agent = desk_browser(company, values["employee_id"])
    for endpoint in endpoints("session"):
        if endpoint.role != "manager":
            continue
        agent.get("/desk")
        path = fill(endpoint.path, values)
        answer = (
            agent.request("GET", path)
            if endpoint.method == "GET"
            else agent.post(path, VALID_FORMS.get(route_id(endpoint), {}), follow=False)
        )
        assert answer.status == 403, route_id(endpoint)
