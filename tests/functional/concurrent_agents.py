"""A worker process standing in for one Lambda container: its own app instance, one request at a time.

Chalice keeps the current request on the app object, so concurrent requests must come from separate
processes, exactly as separate Lambda containers would serve them.
"""

from __future__ import annotations

import json
import time


def take_next_at(start_at: float, token: str) -> tuple[int, str | None]:
    from chalice.test import Client

    import app

    with Client(app.app, stage_name="local") as client:
        client.http.get("/openapi.json")  # warm up imports and connections before the race
        time.sleep(max(0.0, start_at - time.time()))
        response = client.http.post("/tickets/next", headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        return response.status_code, None
    return 200, json.loads(response.body)["ticket_id"]
