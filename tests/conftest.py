"""Test environment: dummy AWS credentials and a local stage, set before anything imports boto3,
PynamoDB models or app.py (PynamoDB binds endpoints and table names at import)."""

from __future__ import annotations

import os
import socket


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MOTO_PORT = _free_port()
MOTO_URL = f"http://127.0.0.1:{MOTO_PORT}"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "STAGE": "local",
        "TABLE_PREFIX": "servicedesk-local",
        "DYNAMODB_ENDPOINT": MOTO_URL,
        "SES_ENDPOINT": MOTO_URL,
        "APP_SECRET": "test-secret",
        "PUBLIC_BASE_URL": "http://desk.test",
    }
)
