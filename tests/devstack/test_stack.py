"""The local stack as a developer runs it (`python -m devstack run`, a subprocess in its own process
group): it stops within seconds of Ctrl-C or SIGTERM, even with connections kept alive and a request
in flight, leaving no process behind and its ports free; a busy port is one clear line and a
non-zero exit; and stopping leaves no thread of the stack running."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support.local_stack import PROJECT_DIR, free_port, launch, process_group, stack_environment, wait_ready

STOP_DEADLINE = 8.0  # seconds from the signal to the process's exit (typically under one; CI machines are busy)
AFTER_STOPPED = 1.0  # from printing "stopped" to the exit: nothing may keep the process busy


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_stack_stops_within_seconds_of_a_signal_leaving_no_process_and_its_ports_free(
    signum: signal.Signals, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in ("api", "moto", "control", "partner", "smtp")}
    log = tmp_path / "devstack.log"
    process = launch(ports, log)
    try:
        wait_ready(process, f"http://127.0.0.1:{ports['api']}", log)
        # a browser's kept-alive connections to every server, and a schedule running when the signal comes
        kept = requests.Session()
        for name, path in (("api", "/openapi.json"), ("control", "/pump"), ("partner", "/sandbox/state")):
            assert kept.get(f"http://127.0.0.1:{ports[name]}{path}", timeout=10).status_code == 200
        control = f"http://127.0.0.1:{ports['control']}"
        in_flight = threading.Thread(
            target=fire_ignoring_errors, args=(f"{control}/schedules/award_badges/fire",), daemon=True
        )
        in_flight.start()
        time.sleep(0.05)

        signalled = time.monotonic()
        os.kill(process.pid, signum)
        stopped_at = None
        while process.poll() is None and time.monotonic() - signalled < STOP_DEADLINE + 5:
            if stopped_at is None and "\nstopped\n" in log.read_text():
                stopped_at = time.monotonic()
            time.sleep(0.02)
        exited_at = time.monotonic()
        assert process.poll() == 0, f"still running or failed after {exited_at - signalled:.1f} s:\n{log.read_text()}"
        assert exited_at - signalled < STOP_DEADLINE, log.read_text()
        assert stopped_at is not None or "\nstopped\n" in log.read_text()
        if stopped_at is not None:
            assert exited_at - stopped_at < AFTER_STOPPED, f"busy for {exited_at - stopped_at:.1f} s after stopping"
        assert process_group(process.pid) == []
        assert all(bindable(port) for port in ports.values())
        assert "Traceback" not in log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def fire_ignoring_errors(url: str) -> None:
    with contextlib.suppress(requests.RequestException):  # the stack may close it before it answers
        requests.post(url, timeout=30)


@pytest.mark.parametrize("taken", ["api", "control", "partner", "moto", "smtp"])
def test_a_busy_port_is_one_line_naming_the_option_that_changes_it_and_a_nonzero_exit(
    taken: str, tmp_path: Path
) -> None:
    option = {
        "api": "--port",
        "control": "--control-port",
        "partner": "--partner-port",
        "moto": "--moto-port",
        "smtp": "--smtp-port",
    }[taken]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        busy = holder.getsockname()[1]
        ports = {name: free_port() for name in ("api", "moto", "control", "partner", "smtp")}
        ports[taken] = busy
        log = tmp_path / "devstack.log"
        process = launch(ports, log)
        try:
            assert process.wait(timeout=60) == 2
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    output = log.read_text()
    assert "Traceback" not in output
    [line] = output.splitlines()
    assert line.startswith(f"devstack: cannot listen on 127.0.0.1:{busy} for ")
    assert f"Choose another port with {option}" in line and "make run ARGS=" in line
    assert process_group(process.pid) == []
    assert all(bindable(port) for name, port in ports.items() if name != taken)


STOP_IN_PROCESS = """
import json, sys, threading, requests
from devstack.stack import Ports, Stack
ports = json.loads(sys.argv[1])
before = set(threading.enumerate())
stack = Stack(Ports(api=ports["api"], moto=0, control=0, partner=ports["partner"], smtp=0)).start()
kept = requests.Session()  # kept-alive connections hold a handler thread each until closed
for url in (stack.api_url + "/openapi.json", stack.control_url + "/pump", stack.partner_url + "/sandbox/state"):
    kept.get(url, timeout=10).raise_for_status()
kept.post(stack.moto.url + "/", data="Action=ListIdentities", timeout=10)
stack.stop()
alive = sorted(t.name for t in set(threading.enumerate()) - before if t.is_alive())
print(json.dumps({"leftover": getattr(stack, "leftover", []), "alive": alive}))
"""


def test_stopping_ends_every_thread_of_the_stack_kept_alive_connections_included() -> None:
    ports = json.dumps({"api": free_port(), "partner": free_port()})
    result = subprocess.run(
        [sys.executable, "-c", STOP_IN_PROCESS, ports],
        cwd=PROJECT_DIR,
        env=stack_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"leftover": [], "alive": []}, result.stderr
