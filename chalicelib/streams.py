"""Processing a DynamoDB stream batch record by record, in Lambda's partial-batch-response shape.

A record that fails is reported in `batchItemFailures` by its sequence number; the others are
processed. Lambda then retries from the failed record (records after it may come again), so
every record handler must be idempotent, which all of ours are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib import observability

logger = logging.getLogger(__name__)

StreamRecord = Mapping[str, Any]


def process_batch(event: Mapping[str, Any], handle: Callable[[StreamRecord], None]) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        observability.bind(company_id=observability.stream_record_company(record))
        try:
            handle(record)
        except Exception:
            sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            logger.exception("stream record %s failed", sequence or record.get("eventID"))
            failures.append({"itemIdentifier": sequence})
    return {"batchItemFailures": failures}
