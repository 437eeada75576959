"""`python -m devstack run [--demo]` starts the local system; `python -m devstack fire NAME` fires a
schedule of the running stack now (optionally as of another time)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
import urllib.request
from typing import Any

from devstack.servers import PortUnavailable
from devstack.stack import Ports, Stack


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout)
    for noisy in ("werkzeug", "botocore", "pynamodb", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.monotonic()
    stack = Stack(
        Ports(
            api=args.port,
            moto=args.moto_port,
            control=args.control_port,
            partner=args.partner_port,
            smtp=args.smtp_port,
        )
    )

    def stop(signum: int, _frame: Any) -> None:
        if stack.stop_event.is_set():  # asked twice: do not wait for anything
            os._exit(128 + signum)
        stack.stop_event.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Every thread the stack starts inherits this mask, so the signals reach the main thread only:
    # one delivered to another thread would never wake the main thread's wait. Ctrl-C while
    # starting waits here until the stack is up, then stops it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        stack.start()
    except PortUnavailable as error:
        print(f"devstack: {error}", file=sys.stderr, flush=True)
        return 2
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    print(f"API:            {stack.api_url}", flush=True)
    print(f"moto (AWS):     {stack.moto.url if stack.moto else '-'}", flush=True)
    print(f"partner sandbox {stack.partner_url}", flush=True)
    print(f"SMTP (mail in): {stack.host}:{stack.ports.smtp}  (GET /mail on the control API)", flush=True)
    print(
        f"control:        {stack.control_url}  (GET /schedules, /pump, /outbox;"
        " POST /schedules/NAME/fire, /pump/drain, /pump/replay)",
        flush=True,
    )
    print(f"mailbox:        {stack.control_url}/mailbox  (the mail sent, as people read it)", flush=True)
    print(f"ready in {time.monotonic() - started:.1f}s; Ctrl-C stops everything", flush=True)
    if args.demo and not stack.stop_event.is_set():
        from devstack.demo import seed, seed_month_in

        if args.month:
            month = seed_month_in(stack, {"name": "Demo Desk", "manager_email": "mia@demo.test"})
            print(
                f"\nA month of work seeded in {month['seconds']} s: {month['tickets']} tickets from {month['first']}"
                f" to {month['last']}, 5 agents. The manager signs in with this link (one use, 24 hours):\n"
                f"  {month['signin_link']}\n  (later: /signin with mia@demo.test; the mail is on the control API's"
                " GET /outbox)",
                flush=True,
            )
            agents = {name.split()[0]: token for name, (_id, token) in month["agents"].items()}
            seed(stack.api_url, month["company_id"], month["intake_key"], month["manager_token"], agents)
        else:
            seed(stack.api_url)
    while not stack.stop_event.wait(0.5):
        pass
    stack.stop()
    print("stopped", flush=True)
    return 0


def _fire(args: argparse.Namespace) -> int:
    body = json.dumps({"time": args.time} if args.time else {}).encode()
    request = urllib.request.Request(
        f"{args.control}/schedules/{args.name}/fire", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        print(response.read().decode())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local system")
    run.add_argument("--port", type=int, default=8000, help="API port (0: any free port)")
    run.add_argument("--moto-port", type=int, default=0, help="moto port (0: any free port)")
    run.add_argument("--control-port", type=int, default=8001, help="control API port (0: any free port)")
    run.add_argument("--partner-port", type=int, default=8025, help="tip partner sandbox port (0: any free port)")
    run.add_argument("--smtp-port", type=int, default=2525, help="SMTP port of e-mail in (0: any free port)")
    run.add_argument("--demo", action="store_true", help="seed a demo company and print its tokens")
    run.add_argument(
        "--no-month",
        dest="month",
        action="store_false",
        help="with --demo: only today's few tickets, without the month of work the reports show",
    )
    fire = commands.add_parser("fire", help="fire a schedule of the running stack now")
    fire.add_argument("name")
    fire.add_argument("--time", help="the event time (ISO 8601), e.g. 2026-12-01T00:00:00Z")
    fire.add_argument("--control", default="http://127.0.0.1:8001")
    args = parser.parse_args(argv)
    return _run(args) if args.command == "run" else _fire(args)


if __name__ == "__main__":
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is stopped; skip the interpreter's teardown, which walks every object moto holds
    # (all items and stream records of the session) and kept the process busy for seconds to minutes.
    os._exit(code)
