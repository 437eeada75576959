from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.scheduler import Cron, Job, Scheduler, next_fire, rate_seconds

T = datetime(2026, 11, 22, 10, 7, 30, tzinfo=UTC)  # a Sunday


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(1 day)", 86400), ("cron(0 1 * * ? *)", None)],
)
def test_rate_expressions_are_read_in_seconds(expression: str, seconds: int | None) -> None:
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(15 0 * * ? *)", datetime(2026, 11, 23, 0, 15, tzinfo=UTC)),
        ("cron(0/20 * * * ? *)", datetime(2026, 11, 22, 10, 20, tzinfo=UTC)),
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("cron(0 12 1 * ? *)", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("rate(5 minutes)", datetime(2026, 11, 22, 10, 12, 30, tzinfo=UTC)),
    ],
)
def test_the_next_firing_follows_aws_rate_and_cron_rules(expression: str, expected: datetime) -> None:
    assert next_fire(expression, T) == expected


def test_an_expression_with_the_wrong_number_of_fields_is_refused() -> None:
    with pytest.raises(ValueError):
        Cron.parse("cron(0 1 * * ?)")


def test_firing_calls_the_handler_with_a_scheduled_event_at_the_given_time() -> None:
    received: list[dict[str, Any]] = []
    scheduler = Scheduler({"job": Job("job", "rate(1 hour)", lambda event, _ctx: received.append(event) or "ok")})
    assert scheduler.fire("job", T) == "ok"
    event = received[0]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-11-22T10:07:30Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:000000000000:rule/job"]
    assert scheduler.jobs["job"].runs == 1
