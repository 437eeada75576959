"""The scheduled retry of partner registrations, driven through its schedule handler as EventBridge
invokes it: a registration the partner never takes runs its whole course (80 attempts, backoff capped
at an hour, then `failed`) while another company's registration goes through in the same runs, and a
registration that breaks in an unexpected way is recorded on itself and never stops the others."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.tips import accounts
from chalicelib.tips.accounts import MAX_ATTEMPTS, MAX_RETRY_DELAY, retry_delay
from chalicelib.tips.models import COMPANY, TipAccount
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event
from tests.functional.tips_helpers import Partner, partner_fixture  # noqa: F401


@pytest.fixture(autouse=True)
def no_waiting_between_http_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The partner client's own retries sleep 0.25 s and 0.5 s; 80 attempts need not wait a minute."""
    real = accounts.partner_client
    monkeypatch.setattr(accounts, "partner_client", lambda: dataclasses.replace(real(), sleep=lambda _: None))
    yield


def registration(company: Company) -> TipAccount:
    return TipAccount.get(company.company_id, COMPANY, consistent_read=True)


def place_calls(partner: Partner, company: Company) -> int:
    return sum(1 for c in partner.calls if c["kind"] == "place" and c["body"]["external_id"] == company.company_id)


def run_job(client: Client, account: TipAccount) -> dict[str, Any]:
    """Fire the schedule just after the account's next attempt is due."""
    assert account.next_attempt_at is not None
    event = scheduled_event(account.next_attempt_at + timedelta(seconds=1))
    result: dict[str, Any] = client.lambda_.invoke("retry_tip_registrations", event).payload
    return result


def test_the_backoff_doubles_from_a_minute_and_stays_at_an_hour_however_many_attempts() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 7)] == [timedelta(minutes=m) for m in (1, 2, 4, 60)]
    assert retry_delay(42) == retry_delay(10**6) == MAX_RETRY_DELAY


def test_a_registration_the_partner_never_takes_gives_up_after_80_attempts_while_another_company_registers(
    company: Company, other_company: Company, partner: Partner, client: Client
) -> None:
    partner.down_for.add(company.company_id)  # down for this company for days
    status, body = company.manager.call("POST", "/tips/company/opt-in")
    assert status == 200 and body["registration"]["status"] == "retrying" and body["registration"]["attempts"] == 1

    results: list[dict[str, Any]] = []
    other_joined_at = None
    for _ in range(MAX_ATTEMPTS + 10):
        account = registration(company)
        if account.registration == "failed":
            break
        if other_joined_at is None and int(account.attempts) >= 45:
            # Past the attempt whose backoff used to overflow: another company opts in while the
            # partner hiccups for it too, and the partner is back for it before the next run.
            partner.down_for.add(other_company.company_id)
            status, body = other_company.manager.call("POST", "/tips/company/opt-in")
            assert status == 200 and body["registration"]["status"] == "retrying"
            partner.down_for.discard(other_company.company_id)
            other_joined_at = len(results)
        before = account.next_attempt_at
        results.append(run_job(client, account))
        after = registration(company)
        if after.registration == "retrying":
            assert timedelta(0) < after.next_attempt_at - before <= MAX_RETRY_DELAY + timedelta(seconds=1)

    account = registration(company)
    assert account.registration == "failed" and int(account.attempts) == MAX_ATTEMPTS
    assert account.next_attempt_at is None and account.retry_watch is None
    assert f"gave up after {MAX_ATTEMPTS} attempts" in (account.last_error or "")
    assert len(results) == MAX_ATTEMPTS - 1  # the opt-in made the first attempt, each run one more
    assert place_calls(partner, company) == MAX_ATTEMPTS * 3  # each attempt: the client's 3 HTTP tries
    assert all(r["retrying"] >= 1 for r in results[:-1]) and results[-1]["failed"] >= 1
    assert all(r["errored"] == 0 and r["partial_failure"] is False for r in results)

    # the other company went through in the first run after it opted in, despite the stuck one
    assert other_joined_at is not None
    assert results[other_joined_at]["registered"] >= 1
    other = registration(other_company)
    assert other.registration == "registered" and other.next_attempt_at is None
    status, shown = company.manager.call("GET", "/tips/status")
    assert status == 200 and shown["company"]["registration"]["status"] == "failed"

    # given up: later runs leave the partner alone
    calls = place_calls(partner, company)
    later = scheduled_event(other.updated_at + timedelta(days=30))
    client.lambda_.invoke("retry_tip_registrations", later)
    assert place_calls(partner, company) == calls


def test_a_registration_that_breaks_unexpectedly_is_recorded_on_itself_and_the_others_still_run(
    company: Company,
    other_company: Company,
    partner: Partner,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

    monkeypatch.setattr(cloudwatch, "is_metrics_disabled", lambda: False)  # as on deployed stages
    # Both companies wait for a retry; this one's partner answer will be garbled (201 with `{}`).
    partner.down_for |= {company.company_id, other_company.company_id}
    assert company.manager.call("POST", "/tips/company/opt-in")[0] == 200
    assert other_company.manager.call("POST", "/tips/company/opt-in")[0] == 200
    partner.down_for.clear()
    partner.garbled_for.add(company.company_id)
    broken, fine = registration(company), registration(other_company)
    assert broken.next_attempt_at <= fine.next_attempt_at  # the broken one comes first in the index

    capsys.readouterr()
    result = run_job(client, fine)
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert sum(sum(doc.get("TipRegistrationErrors", [])) for doc in emf) == result["errored"]  # the alarm's metric
    assert result["errored"] >= 1 and result["registered"] >= 1 and result["partial_failure"] is True
    assert registration(other_company).registration == "registered"
    account = registration(company)
    assert account.registration == "retrying" and int(account.attempts) == 2
    assert "KeyError" in (account.last_error or "")
    ran_at = datetime.fromisoformat(result["as_of"])
    assert account.next_attempt_at == ran_at + retry_delay(2)  # moved on: it no longer sorts first for ever

    # the partner answers properly again: the next run registers it
    partner.garbled_for.clear()
    result = run_job(client, account)
    assert result["registered"] >= 1 and registration(company).registration == "registered"
