"""Lambda event fixtures (tests/events/*.json), adjusted per test."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.clock import iso

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


def scheduled_event(at: datetime) -> dict[str, Any]:
    event = load("scheduled_event.json")
    event["time"] = iso(at)
    return event
