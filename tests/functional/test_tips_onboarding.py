"""Partner onboarding through the API: opt-in, the partner down then up (retries with backoff and one
idempotency key, then the scheduled retry), employees' opt-in rules, and opting out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from chalice.test import Client

from chalicelib.tips.accounts import MAX_ATTEMPTS
from chalicelib.tips.config import LOCAL_PARTNER_URL
from chalicelib.tips.models import TipAccount, employee_subject
from chalicelib.tips.partner_client import PartnerClient, PartnerRefused, PartnerUnavailable
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event
from tests.functional.tips_helpers import Partner, enable_tips, partner_fixture  # noqa: F401


def status_of(company: Company) -> dict:
    return company.manager.call("GET", "/tips/status")[1]


def test_opting_in_registers_the_company_with_the_partner_and_waits_for_verification(
    company: Company, partner: Partner
) -> None:
    status, body = company.manager.call("POST", "/tips/company/opt-in")
    assert status == 200
    assert body["state"] == "pending_verification" and body["registration"]["status"] == "registered"
    [call] = partner.calls
    assert call["body"] == {"external_id": company.company_id, "name": "Acme", "currency": "EUR"}
    assert call["authorization"] == "Bearer sandbox-api-key" and call["idempotency_key"].startswith("idem_")
    assert company.manager.call("POST", "/tips/company/opt-in")[1]["state"] == "pending_verification"
    assert len(partner.calls) == 1  # opting in twice does not register twice


def test_only_managers_opt_the_company_in(company: Company, partner: Partner) -> None:
    agent = company.add_agent("Ada")
    status, body = agent.call("POST", "/tips/company/opt-in")
    assert status == 403 and body["type"] == "/problems/forbidden"
    assert partner.calls == []


def test_when_the_partner_is_down_the_registration_is_kept_and_the_schedule_finishes_it(
    company: Company, partner: Partner, client: Client
) -> None:
    partner.failures_left = 3  # every attempt of the opt-in request fails
    status, body = company.manager.call("POST", "/tips/company/opt-in")
    assert status == 200
    assert body["state"] == "pending_verification"
    registration = body["registration"]
    assert registration["status"] == "retrying" and registration["attempts"] == 1
    assert "unavailable" in registration["last_error"] and registration["next_attempt_at"]
    assert status_of(company)["company"]["registration"]["status"] == "retrying"  # visible to the manager

    # not yet due: nothing is tried
    client.lambda_.invoke("retry_tip_registrations", scheduled_event(datetime.now(UTC)))
    assert len(partner.calls) == 3
    # the partner is back; the schedule retries once the backoff has passed
    due = datetime.now(UTC) + timedelta(minutes=2)
    result = client.lambda_.invoke("retry_tip_registrations", scheduled_event(due)).payload
    assert result["registered"] >= 1
    assert status_of(company)["company"]["registration"]["status"] == "registered"
    keys = {c["idempotency_key"] for c in partner.calls}
    assert len(partner.calls) == 4 and len(keys) == 1  # one logical request, one idempotency key
    # a second firing finds nothing left to do for this company
    client.lambda_.invoke("retry_tip_registrations", scheduled_event(due))
    assert len(partner.calls) == 4


def test_a_registration_the_partner_never_takes_is_given_up_and_the_manager_can_start_it_again(
    company: Company, partner: Partner, client: Client
) -> None:
    company.manager.call("POST", "/tips/company/opt-in")
    partner.verify_company(company)
    company.add_agent("Ada")
    ada_id = company.agent_ids["Ada"]
    partner.failures_left = 10**6  # the partner is gone
    status, body = company.manager.call("POST", f"/tips/employees/{ada_id}/opt-in")
    assert status == 200 and body["registration"]["status"] == "retrying"
    # days of hourly retries have passed: the account holds one attempt short of the limit
    TipAccount(company.company_id, employee_subject(ada_id)).update(actions=[TipAccount.attempts.set(MAX_ATTEMPTS - 1)])

    later = datetime.now(UTC) + timedelta(hours=2)
    client.lambda_.invoke("retry_tip_registrations", scheduled_event(later))
    [account] = status_of(company)["employees"]
    assert account["registration"]["status"] == "failed"
    assert account["registration"]["next_attempt_at"] is None
    assert f"gave up after {MAX_ATTEMPTS} attempts" in account["registration"]["last_error"]
    calls = len(partner.calls)
    client.lambda_.invoke("retry_tip_registrations", scheduled_event(later + timedelta(days=1)))
    assert len(partner.calls) == calls  # no more calls to a partner that is gone

    partner.failures_left = 0  # the partner is back; the manager starts again
    status, body = company.manager.call("POST", f"/tips/employees/{ada_id}/opt-in")
    assert status == 200 and body["state"] == "pending_link" and body["registration"]["status"] == "registered"
    assert body["registration"]["attempts"] == 1


def test_employees_opt_in_only_once_the_company_is_registered(company: Company, partner: Partner) -> None:
    ada = company.add_agent("Ada")
    ada_id = company.agent_ids["Ada"]
    status, body = company.manager.call("POST", f"/tips/employees/{ada_id}/opt-in")
    assert status == 409 and body["type"] == "/problems/tips-not-enabled"
    company.manager.call("POST", "/tips/company/opt-in")
    status, body = ada.call("POST", f"/tips/employees/{ada_id}/opt-in")  # the employee themselves
    assert status == 200 and body["state"] == "pending_link"
    receiver = partner.calls[-1]
    assert receiver["url"].endswith(f"/v1/places/{company.company_id}/receivers")
    assert receiver["body"] == {"external_id": ada_id, "name": "Ada"}


def test_an_agent_cannot_opt_a_colleague_in_or_out(company: Company, partner: Partner) -> None:
    ada_id = enable_tips(company, partner)
    bob = company.add_agent("Bob")
    assert bob.call("POST", f"/tips/employees/{ada_id}/opt-out")[0] == 403
    assert bob.call("POST", f"/tips/employees/{ada_id}/opt-in")[0] == 403


def test_a_partner_that_confirms_at_once_links_the_employee_without_a_webhook(
    company: Company, partner: Partner
) -> None:
    company.manager.call("POST", "/tips/company/opt-in")
    partner.verify_company(company)
    company.add_agent("Ada")
    partner.receiver_status = "confirmed"
    status, body = company.manager.call("POST", f"/tips/employees/{company.agent_ids['Ada']}/opt-in")
    assert status == 200 and body["state"] == "linked" and body["tip_button"] is True


def test_opting_out_hides_the_tip_button(company: Company, partner: Partner) -> None:
    ada_id = enable_tips(company, partner)
    status, body = company.manager.call("POST", f"/tips/employees/{ada_id}/opt-out")
    assert status == 200 and body["state"] == "disabled" and body["tip_button"] is False
    status, body = company.manager.call("POST", "/tips/company/opt-out")
    assert status == 200 and body["state"] == "disabled"


def test_another_company_cannot_opt_in_this_companys_employee(
    company: Company, other_company: Company, partner: Partner
) -> None:
    ada_id = enable_tips(company, partner)
    other_company.manager.call("POST", "/tips/company/opt-in")
    assert other_company.manager.call("POST", f"/tips/employees/{ada_id}/opt-in")[0] == 404


# The client on its own: timeouts, retries with backoff, idempotency key, 4xx final.


@responses.activate
def test_the_client_retries_5xx_and_connection_errors_with_backoff_and_one_key() -> None:
    url = f"{LOCAL_PARTNER_URL}/v1/places"
    responses.add(responses.POST, url, body=requests.ConnectionError("refused"))
    responses.add(responses.POST, url, status=502)
    responses.add(responses.POST, url, status=201, json={"place_id": "pl_1", "status": "waiting"})
    slept: list[float] = []
    client = PartnerClient(LOCAL_PARTNER_URL, "key", sleep=slept.append)
    result = client.register_place("co_1", "Acme", "EUR", "idem_abc")
    assert result.partner_ref == "pl_1"
    assert slept == [0.25, 0.5]
    assert {c.request.headers["Idempotency-Key"] for c in responses.calls} == {"idem_abc"}


@responses.activate
def test_the_client_gives_up_after_its_attempts_and_never_retries_a_4xx() -> None:
    url = f"{LOCAL_PARTNER_URL}/v1/places"
    responses.add(responses.POST, url, status=503)
    with pytest.raises(PartnerUnavailable):
        PartnerClient(LOCAL_PARTNER_URL, "key", sleep=lambda _: None).register_place("co_1", "A", "EUR", "k")
    assert len(responses.calls) == 3
    responses.replace(responses.POST, url, status=422, json={"error": "bad currency"})
    with pytest.raises(PartnerRefused):
        PartnerClient(LOCAL_PARTNER_URL, "key", sleep=lambda _: None).register_place("co_1", "A", "EUR", "k")
    assert len(responses.calls) == 4
