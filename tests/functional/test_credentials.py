"""API tokens name their company and employee and are read with them: a change of the employee counts from
the token's next request, and a token whose names are altered does not exist."""

from __future__ import annotations

from chalicelib import auth
from chalicelib.db.models import ApiToken
from tests.functional.conftest import Company


def token_of(company: Company, name: str) -> str:
    token = company.agents[name].token
    assert token is not None
    return token


def test_a_token_names_its_company_and_employee_and_altering_the_names_makes_it_worthless(company: Company) -> None:
    ada = company.add_agent("Ada")
    other = company.add_agent("Bob")
    token = token_of(company, "Ada")
    assert auth.named_in(token, auth.PREFIX) == (company.company_id, company.agent_ids["Ada"])
    assert ada.call("GET", "/me")[1]["employee_id"] == company.agent_ids["Ada"]
    forged = token.replace(company.agent_ids["Ada"], company.agent_ids["Bob"])
    status, body = other.as_(forged).call("GET", "/me")
    assert status == 401 and body["type"] == "/problems/unauthorized"


def test_a_role_change_counts_from_the_tokens_next_request(company: Company) -> None:
    ada = company.add_agent("Ada")
    assert ada.call("PATCH", "/company/settings", {"sla_target_minutes": 30})[0] == 403
    status, body = company.manager.call("PATCH", f"/employees/{company.agent_ids['Ada']}", {"role": "manager"})
    assert status == 200 and body["role"] == "manager"
    assert ada.call("PATCH", "/company/settings", {"sla_target_minutes": 30})[0] == 200
    company.manager.call("PATCH", f"/employees/{company.agent_ids['Ada']}", {"role": "agent"})
    assert ada.call("PATCH", "/company/settings", {"sla_target_minutes": 45})[0] == 403


def test_a_deactivated_employees_tokens_stop_at_once_and_their_records_go_when_tried(company: Company) -> None:
    ada = company.add_agent("Ada")
    ada_id = company.agent_ids["Ada"]
    status, issued = company.manager.call("POST", f"/employees/{ada_id}/tokens")
    assert status == 201
    assert company.manager.call("DELETE", f"/employees/{ada_id}")[0] == 200
    assert ada.call("GET", "/me")[0] == 401
    assert ada.as_(issued["token"]).call("GET", "/me")[0] == 401
    assert ApiToken.count(auth.hash_token(token_of(company, "Ada"))) == 0  # removed when it was tried
    assert company.manager.call("GET", f"/employees/{ada_id}/tokens")[1]["tokens"] == []
    assert company.manager.call("POST", f"/employees/{ada_id}/tokens")[0] == 409  # none for a deactivated one


def test_a_status_change_and_a_new_employee_reach_the_companys_staff_directory(company: Company) -> None:
    from chalicelib.db.models import Company as CompanyItem
    from chalicelib.employees import staff

    ada = company.add_agent("Ada", tier=2, departments=["billing"], online=False)
    entry = staff.entries(CompanyItem.get(company.company_id))[company.agent_ids["Ada"]]
    assert (entry["name"], entry["tier"], entry["departments"], entry["status"]) == ("Ada", 2, ["billing"], "offline")
    ada.call("PUT", "/me/status", {"status": "online"})
    company.manager.call("PATCH", f"/employees/{company.agent_ids['Ada']}", {"departments": ["sales"], "name": "Ada L"})
    entry = staff.entries(CompanyItem.get(company.company_id))[company.agent_ids["Ada"]]
    assert (entry["name"], entry["departments"], entry["status"], entry["active"]) == (
        "Ada L",
        ["sales"],
        "online",
        True,
    )
    company.manager.call("DELETE", f"/employees/{company.agent_ids['Ada']}")
    entry = staff.entries(CompanyItem.get(company.company_id))[company.agent_ids["Ada"]]
    assert (entry["status"], entry["active"]) == ("offline", False)


def test_an_intake_key_names_its_company_and_an_altered_or_foreign_one_opens_nothing(
    company: Company, other_company: Company
) -> None:
    assert company.intake_key.startswith(company.company_id + ".")
    body = {"subject": "Help", "body": "Please", "customer_name": "Bo", "customer_email": "bo@example.com"}
    forged = other_company.company_id + company.intake_key.removeprefix(company.company_id)
    for key in (
        forged,
        company.intake_key[:-1] + ("1" if company.intake_key.endswith("0") else "0"),
        company.company_id,
        "no-dot-here",
    ):
        status, problem = company.api.call("POST", f"/intake/{key}/tickets", body, token="")
        assert status == 404 and problem["type"] == "/problems/not-found", key
    assert company.api.call("POST", f"/intake/{company.intake_key}/tickets", body, token="")[0] == 201
