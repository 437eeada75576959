"""Bounces and complaints of the desk's outgoing mail (SES -> SNS) feed the suppression list.

SES publishes identity notifications (`notificationType`) or, through a configuration set, events
(`eventType`); both shapes are read. A permanent bounce or any complaint suppresses the address for
good; a transient bounce (mailbox full, greylisting) suppresses nothing. A redelivered notification
writes the same suppression again. A notification that is not JSON or not SES's is logged and skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from chalicelib import mail

logger = logging.getLogger(__name__)


def handle_sns_event(event: Mapping[str, Any]) -> dict[str, Any]:
    suppressed: list[str] = []
    for record in event.get("Records", []):
        raw = record.get("Sns", {}).get("Message", "")
        try:
            notification = json.loads(raw)
        except (TypeError, ValueError):
            logger.warning("mail feedback that is not JSON was skipped")
            continue
        if not isinstance(notification, dict):
            logger.warning("mail feedback that is not an SES notification was skipped")
            continue
        for address, reason in addresses_to_suppress(notification):
            mail.suppress(address, reason)
            suppressed.append(reason)
    logger.info("mail feedback", extra={"suppressed": len(suppressed)})
    return {"suppressed": len(suppressed)}


def addresses_to_suppress(notification: Mapping[str, Any]) -> list[tuple[str, str]]:
    kind = str(notification.get("notificationType") or notification.get("eventType") or "")
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        recipients, reason = bounce.get("bouncedRecipients") or [], "bounce"
    elif kind == "Complaint":
        recipients, reason = (notification.get("complaint") or {}).get("complainedRecipients") or [], "complaint"
    else:
        return []
    found = []
    for recipient in recipients if isinstance(recipients, list) else []:
        address = (
            str((recipient or {}).get("emailAddress") or "").strip().lower() if isinstance(recipient, dict) else ""
        )
        if "@" in address and len(address) <= 254:
            found.append((address, reason))
    return found
