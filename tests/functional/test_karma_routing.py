"""Karma-aware routing through the real intake and take-next routes: literate customers skip the first
line, difficult customers are spread over the agents on duty, calm ones go first to agents customers
rate strongly, urgent tickets are taken first whatever their karma, and the reason is on the ticket."""

from __future__ import annotations

from chalice.test import Client

from chalicelib import activity
from chalicelib.clock import local_day, utcnow
from chalicelib.db.models import Company as CompanyItem
from chalicelib.db.models import Ticket
from chalicelib.employees import staff
from tests.functional.conftest import Company
from tests.functional.karma_helpers import rate


def build_karma(company: Company, client: Client, email: str, times: int, literacy: int, temperament: int) -> None:
    """`times` tickets of the customer handled and rated by Rae, who then goes offline."""
    if "Rae" not in company.agents:
        company.add_agent("Rae")
    company.agents["Rae"].call("PUT", "/me/status", {"status": "online"})
    for _ in range(times):
        rate(company, client, "Rae", email, literacy=literacy, temperament=temperament)
    company.agents["Rae"].call("PUT", "/me/status", {"status": "offline"})


def ticket(company: Company, ticket_id: str) -> dict:
    status, body = company.manager.call("GET", f"/tickets/{ticket_id}")
    assert status == 200
    return dict(body)


def next_for(company: Company, agent: str) -> str | None:
    status, body = company.agents[agent].call("POST", "/tickets/next")
    assert status in (200, 204), body
    return None if body is None else str(body["ticket_id"])


def make_urgent(company: Company, ticket_id: str) -> None:
    """As if the ticket had waited more than half of its SLA target."""
    stored = Ticket.get(company.company_id, ticket_id)
    shift = (stored.sla_target_at - stored.created_at) * 0.6
    stored.update(
        actions=[
            Ticket.created_at.set(stored.created_at - shift),
            Ticket.sla_target_at.set(stored.sla_target_at - shift),
        ]
    )


def test_a_literate_customer_skips_the_first_line_when_the_second_line_is_on_duty(
    company: Company, client: Client
) -> None:
    email = "lin@example.com"
    build_karma(company, client, email, times=3, literacy=5, temperament=3)
    company.add_agent("Ian", tier=1)
    company.add_agent("Tess", tier=2)
    opened = company.open_ticket("Kernel panic after the 6.8 upgrade", email)
    assert opened["first_line_skipped"] is True
    seen = ticket(company, opened["ticket_id"])
    assert seen["tier"] == 2 and seen["routing_reason"] == "skip_first_line"
    assert next_for(company, "Ian") is None  # the first line does not see it
    assert next_for(company, "Tess") == opened["ticket_id"]
    agent_view = company.agents["Tess"].call("GET", f"/tickets/{opened['ticket_id']}")[1]
    assert agent_view["routing_reason"] == "skip_first_line"  # visible to agents, not only managers


def test_the_first_line_is_skipped_only_for_eligible_customers_who_did_not_decline(
    company: Company, client: Client
) -> None:
    email = "lou@example.com"
    build_karma(company, client, email, times=3, literacy=5, temperament=3)
    company.add_agent("Tess", tier=2)
    declined = company.open_ticket("Disk quota question", email, skip_first_line=False)
    assert declined["first_line_skipped"] is False
    assert ticket(company, declined["ticket_id"])["tier"] == 1
    stranger = company.open_ticket("Also want tier two", "new.person@example.com", skip_first_line=True)
    assert stranger["first_line_skipped"] is False
    assert ticket(company, stranger["ticket_id"])["routing_reason"] == "fifo"
    company.agents["Tess"].call("PUT", "/me/status", {"status": "offline"})
    nobody_there = company.open_ticket("VLAN tagging on the uplink", email)
    assert nobody_there["first_line_skipped"] is False  # no one on the second line: no offer
    assert ticket(company, nobody_there["ticket_id"])["tier"] == 1


