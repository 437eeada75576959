"""The tickets stream delivered to `on_ticket_change` (as Lambda invokes it) on demand, for page tests
that read what the stream writes (search index, pulse, timeline). Starts at the stream's end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from devstack.pump import StreamPump, Subscription
from tests.conftest import MOTO_URL


@pytest.fixture(scope="session")
def ticket_stream(client: Client) -> Iterator[StreamPump]:
    from chalicelib.db.models import Ticket

    def invoke(event: dict[str, Any], _context: Any) -> Any:
        return client.lambda_.invoke("on_ticket_change", event).payload

    pump = StreamPump(
        [Subscription("on_ticket_change", invoke, Ticket.Meta.table_name, 100, "LATEST")],
        boto3.client("dynamodb", endpoint_url=MOTO_URL),
        boto3.client("dynamodbstreams", endpoint_url=MOTO_URL),
        "us-east-1",
        backoff_seconds=0.05,
    )
    pump.pump_once()  # positions the pump at the end of what earlier tests wrote
    yield pump
