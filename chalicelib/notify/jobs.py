"""The re-send schedule: messages whose send failed (after the stream's own retries) or whose sender died
mid-send are sent again once SES accepts again; never a Scan, never twice (chalicelib/outbox)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib import outbox
from chalicelib.tickets.jobs import event_time


def resend_failed(event: Mapping[str, Any]) -> dict[str, Any]:
    # the senders of every kind register themselves when imported
    from chalicelib import portal  # noqa: F401
    from chalicelib.notify import compose  # noqa: F401
    from chalicelib.tips import message  # noqa: F401

    return outbox.resend_due(event_time(event))
