"""Structured JSON logs and EMF metrics through the Chalice middleware, as a deployed stage writes
them: each line names the request, the function and the company; metrics count what happened."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import observability
from chalicelib.db.models import Ticket
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event, stream_event, stream_record
from tests.functional.tips_helpers import Partner, close_ticket, deliver, enable_tips, partner_fixture  # noqa: F401


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """What a deployed stage installs on its first invocation, into a buffer instead of stderr."""
    stream = io.StringIO()
    undo = observability.install_json_logging(stream)
    yield stream
    undo()


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _metrics(captured: str) -> dict[str, Any]:
    """EMF documents printed to stdout, merged: metric name -> value, plus the dimensions."""
    merged: dict[str, Any] = {}
    for line in captured.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"]:
                assert definition["Namespace"] == "ServiceDesk"
                assert definition["Dimensions"] == [["service", "stage"]] or definition["Dimensions"] == [
                    ["stage", "service"]
                ]
                for metric in definition["Metrics"]:
                    value = document[metric["Name"]]
                    merged[metric["Name"]] = merged.get(metric["Name"], 0) + (
                        sum(value) if isinstance(value, list) else value
                    )
            merged["stage"] = document["stage"]
    return merged


def test_every_http_call_logs_one_json_line_with_request_function_and_company(
    company: Company, json_logs: io.StringIO
) -> None:
    status, _ = company.manager.call("GET", "/tickets")
    assert status == 200
    (line,) = [entry for entry in _lines(json_logs) if entry.get("message") == "request"]
    assert line["company_id"] == company.company_id
    assert line["function_name"] == "api_handler"
    assert line["request_id"]
    assert line["level"] == "INFO" and line["service"] == "servicedesk"
    assert line["method"] == "GET" and line["route"] == "/tickets" and line["status"] == 200


def test_a_public_call_logs_no_company_and_never_the_links_token(company: Company, json_logs: io.StringIO) -> None:
    opened = company.open_ticket()
    company.api.call("GET", f"/customer/tickets/{opened['link_token']}", token="")
    lines = [entry for entry in _lines(json_logs) if entry.get("message") == "request"]
    assert len(lines) == 2
    assert all("company_id" not in entry for entry in lines)  # keys of the previous call do not linger
    assert opened["link_token"] not in json_logs.getvalue()


def test_a_failed_stream_record_is_logged_with_the_function_and_the_records_company(
    company: Company, client: Client, json_logs: io.StringIO
) -> None:
    opened = company.open_ticket()
    ticket = Ticket.get(company.company_id, opened["ticket_id"])
    broken = stream_record("7001", ticket, ticket)
    broken["dynamodb"]["NewImage"] = {"company_id": {"S": company.company_id}}  # not a ticket image
    result = client.lambda_.invoke("on_ticket_change", stream_event(broken)).payload
    assert result == {"batchItemFailures": [{"itemIdentifier": "7001"}]}
    (line,) = [entry for entry in _lines(json_logs) if "failed" in str(entry.get("message"))]
    assert line["function_name"] == "on_ticket_change"
    assert line["company_id"] == company.company_id
    assert line["level"] == "ERROR" and "exception" in line


def test_the_local_stage_prints_no_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    observability.count(observability.TIP_REGISTRATION_ERRORS)
    observability.flush()
    assert _metrics(capsys.readouterr().out) == {}


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployed stages emit metrics; the local stage's config disables them (POWERTOOLS_METRICS_DISABLED)."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

    monkeypatch.setattr(cloudwatch, "is_metrics_disabled", lambda: False)


def test_an_alarmed_failure_count_is_one_emf_line_with_the_stage_as_its_dimension(
    metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    observability.count(observability.TIP_REGISTRATION_ERRORS, 2)
    observability.flush()
    assert _metrics(capsys.readouterr().out) == {"TipRegistrationErrors": 2, "stage": "local"}


def test_a_day_of_work_counts_no_custom_metric_tickets_mails_tips_and_badge_runs_are_counted_elsewhere(
    company: Company, partner: Partner, client: Client, metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A custom metric costs $0.30 a month: tickets and tips are counted per day in report_days, mails by
    SES's Send metrics, the badge run's time by Lambda's Duration."""
    employee_id = enable_tips(company, partner)
    capsys.readouterr()
    closed = close_ticket(company)  # opened (intake), taken, answered, resolved, closed
    assert deliver(client, closed.record("7101")) == {"batchItemFailures": []}  # the rating + tip mail
    assert partner.pay(company, employee_id, tip_id="tp_metric", webhook_id="msg_metric")[1]["outcome"] == "applied"
    client.lambda_.invoke("award_badges", scheduled_event(datetime.now(UTC)))
    assert _metrics(capsys.readouterr().out) == {}
