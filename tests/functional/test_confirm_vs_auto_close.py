"""A customer's confirmation and the auto-close job reaching the same resolved ticket at once, in both
orders, made deterministic by running the other side at the point between one side's read and its
write. Whoever writes last, the ticket ends closed as `confirmed` and the rating e-mail goes out once.
Both sides go through their real entry points: the customer's link route and the schedule handler."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.db.models import Ticket
from chalicelib.tickets import jobs, service
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event, stream_record
from tests.functional.tips_helpers import deliver, sent_mail


@dataclass
class Resolved:
    ticket_id: str
    link: str
    email: str
    ticket: Ticket  # as it stood, resolved

    def current(self, company: Company) -> Ticket:
        return Ticket.get(company.company_id, self.ticket_id, consistent_read=True)


def resolved_ticket(company: Company) -> Resolved:
    if "Ada" not in company.agents:
        company.add_agent("Ada")
    email = f"race-{secrets.token_hex(5)}@example.com"
    opened = company.open_ticket("Printer is broken", email)
    ada = company.agents["Ada"]
    assert ada.call("POST", "/tickets/next")[1]["ticket_id"] == opened["ticket_id"]
    assert ada.call("POST", f"/tickets/{opened['ticket_id']}/resolve")[0] == 200
    ticket = Ticket.get(company.company_id, opened["ticket_id"], consistent_read=True)
    return Resolved(opened["ticket_id"], opened["link_token"], email, ticket)


def confirm(company: Company, resolved: Resolved) -> tuple[int, Any]:
    return company.api.call("POST", f"/customer/tickets/{resolved.link}/confirm", token="")


def auto_close(client: Client, at: datetime) -> dict[str, Any]:
    result: dict[str, Any] = client.lambda_.invoke("auto_close_resolved", scheduled_event(at)).payload
    return result


def due_time(resolved: Resolved) -> datetime:
    assert resolved.ticket.auto_close_at is not None
    return resolved.ticket.auto_close_at + timedelta(minutes=1)


def interleave(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, ticket_id: str, other: Callable[[], None]
) -> None:
    """Run `other` once, just before `module.name` writes `ticket_id` for the first time."""
    real = getattr(module, name)
    done: list[bool] = []

    def between_read_and_write(ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
        if ticket.ticket_id == ticket_id and not done:
            done.append(True)
            other()
        return real(ticket, *args, **kwargs)

    monkeypatch.setattr(module, name, between_read_and_write)


def emails_after(client: Client, resolved: Resolved, *images: Ticket) -> int:
    """Deliver the ticket's stream records (each image after the one before) twice, as a redelivery
    would; return how many rating e-mails its customer got."""
    records = [stream_record(str(10**6 + i), new, old) for i, (old, new) in enumerate(pairwise(images))]
    for _ in range(2):
        assert deliver(client, *records) == {"batchItemFailures": []}
    return len(sent_mail(resolved.email))


def test_the_job_reads_first_and_the_customer_confirms_before_it_writes(
    company: Company, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved = resolved_ticket(company)
    answers: list[tuple[int, Any]] = []
    interleave(
        monkeypatch, jobs, "_conditional_update", resolved.ticket_id, lambda: answers.append(confirm(company, resolved))
    )

    auto_close(client, due_time(resolved))

    [(status, seen)] = answers
    assert status == 200 and seen["status"] == "closed"
    final = resolved.current(company)
    assert final.status == "closed" and final.close_reason == "confirmed"
    assert emails_after(client, resolved, resolved.ticket, final) == 1


def test_the_customer_reads_first_and_the_job_closes_the_ticket_before_the_customer_writes(
    company: Company, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved = resolved_ticket(company)
    between: list[Ticket] = []
    job_results: list[dict[str, Any]] = []

    def job_runs() -> None:
        job_results.append(auto_close(client, due_time(resolved)))
        between.append(resolved.current(company))

    interleave(monkeypatch, service, "_apply", resolved.ticket_id, job_runs)

    status, seen = confirm(company, resolved)

    assert status == 200 and seen["status"] == "closed"
    [auto_closed] = between
    assert auto_closed.status == "closed" and auto_closed.close_reason == "auto"  # the job did write first
    final = resolved.current(company)
    assert final.status == "closed" and final.close_reason == "confirmed"
    assert final.closed_at == auto_closed.closed_at  # closed once; only the reason is the customer's
    assert emails_after(client, resolved, resolved.ticket, auto_closed, final) == 1


def test_a_confirmation_a_moment_after_the_auto_close_still_counts_but_not_one_long_after(
    company: Company, client: Client
) -> None:
    now = datetime.now(UTC)
    moment, long_ago = resolved_ticket(company), resolved_ticket(company)
    for resolved, closed_at in ((moment, now - timedelta(minutes=2)), (long_ago, now - timedelta(hours=2))):
        # resolved days ago: due a minute before the job's run
        Ticket(company.company_id, resolved.ticket_id).update(
            actions=[Ticket.auto_close_at.set(closed_at - timedelta(minutes=1))]
        )
        auto_close(client, closed_at)
        assert resolved.current(company).close_reason == "auto"

    first, again = confirm(company, moment), confirm(company, moment)  # twice: the second changes nothing
    assert first[0] == again[0] == 200 and first[1]["status"] == again[1]["status"] == "closed"
    assert moment.current(company).close_reason == "confirmed"
    status, seen = confirm(company, long_ago)
    assert status == 200 and seen["status"] == "closed"
    assert long_ago.current(company).close_reason == "auto"  # two hours on, the close stands as it was
