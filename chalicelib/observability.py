"""Structured JSON logs and CloudWatch metrics with Powertools for AWS Lambda.

`observe` is a Chalice middleware for every event type (registered in app.py). Each invocation's log
lines carry `request_id` and `function_name`; HTTP calls add `company_id` once the caller is known
(`bind`), stream records add it per record. Metrics are EMF lines flushed at the end of each
invocation, in namespace "ServiceDesk" with the stage as the only dimension (company ids go into
metadata: dimensions per company would multiply the metric bill).

Powertools is imported on first use, not with app.py, so imports that never log or count stay
cheap. On deployed stages the `chalicelib` loggers write through Powertools' JSON handler; on the
local stage logging is left as it is (pytest and the local stack read it) and metrics are disabled
by `POWERTOOLS_METRICS_DISABLED` in .chalice/config.json.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from typing import IO, Any

from chalicelib.settings import get_settings

logger = logging.getLogger(__name__)

SERVICE = "servicedesk"
NAMESPACE = "ServiceDesk"

# Metric names, one place: alarms refer to these. A custom metric costs $0.30 a month, so only what an
# alarm or a person acts on is counted: tickets and tips are counted per day in the tables the manager's
# reports read (report_days), mails in SES's own Send metrics, run times in Lambda's Duration.
TIP_REGISTRATION_ERRORS = "TipRegistrationErrors"  # registrations the retry job could not handle (alarmed)


@functools.cache
def powertools_logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service=SERVICE)


@functools.cache
def powertools_metrics() -> Any:
    from aws_lambda_powertools import Metrics

    metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
    metrics.set_default_dimensions(stage=get_settings().stage)
    return metrics


def install_json_logging(stream: IO[str] | None = None) -> Callable[[], None]:
    """Route the `chalicelib` loggers through Powertools' JSON formatter; returns an undo function."""
    formatter = powertools_logger().registered_formatter
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    target = logging.getLogger("chalicelib")
    saved = (list(target.handlers), target.propagate, target.level)
    target.handlers = [handler]
    target.propagate = False
    target.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO").upper())  # per function in config.json

    def undo() -> None:
        target.handlers, target.propagate = saved[0], saved[1]
        target.setLevel(saved[2])

    return undo


@functools.cache
def _configure_once() -> None:
    if not get_settings().is_local:
        install_json_logging()


def bind(**keys: str | None) -> None:
    """Add keys (e.g. company_id) to every log line of this invocation."""
    powertools_logger().append_keys(**{k: v for k, v in keys.items() if v})
    company_id = keys.get("company_id")
    if company_id:
        powertools_metrics().add_metadata(key="company_id", value=company_id)


def count(name: str, value: float = 1) -> None:
    """Count something that failed and is alarmed on (see the metric names above)."""
    from aws_lambda_powertools.metrics import MetricUnit

    powertools_metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush() -> None:
    metrics = powertools_metrics()
    if metrics.metric_set:
        metrics.flush_metrics()
    metrics.clear_metrics()  # also when disabled: nothing may pile up across invocations


def _lambda_context(event: Any) -> Any:
    context = getattr(event, "lambda_context", None)  # HTTP: chalice.app.Request
    if context is None:
        context = getattr(event, "context", None)  # events: the Lambda context object
    return context if hasattr(context, "function_name") else None


def observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware: per-invocation log keys, one access line per HTTP call, metrics flushed."""
    _configure_once()
    context = _lambda_context(event)
    log = powertools_logger()
    log.clear_state()
    if context is not None:
        log.append_keys(function_name=context.function_name, request_id=context.aws_request_id)
    started = time.monotonic()
    status = 500
    try:
        response = get_response(event)
        status = getattr(response, "status_code", 200)
        return response
    finally:
        if hasattr(event, "method"):  # HTTP: the route template, never the path (links carry tokens)
            logger.info(
                "request",
                extra={
                    "method": event.method,
                    "route": getattr(event, "path", None),
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        flush()


def stream_record_company(record: Any) -> str | None:
    """The company of a DynamoDB stream record, when its table is keyed by company."""
    keys = record.get("dynamodb", {}).get("Keys", {}) if isinstance(record, dict) else {}
    value = keys.get("company_id", {}).get("S")
    if value:
        return str(value)
    for name in ("ticket_key", "company_day", "employee_key", "customer_key"):
        embedded = keys.get(name, {}).get("S")
        if embedded and "#" in embedded:
            return str(embedded.split("#", 1)[0])
    return None