def test_an_urgent_ticket_that_skipped_the_first_line_is_taken_by_the_first_line_if_needed(
    company: Company, client: Client
) -> None:
    email = "lex@example.com"
    build_karma(company, client, email, times=3, literacy=5, temperament=3)
    company.add_agent("Ian", tier=1)
    company.add_agent("Tess", tier=2)
    opened = company.open_ticket("BGP session flapping", email)
    assert opened["first_line_skipped"] is True
    company.agents["Tess"].call("PUT", "/me/status", {"status": "offline"})
    assert next_for(company, "Ian") is None
    make_urgent(company, opened["ticket_id"])
    assert next_for(company, "Ian") == opened["ticket_id"]


def test_difficult_customers_go_to_the_agent_with_the_lower_difficult_share(company: Company, client: Client) -> None:
    storm = "storm@example.com"
    build_karma(company, client, storm, times=2, literacy=3, temperament=1)
    company.add_agent("Ada")
    company.add_agent("Bob")
    first = company.open_ticket("Refund now or else", storm)
    assert ticket(company, first["ticket_id"])["routing_reason"] == "balance_difficult"
    assert next_for(company, "Ada") == first["ticket_id"]  # Ada: 1 of 1 difficult
    calm_one = company.open_ticket("How do I export", "neutral1@example.com")
    assert next_for(company, "Bob") == calm_one["ticket_id"]  # Bob: 0 of 1
    difficult = company.open_ticket("Still broken, furious", storm)
    newer = company.open_ticket("Password reset", "neutral2@example.com")
    assert next_for(company, "Ada") == newer["ticket_id"]  # FIFO would give Ada the older difficult one
    assert next_for(company, "Bob") == difficult["ticket_id"]
    day = activity.read_days(company.company_id, [local_day(utcnow(), "Europe/Vilnius")], [company.agent_ids["Bob"]])
    assert day and activity.metric_value(day[0], "difficult_taken") == 1


def test_an_urgent_difficult_ticket_is_taken_first_whatever_the_shares(company: Company, client: Client) -> None:
    storm = "gale@example.com"
    build_karma(company, client, storm, times=2, literacy=3, temperament=1)
    company.add_agent("Ada")
    company.add_agent("Bob", online=False)
    assert next_for(company, "Ada") is None
    first = company.open_ticket("Why is this so slow", storm)
    assert next_for(company, "Ada") == first["ticket_id"]
    company.agents["Bob"].call("PUT", "/me/status", {"status": "online"})
    difficult = company.open_ticket("Unacceptable outage", storm)
    newer = company.open_ticket("Invoice copy", "neutral3@example.com")
    make_urgent(company, difficult["ticket_id"])
    assert next_for(company, "Ada") == difficult["ticket_id"]  # nothing starves
    assert next_for(company, "Bob") == newer["ticket_id"]


def test_calm_customers_go_first_to_agents_customers_rate_strongly(company: Company, client: Client) -> None:
    sunny = "sunny@example.com"
    build_karma(company, client, sunny, times=2, literacy=3, temperament=5)
    company.add_agent("Ada")
    company.add_agent("Bob")
    loved = {"ratings": 4, "rating_points": 19}  # customers love Ada: recorded as a rating records them
    today = activity.key_for(company.company_id, "Europe/Vilnius", utcnow())
    activity.record(today, company.agent_ids["Ada"], loved)  # on her day (badges)
    item = CompanyItem.get(company.company_id)
    day = local_day(utcnow(), "Europe/Vilnius")
    item.update(actions=staff.load_actions(item, company.agent_ids["Ada"], day, loved))  # and her routing load
    older = company.open_ticket("Where is my parcel", "neutral4@example.com")
    calm = company.open_ticket("Small question, no rush", sunny)
    assert ticket(company, calm["ticket_id"])["routing_reason"] == "calm_for_strong"
    assert next_for(company, "Ada") == calm["ticket_id"]
    assert next_for(company, "Bob") == older["ticket_id"]
