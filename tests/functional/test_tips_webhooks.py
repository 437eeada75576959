"""Partner webhooks through the real route: Standard Webhooks signatures (made by the reference
package, playing the partner), rotation, freshness, idempotency by webhook id, and every event."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.tips.config import LOCAL_WEBHOOK_SECRET
from chalicelib.tips.models import TipAccount, WebhookReceipt
from tests.functional.conftest import Company
from tests.functional.tips_helpers import Partner, enable_tips, partner_fixture  # noqa: F401

NEW_SECRET = "whsec_" + base64.b64encode(b"the-partner-rotated-to-this-key!").decode()


def company_state(company: Company) -> str:
    return str(company.manager.call("GET", "/tips/status")[1]["company"]["state"])


def opted_in(company: Company) -> None:
    assert company.manager.call("POST", "/tips/company/opt-in")[0] == 200


def test_a_signed_company_verified_event_verifies_the_company(company: Company, partner: Partner) -> None:
    opted_in(company)
    assert company_state(company) == "pending_verification"
    partner.verify_company(company)
    assert company_state(company) == "verified"


def test_a_company_rejected_event_records_the_reason_and_the_company_can_retry(
    company: Company, partner: Partner
) -> None:
    opted_in(company)
    status, body = partner.send("company.rejected", {"external_id": company.company_id, "reason": "No licence"})
    assert status == 200 and body["outcome"] == "applied"
    view = company.manager.call("GET", "/tips/status")[1]["company"]
    assert view["state"] == "rejected" and view["reason"] == "No licence"
    status, again = company.manager.call("POST", "/tips/company/opt-in")
    assert status == 200 and again["state"] == "pending_verification" and again["reason"] is None
    assert len([c for c in partner.calls if c["kind"] == "place"]) == 2


@pytest.mark.parametrize(
    "tamper",
    ["signature", "body", "missing", "stale", "future", "wrong-secret", "no-v1"],
)
def test_a_bad_missing_or_stale_signature_gets_401_and_changes_nothing(
    company: Company, partner: Partner, tamper: str
) -> None:
    opted_in(company)
    webhook_id = f"msg_{secrets.token_hex(8)}"
    data = {"external_id": company.company_id}
    now = datetime.now(UTC)
    if tamper == "signature":
        status, body = partner.send(
            "company.verified",
            data,
            webhook_id=webhook_id,
            headers={"webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()},
        )
    elif tamper == "body":
        # signed for another body, then ours swapped in: the signature no longer covers what arrives
        signed_for = json.dumps({"type": "company.verified", "data": {"external_id": "co_someone_else"}})
        signature = Webhook(LOCAL_WEBHOOK_SECRET).sign(webhook_id, now, signed_for)
        ours = json.dumps({"type": "company.verified", "data": data})
        status, body = partner.api.call(
            "POST",
            "/tips/webhooks/partner",
            raw=ours,
            token="",
            headers={
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signature,
            },
        )
    elif tamper == "missing":
        status, body = partner.api.call(
            "POST", "/tips/webhooks/partner", {"type": "company.verified", "data": data}, token=""
        )
    elif tamper == "stale":
        status, body = partner.send("company.verified", data, webhook_id=webhook_id, at=now - timedelta(minutes=6))
    elif tamper == "future":
        status, body = partner.send("company.verified", data, webhook_id=webhook_id, at=now + timedelta(minutes=6))
    elif tamper == "wrong-secret":
        status, body = partner.send("company.verified", data, webhook_id=webhook_id, secret=NEW_SECRET)
    else:
        status, body = partner.send(
            "company.verified", data, webhook_id=webhook_id, headers={"webhook-signature": "v2,abc"}
        )
    assert status == 401, body
    assert body["type"] == "/problems/webhook-signature-invalid"
    assert company_state(company) == "pending_verification"
    with pytest.raises(WebhookReceipt.DoesNotExist):
        WebhookReceipt.get(webhook_id)


def test_timestamps_within_five_minutes_either_way_are_accepted(company: Company, partner: Partner) -> None:
    opted_in(company)
    status, body = partner.send(
        "company.rejected",
        {"external_id": company.company_id, "reason": "x"},
        at=datetime.now(UTC) + timedelta(minutes=4),
    )
    assert status == 200 and body["outcome"] == "applied"
    status, body = partner.send(
        "company.verified", {"external_id": company.company_id}, at=datetime.now(UTC) - timedelta(minutes=4)
    )
    assert status == 200 and body["outcome"] == "applied"
    assert company_state(company) == "verified"


def test_during_a_rotation_both_the_old_and_the_new_secret_are_accepted(
    company: Company, partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.tips.config import get_tip_config

    monkeypatch.setenv("TIP_WEBHOOK_SECRETS", f"{LOCAL_WEBHOOK_SECRET} {NEW_SECRET}")
    get_tip_config.cache_clear()
    try:
        opted_in(company)
        assert partner.send("company.rejected", {"external_id": company.company_id, "reason": "old key"})[0] == 200
        assert partner.send("company.verified", {"external_id": company.company_id}, secret=NEW_SECRET)[0] == 200
        assert company_state(company) == "verified"
    finally:
        monkeypatch.delenv("TIP_WEBHOOK_SECRETS")
        get_tip_config.cache_clear()


def test_a_redelivered_webhook_gets_2xx_and_has_no_second_effect(company: Company, partner: Partner) -> None:
    employee_id = enable_tips(company, partner)
    tip = {"tip_id": "tp_redelivered", "amount": "70.00"}
    first = partner.pay(company, employee_id, webhook_id="msg_same_delivery", **tip)
    later = partner.pay(
        company, employee_id, webhook_id="msg_same_delivery", at=datetime.now(UTC) + timedelta(minutes=3), **tip
    )
    assert first == (200, {"webhook_id": "msg_same_delivery", "outcome": "applied"})
    assert later[0] == 200 and later[1]["outcome"] == "duplicate"
    tips = company.manager.call("GET", "/tips")[1]["tips"]
    assert [(t["tip_id"], t["amount"]) for t in tips] == [("tp_redelivered", "70.00")]


def test_the_same_payment_under_a_new_webhook_id_is_not_counted_twice(company: Company, partner: Partner) -> None:
    employee_id = enable_tips(company, partner)
    assert partner.pay(company, employee_id, tip_id="tp_once")[1]["outcome"] == "applied"
    assert partner.pay(company, employee_id, tip_id="tp_once")[1]["outcome"] == "ignored"
    summary = company.manager.call("GET", "/tips/summary")[1]
    assert summary["tips"] == 1 and summary["amount"] == {"EUR": "150.00"}


def test_receipts_are_kept_at_least_72_hours(company: Company, partner: Partner) -> None:
    opted_in(company)
    partner.send("company.verified", {"external_id": company.company_id}, webhook_id="msg_kept_for_days")
    receipt = WebhookReceipt.get("msg_kept_for_days")
    assert receipt.expires_at - receipt.received_at >= timedelta(hours=72)


def test_unknown_event_types_get_2xx_and_are_recorded_but_not_acted_on(company: Company, partner: Partner) -> None:
    opted_in(company)
    status, body = partner.send("company.renamed", {"external_id": company.company_id}, webhook_id="msg_unknown_1")
    assert status == 200 and body["outcome"] == "ignored"
    assert WebhookReceipt.get("msg_unknown_1").event_type == "company.renamed"
    assert company_state(company) == "pending_verification"


def test_malformed_json_gets_400_and_nothing_is_written(company: Company, partner: Partner) -> None:
    status, body = partner.send("company.verified", {}, webhook_id="msg_malformed_1", body="{not json")
    assert status == 400 and body["type"] == "/problems/malformed-request"
    status, body = partner.send(
        "tip.paid", {}, webhook_id="msg_malformed_2", body=json.dumps({"type": "tip.paid", "data": {"tip_id": 5}})
    )
    assert status == 400
    for webhook_id in ("msg_malformed_1", "msg_malformed_2"):
        with pytest.raises(WebhookReceipt.DoesNotExist):
            WebhookReceipt.get(webhook_id)


def test_employee_linked_and_unlinked_move_the_employee_and_the_tip_button(company: Company, partner: Partner) -> None:
    employee_id = enable_tips(company, partner)
    employees = company.manager.call("GET", "/tips/status")[1]["employees"]
    assert [e["employee_id"] for e in employees] == [employee_id] and employees[0]["state"] == "linked"
    assert employees[0]["tip_button"] is True
    status, body = partner.send(
        "employee.unlinked", {"company_external_id": company.company_id, "external_id": employee_id}
    )
    assert status == 200 and body["outcome"] == "applied"
    account = TipAccount.get(company.company_id, f"emp#{employee_id}")
    assert account.state == "unlinked" and account.form_url is None


def test_an_employee_linked_event_with_a_form_outside_the_partner_origin_is_not_stored(
    company: Company, partner: Partner
) -> None:
    opted_in(company)
    partner.verify_company(company)
    company.add_agent("Ada")
    employee_id = company.agent_ids["Ada"]
    assert company.manager.call("POST", f"/tips/employees/{employee_id}/opt-in")[0] == 200
    for evil in ("https://evil.example/form/1", "http://127.0.0.1:8025.evil.example/f", "javascript:alert(1)"):
        status, body = partner.link(company, employee_id, form_url=evil)
        assert status == 200 and body["outcome"] == "ignored", evil
    assert TipAccount.get(company.company_id, f"emp#{employee_id}").form_url is None


def test_events_for_another_company_cannot_touch_this_one(
    company: Company, other_company: Company, partner: Partner
) -> None:
    opted_in(company)
    status, body = partner.send("company.verified", {"external_id": other_company.company_id})
    assert status == 200 and body["outcome"] == "ignored"
    assert company_state(company) == "pending_verification"
    assert company_state(other_company) == "disabled"
