"""Test environment: dummy AWS credentials and a local stage, set before anything imports boto3,
PynamoDB models or app.py (PynamoDB binds endpoints and table names at import)."""

from __future__ import annotations

import os
import socket

from devstack.environment import local_environment


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MOTO_PORT = _free_port()
MOTO_URL = f"http://127.0.0.1:{MOTO_PORT}"

# The same environment the local stack gives app.py: .chalice's local stage plus moto's endpoints.
os.environ.update(local_environment(MOTO_URL, "http://desk.test", {"APP_SECRET": "test-secret"}))
