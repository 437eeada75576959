"""A pytest plugin that records every AWS call each Lambda function makes while the tests run and
checks it against the declared permissions (chalicelib/permissions.py), which the IAM policies are
generated from. A call the declaration does not allow would be AccessDenied on AWS: it fails the run.

Calls are attributed to the function being invoked through chalice.test.Client: `client.http`
runs `api_handler`, `client.lambda_.invoke(name, ...)` runs `name`. Calls made by fixtures
outside an invocation (creating tables, seeding) belong to no function and are not checked.

Enabled for the whole suite from pyproject.toml (`-p tests.support.aws_audit`); `--aws-audit-report
FILE` also writes what was observed, per function, as JSON.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("aws_audit_function", default=None)
# function -> set of (iam action, resource key); the resource key is a table's short name,
# "<table>/index/<index>", or "ses:identity" / "ssm:<parameter>".
OBSERVED: dict[str, set[tuple[str, str]]] = defaultdict(set)

_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _short_names() -> dict[str, str]:
    from chalicelib.db.catalog import ALL_MODELS

    return {model.Meta.table_name: model.Meta.short_name for model in ALL_MODELS}  # type: ignore[attr-defined]


def iam_requests(service: str, operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The IAM (action, resource key) pairs one API call is authorised by."""
    if service == "dynamodb":
        names = _short_names()

        def key(table: str, index: str | None = None) -> str:
            short = names.get(table, f"?{table}")
            return f"{short}/index/{index}" if index else short

        if operation == "TransactWriteItems":
            pairs = []
            for item in params.get("TransactItems", []):
                for kind, body in item.items():
                    pairs.append((f"dynamodb:{_ITEM_ACTIONS[kind]}", key(body["TableName"])))
            return pairs
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", key(item["Get"]["TableName"])) for item in params.get("TransactItems", [])]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", key(table)) for table in params.get("RequestItems", {})]
        if "TableName" in params:
            return [(f"dynamodb:{operation}", key(params["TableName"], params.get("IndexName")))]
        return [(f"dynamodb:{operation}", "*")]
    if service == "ses":
        return [(f"ses:{operation}", "ses:identity")]
    if service == "s3":
        return _s3_requests(operation, params)
    return [(f"{service}:{operation}", "*")]


# S3 operations authorised by another action's name (HeadObject needs s3:GetObject, ...).
_S3_ACTIONS = {"HeadObject": "GetObject", "CopyObject": "PutObject"}


def _s3_requests(operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """S3 object calls by key prefix of the mail bucket ("s3:inbound/"); CopyObject reads its source too."""

    def prefix(key: str) -> str:
        return "s3:" + key.split("/", 1)[0] + "/"

    if "Key" not in params:
        return [(f"s3:{operation}", "s3:*")]
    pairs = [(f"s3:{_S3_ACTIONS.get(operation, operation)}", prefix(params["Key"]))]
    if operation == "CopyObject":
        source = params["CopySource"]
        source_key = source["Key"] if isinstance(source, Mapping) else str(source).split("/", 1)[1]
        pairs.append(("s3:GetObject", prefix(source_key)))
    return pairs


# Calls only the local stage makes (moto's SES refuses unverified senders; on AWS the deploy does it).
LOCAL_ONLY = {("ses:VerifyEmailIdentity", "ses:identity")}


def _forget_cached_secrets() -> None:
    """Secrets are cached per process; forget them so each function's own lookups are seen."""
    from chalicelib.keys import app_secret
    from chalicelib.tips.config import get_tip_config

    app_secret.cache_clear()
    get_tip_config.cache_clear()


@contextlib.contextmanager
def running(function: str) -> Iterator[None]:
    _forget_cached_secrets()
    token = _current.set(function)
    try:
        yield
    finally:
        _current.reset(token)


def _install() -> None:
    from chalice import test as chalice_test

    from tests.support.aws_calls import Call, wrap_api_calls

    def recording_call(call: Call, client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        function = _current.get()
        if function is not None:
            service = client.meta.service_model.service_name
            OBSERVED[function].update(iam_requests(service, operation_name, api_params))
        return call(client, operation_name, api_params)

    wrap_api_calls(recording_call)

    from chalicelib import secrets

    original_lookup = secrets._from_environment

    def recording_lookup(variable: str) -> str | None:
        function = _current.get()
        if function is not None:  # on AWS this lookup is ssm:GetParameter on the secret's parameter
            OBSERVED[function].add(("ssm:GetParameter", f"ssm:{variable}"))
        return original_lookup(variable)

    secrets._from_environment = recording_lookup

    original_request = chalice_test.TestHTTPClient.request
    original_invoke = chalice_test.TestLambdaClient.invoke

    def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        with running("api_handler"):
            return original_request(self, *args, **kwargs)

    def invoke(self: Any, function_name: str, *args: Any, **kwargs: Any) -> Any:
        with running(function_name):
            return original_invoke(self, function_name, *args, **kwargs)

    chalice_test.TestHTTPClient.request = request  # type: ignore[method-assign]
    chalice_test.TestLambdaClient.invoke = invoke  # type: ignore[method-assign]


def violations() -> list[str]:
    """Observed calls the declared permissions do not allow, as readable lines."""
    from chalicelib.permissions import allows

    problems = []
    for function, calls in sorted(OBSERVED.items()):
        for action, resource in sorted(calls - LOCAL_ONLY):
            if not allows(function, action, resource):
                problems.append(f"{function}: {action} on {resource}")
    return problems


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--aws-audit-report", default=None, help="write the AWS calls observed per function (JSON)")


def pytest_configure(config: pytest.Config) -> None:
    _install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = session.config.getoption("--aws-audit-report")
    if report:
        with open(report, "w") as handle:
            json.dump({fn: sorted(map(list, calls)) for fn, calls in sorted(OBSERVED.items())}, handle, indent=1)
    problems = violations() if OBSERVED else []
    if problems:
        session.config._aws_audit_problems = problems  # type: ignore[attr-defined]
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    problems = getattr(config, "_aws_audit_problems", [])
    if problems:
        terminalreporter.section("AWS calls not allowed by chalicelib/permissions.py (AccessDenied on AWS)", red=True)
        for line in problems:
            terminalreporter.line(line, red=True)
        terminalreporter.line("Declare them in chalicelib/permissions.py, then run `make policies`.")
