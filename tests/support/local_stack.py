"""`python -m devstack run` as a subprocess, as a developer starts it: its own process group, free
ports, an environment with nothing of the test process's moto in it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_environment() -> dict[str, str]:
    """The stack sets its own endpoints and stream ARNs; nothing of the test process's moto may leak in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith(("DYNAMODB_", "SES_", "S3_")) or k.endswith("_STREAM_ARN"))
    }
    env.update(
        {
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    return env


def launch(ports: dict[str, int], log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Start the stack on `ports` (api, moto, control, partner, smtp), its output in `log`."""
    options = {
        "api": "--port",
        "moto": "--moto-port",
        "control": "--control-port",
        "partner": "--partner-port",
        "smtp": "--smtp-port",
    }
    arguments = [item for name, port in ports.items() for item in (options[name], str(port))]
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "devstack", "run", *arguments, *extra],
            cwd=PROJECT_DIR,
            env=stack_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def process_group(pgid: int) -> list[int]:
    """Every live process of the group (a stack started in its own session leads its group)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            members.append(int(entry.name))
    return members


def wait_ready(process: subprocess.Popen[bytes], api_url: str, log: Path, timeout: float = 90) -> None:
    """Until the API answers; fails with the stack's output if it exits or takes too long."""
    import requests

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited early:\n{log.read_text()}")
        try:  # the first request imports the routes' modules: slow on a busy machine
            if requests.get(f"{api_url}/openapi.json", timeout=15).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the local stack did not come up in {timeout:.0f} s:\n{log.read_text()}")
        time.sleep(0.3)
