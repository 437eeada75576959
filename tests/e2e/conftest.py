"""The whole local stack (`python -m devstack run`) as a subprocess on free ports, once per session."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.local_stack import free_port, launch, wait_ready


@dataclass
class LocalStack:
    api_url: str
    control_url: str
    moto_url: str
    partner_url: str
    log: Path
    smtp_port: int = 0  # e-mail in: SMTP on loopback (devstack/smtp.py)

    def fire(self, name: str, time: str | datetime | None = None) -> Any:
        """Fire a schedule now, as of `time` (the job's "now"); the pump is drained afterwards."""
        at = time.isoformat() if isinstance(time, datetime) else time
        response = requests.post(
            f"{self.control_url}/schedules/{name}/fire", json={"time": at} if at else {}, timeout=120
        )
        response.raise_for_status()
        return response.json()["result"]

    def drain(self) -> dict[str, Any]:
        response = requests.post(f"{self.control_url}/pump/drain", timeout=120)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def replay(self, table: str, sequence_number: str | None = None) -> requests.Response:
        """Deliver `table`'s stream again to its handlers, from `sequence_number` or the start."""
        body: dict[str, Any] = {"table": table}
        if sequence_number is not None:
            body["sequence_number"] = sequence_number
        return requests.post(f"{self.control_url}/pump/replay", json=body, timeout=120)

    def pump(self) -> dict[str, Any]:
        data: dict[str, Any] = requests.get(f"{self.control_url}/pump", timeout=30).json()
        return data

    def mail_deliveries(self) -> list[dict[str, Any]]:
        """Every message the stack's SMTP server stored, with its delivery to receive_mail and the outcome."""
        data: list[dict[str, Any]] = requests.get(f"{self.control_url}/mail", timeout=30).json()
        return data

    def redeliver_mail(self, key: str) -> dict[str, Any]:
        """Deliver a stored message's S3 event again, as S3 and Lambda may."""
        response = requests.post(f"{self.control_url}/mail/redeliver", json={"key": key}, timeout=60)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def sent_emails(self) -> list[dict[str, Any]]:
        """What moto's SES accepted, as the stack's control API reads it from moto (`raw_data` for MIME)."""
        data: list[dict[str, Any]] = requests.get(f"{self.control_url}/outbox", timeout=30).json()
        return data


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    ports = {name: free_port() for name in ("api", "moto", "control", "partner", "smtp")}
    log = tmp_path_factory.mktemp("stack") / "devstack.log"
    process = launch(ports, log)
    stack = LocalStack(
        f"http://127.0.0.1:{ports['api']}",
        f"http://127.0.0.1:{ports['control']}",
        f"http://127.0.0.1:{ports['moto']}",
        f"http://127.0.0.1:{ports['partner']}",
        log,
        ports["smtp"],
    )
    try:
        wait_ready(process, stack.api_url, log)
        yield stack
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            raise AssertionError("the local stack did not stop on SIGTERM") from None
