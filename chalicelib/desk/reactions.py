"""What the desk does when a ticket changes (registered on the tickets stream's lifecycle hooks): the
search index follows the ticket, and the pulse tells open workspaces."""

from __future__ import annotations

from datetime import datetime

from chalicelib import lifecycle, search
from chalicelib.db.models import Ticket
from chalicelib.desk import pulse


def on_ticket_change(old: Ticket | None, new: Ticket, at: datetime) -> None:
    search.reindex(old, new)
    pulse.record(old, new, at)


lifecycle.on_change(on_ticket_change)
