from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import tests.conftest  # noqa: F401  (environment before chalicelib imports)
from chalicelib import links
from chalicelib.clock import split_by_local_day
from chalicelib.db.models import Ticket
from chalicelib.lifecycle import transitions_of
from chalicelib.tickets import sla
from chalicelib.tickets.service import similar_subjects, subject_key

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def ticket(**fields: object) -> Ticket:
    base = dict(
        status="queued",
        created_at=T0,
        updated_at=T0,
        sla_target_at=T0 + timedelta(hours=2),
        sla_limit_at=T0 + timedelta(hours=24),
    )
    base.update(fields)
    return Ticket("co_x", "tkt_x", **base)


def test_subject_keys_ignore_reply_prefixes_case_and_punctuation() -> None:
    assert subject_key("Re: RE: Printer  is broken!!") == "printer is broken"
    assert subject_key("Fwd: Принтер сломан") == "принтер сломан"


def test_near_identical_subjects_match_and_different_ones_do_not() -> None:
    assert similar_subjects(subject_key("Printer is broken"), subject_key("printer is broken."))
    assert similar_subjects(subject_key("Printer is broken"), subject_key("Printer is brokn"))
    assert not similar_subjects(subject_key("Printer is broken"), subject_key("Invoice is wrong"))


@pytest.mark.parametrize(
    ("first_reply_after", "now_after", "expected"),
    [
        (None, timedelta(hours=1), "on_track"),
        (None, timedelta(hours=3), "overdue"),
        (None, timedelta(hours=25), "breached"),
        (timedelta(hours=1), timedelta(hours=30), "met"),
        (timedelta(hours=5), timedelta(hours=30), "late"),
        (timedelta(hours=26), timedelta(hours=30), "breached"),
    ],
)
def test_sla_state_follows_target_and_limit(first_reply_after, now_after, expected) -> None:  # type: ignore[no-untyped-def]
    t = ticket(first_reply_at=T0 + first_reply_after if first_reply_after else None)
    assert sla.state(t, T0 + now_after) == expected


def test_time_is_split_at_midnight_in_the_company_time_zone() -> None:
    start = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)  # 23:30 in Vilnius (UTC+2)
    parts = split_by_local_day(start, start + timedelta(hours=1), "Europe/Vilnius")
    assert parts == [(date(2026, 11, 20), 1800.0), (date(2026, 11, 21), 1800.0)]


def test_a_link_verifies_for_its_purpose_only_and_expires() -> None:
    claims = links.LinkClaims("co_1", "tkt_1")
    token = links.sign(links.CUSTOMER_TICKET, claims, timedelta(days=1), T0)
    assert links.verify(links.CUSTOMER_TICKET, token, T0 + timedelta(hours=23)) == claims
    with pytest.raises(links.LinkInvalid) as expired:
        links.verify(links.CUSTOMER_TICKET, token, T0 + timedelta(days=1, seconds=1))
    assert expired.value.status == 410
    with pytest.raises(links.LinkInvalid):
        links.verify("rating", token, T0)
    with pytest.raises(links.LinkInvalid):
        links.verify(links.CUSTOMER_TICKET, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], T0)


def test_a_link_carries_no_personal_data() -> None:
    token = links.sign(links.CUSTOMER_TICKET, links.LinkClaims("co_1", "tkt_1"), timedelta(days=1), T0)
    import base64
    import json

    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert set(payload) == {"c", "t", "x"}


def test_transitions_are_derived_from_old_and_new_images() -> None:
    queued = ticket()
    assigned = ticket(status="assigned", assignee_id="emp_a")
    replied = ticket(status="assigned", assignee_id="emp_a", first_reply_at=T0)
    assert transitions_of(None, queued) == ["created"]
    assert transitions_of(queued, assigned) == ["taken"]
    assert transitions_of(assigned, replied) == ["first_reply"]
    assert transitions_of(replied, ticket(status="resolved", first_reply_at=T0)) == ["resolved"]
    assert transitions_of(ticket(status="resolved"), ticket(status="closed", close_reason="confirmed")) == ["closed"]
    assert transitions_of(assigned, ticket(status="assigned", assignee_id="emp_b")) == ["transferred"]
    assert transitions_of(queued, ticket(sla_flag="breached")) == ["sla_breached"]
