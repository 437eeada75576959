"""Bounces and complaints (SES -> SNS -> `mail_feedback`, invoked with SNS events in Lambda's shape)
feed the suppression list; companies' inbound addresses and the addresses managers add."""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib import mail
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.inbound import addresses
from tests.functional.conftest import Api, Company
from tests.functional.mail_helpers import desk_address, sns_event


def _bounce(address: str, kind: str = "Permanent") -> dict[str, object]:
    return {
        "notificationType": "Bounce",
        "bounce": {"bounceType": kind, "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"}]},
        "mail": {"source": "support@example.com", "destination": [address]},
    }


def test_permanent_bounces_and_complaints_suppress_the_address_and_transient_ones_do_not(client: Client) -> None:
    event = sns_event(
        _bounce("Gone@Example.com"),
        _bounce("full@example.com", "Transient"),
        {"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "angry@example.com"}]}},
        "not json at all",
        {"notificationType": "Delivery"},
        {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": "nonsense"}},
    )
    payload = client.lambda_.invoke("mail_feedback", event).payload
    assert payload == {"suppressed": 2}
    assert mail.is_suppressed("gone@example.com") and mail.is_suppressed("angry@example.com")
    assert not mail.is_suppressed("full@example.com")
    again = client.lambda_.invoke("mail_feedback", sns_event(_bounce("gone@example.com"))).payload
    assert again == {"suppressed": 1} and mail.is_suppressed("gone@example.com")  # redelivery changes nothing


def test_every_company_gets_its_own_inbound_address_at_sign_up(company: Company, api: Api) -> None:
    address = desk_address(company.company_id)
    local, _, domain = address.partition("@")
    assert domain == "in.servicedesk.local" and local.startswith("acme-") and len(local) == len("acme-") + 6
    status, body = company.manager.call("GET", "/company")
    assert status == 200 and body["inbound_address"] == address
    owners = addresses.owners([address.upper()])
    assert owners == {address: company.company_id}


def test_a_manager_adds_and_removes_the_companys_own_addresses_and_nobody_else_can_take_them(
    company: Company, other_company: Company
) -> None:
    own = f"help-{company.company_id[-8:]}@acme.test"
    added = addresses.add_own_address(company.company_id, f" <{own.upper()}> ", company.manager_id, is_manager=True)
    assert added.address == own and added.kind == "own"
    assert addresses.add_own_address(company.company_id, own, company.manager_id, is_manager=True).address == own
    with pytest.raises(Conflict):
        addresses.add_own_address(other_company.company_id, own, other_company.manager_id, is_manager=True)
    with pytest.raises(Forbidden):
        addresses.add_own_address(company.company_id, "x@acme.test", "emp", is_manager=False)
    for bad in ("not an address", "a@in.servicedesk.local", "support@servicedesk.local", "a@b", "a\r\n@x.com"):
        with pytest.raises(ValidationFailed):
            addresses.add_own_address(company.company_id, bad, company.manager_id, is_manager=True)
    assert {a.address for a in addresses.addresses_of(company.company_id)} == {own, desk_address(company.company_id)}
    with pytest.raises(NotFound):  # the other company cannot remove it either
        addresses.remove_own_address(other_company.company_id, own, is_manager=True)
    with pytest.raises(NotFound):  # nor may the desk address be removed
        addresses.remove_own_address(company.company_id, desk_address(company.company_id), is_manager=True)
    addresses.remove_own_address(company.company_id, own, is_manager=True)
    assert addresses.owners([own]) == {}


def test_a_company_made_before_e_mail_in_gets_its_address_on_first_use(company: Company) -> None:
    from chalicelib.db.models import Company as CompanyItem

    item = CompanyItem.get(company.company_id)
    item.update(actions=[CompanyItem.inbound_handle.remove()])
    legacy = CompanyItem.get(company.company_id)
    assert legacy.inbound_handle is None
    address = addresses.ensure_desk_address(legacy)
    assert addresses.ensure_desk_address(CompanyItem.get(company.company_id)) == address
    assert addresses.owners([address]) == {address: company.company_id}


def test_managers_list_add_and_remove_the_companys_own_addresses_over_http(
    company: Company, other_company: Company
) -> None:
    own = f"help-{company.company_id[-8:]}@acme.test"
    status, added = company.manager.call("POST", "/mail/addresses", {"address": own.upper()})
    assert status == 201 and added["address"] == own and added["kind"] == "own"
    status, listed = company.manager.call("GET", "/mail/addresses")
    assert status == 200
    assert [a["kind"] for a in listed["addresses"]] == ["desk", "own"]
    assert (
        other_company.manager.call("POST", "/mail/addresses", {"address": own})[1]["type"] == "/problems/address-taken"
    )
    agent = company.add_agent("Ada")
    assert agent.call("POST", "/mail/addresses", {"address": "x@acme.test"})[0] == 403
    assert company.manager.call("POST", "/mail/addresses", {"address": "a,b@acme.test"})[0] == 422
    assert other_company.manager.call("DELETE", f"/mail/addresses/{own}")[0] == 404
    desk = desk_address(company.company_id)
    assert company.manager.call("DELETE", f"/mail/addresses/{desk}")[0] == 404
    assert company.manager.call("DELETE", f"/mail/addresses/{own}")[0] == 204
    assert [a["kind"] for a in company.manager.call("GET", "/mail/addresses")[1]["addresses"]] == ["desk"]
