"""Lambda event fixtures (tests/events/*.json), adjusted per test."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pynamodb.models import Model

from chalicelib.clock import iso

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


def scheduled_event(at: datetime) -> dict[str, Any]:
    event = load("scheduled_event.json")
    event["time"] = iso(at)
    return event


def stream_record(
    sequence: str, new: Model | None, old: Model | None = None, event_name: str | None = None
) -> dict[str, Any]:
    """A DynamoDB stream record in Lambda's shape, with images serialized from PynamoDB models."""
    record = load("dynamodb_stream_record.json")
    record["eventID"] = f"event-{sequence}"
    record["eventName"] = event_name or ("INSERT" if old is None else "MODIFY")
    images = record["dynamodb"]
    images["SequenceNumber"] = sequence
    keyed = new or old
    assert keyed is not None
    images["Keys"] = {k: v for k, v in keyed.serialize().items() if k in _key_names(keyed)}
    images["NewImage"] = new.serialize() if new is not None else None
    images["OldImage"] = old.serialize() if old is not None else None
    for name in ("NewImage", "OldImage"):
        if images[name] is None:
            del images[name]
    return record


def _key_names(model: Model) -> set[str]:
    schema = model._get_schema()
    return {key["AttributeName"] for key in schema["key_schema"]}


def stream_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
