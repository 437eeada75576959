"""The AWS-call audit: API calls become the IAM actions that authorise them, and a call the
declarations do not allow is reported (it would be AccessDenied on AWS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import aws_audit


@pytest.fixture
def observed() -> Iterator[dict[str, set[tuple[str, str]]]]:
    saved = {k: set(v) for k, v in aws_audit.OBSERVED.items()}
    aws_audit.OBSERVED.clear()
    yield aws_audit.OBSERVED
    aws_audit.OBSERVED.clear()
    aws_audit.OBSERVED.update(saved)


def _table(short: str) -> str:
    return f"servicedesk-local-{short}"


def test_a_transaction_needs_the_action_of_each_of_its_items_on_each_table() -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": _table("tickets")}},
            {"Update": {"TableName": _table("agent_days")}},
            {"ConditionCheck": {"TableName": _table("companies")}},
            {"Delete": {"TableName": _table("api_tokens")}},
        ]
    }
    assert aws_audit.iam_requests("dynamodb", "TransactWriteItems", params) == [
        ("dynamodb:PutItem", "tickets"),
        ("dynamodb:UpdateItem", "agent_days"),
        ("dynamodb:ConditionCheckItem", "companies"),
        ("dynamodb:DeleteItem", "api_tokens"),
    ]


def test_a_query_on_an_index_is_authorised_on_the_index() -> None:
    params = {"TableName": _table("tickets"), "IndexName": "queue"}
    assert aws_audit.iam_requests("dynamodb", "Query", params) == [("dynamodb:Query", "tickets/index/queue")]


def test_a_call_outside_the_declarations_is_reported_and_declared_ones_are_not(
    observed: dict[str, set[tuple[str, str]]],
) -> None:
    observed["on_ticket_change"] = {("dynamodb:PutItem", "lifecycle"), ("dynamodb:Scan", "tickets")}
    observed["flag_sla_breaches"] = {("ssm:GetParameter", "ssm:APP_SECRET")}
    observed["send_tip_email"] = {("ses:SendRawEmail", "ses:identity"), ("ses:VerifyEmailIdentity", "ses:identity")}
    observed["a_function_nobody_declared"] = {("dynamodb:GetItem", "companies")}
    assert aws_audit.violations() == [
        "a_function_nobody_declared: dynamodb:GetItem on companies",
        "flag_sla_breaches: ssm:GetParameter on ssm:APP_SECRET",
        "on_ticket_change: dynamodb:Scan on tickets",
    ]
