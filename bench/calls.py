"""DynamoDB requests per route and per function, over a full ticket lifecycle with tips and ratings.

    .venv/bin/python -m bench.calls [--tickets 3] [--json out.json]

Runs the whole local stack in this process (moto with streams, the API on Chalice's local server,
the stream pump, the scheduler, the partner sandbox) and drives it over HTTP the way people do:
sign-up, employees, tips opt-in (the sandbox verifies and links by signed webhooks), then per ticket
intake (new, and merged through the web form), take-next, reply, note, tag, transfer, take by the second
line, a logged call, the customer's view and reply, resolve, the agent's rating of the customer, confirm
(through the JSON route or the resolved e-mail's page); the stream functions deliver the lifecycle with
the customers' and agents' notifications, the tip e-mail and the karma; the customer opens the rating page,
rates, clicks Tip and pays at the sandbox (the tip.paid webhook); managers read tips and the
leaderboard; each schedule fires. Then, per ticket, e-mail in over the stack's SMTP server: a new
ticket by mail, the agent's reply, the customer's reply by mail, and the first mail's object
delivered again (`receive_mail`: new, reply and duplicate alike). Every DynamoDB request is
attributed to the route or function that made it (bench/counting.py), with the request units it
would be billed, its time outside the database, and the bytes of JSON log lines it writes as deployed.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import logging
import os
import re
import socket
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench.counting import CallLog, Invocation

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"https?://[^/\s\"]+(/(rate|tip)/[A-Za-z0-9_.\-]+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LogBytes(logging.Handler):
    """Bytes of the JSON log lines each invocation writes, formatted as on a deployed stage."""

    def __init__(self, log: CallLog) -> None:
        super().__init__(logging.INFO)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        current: Invocation | None = getattr(self.log._local, "current", None)
        if current is not None:
            current.log_bytes += len(self.format(record).encode()) + 1


def _instrument(stack: Any, log: CallLog) -> None:
    """Label every route, stream function and schedule of the running stack."""
    from chalicelib import observability

    app = stack.app_module.app

    def label_route(request: Any, get_response: Callable[[Any], Any]) -> Any:
        with log.invocation(f"{request.method} {request.context.get('resourcePath')}", "route"):
            return get_response(request)

    app.register_middleware(label_route, "http")
    for subscription in stack.pump.subscriptions:
        subscription.handler = _labelled(log, subscription.name, "stream", subscription.handler)
        # One record an invocation, as a small company's traffic delivers them (bench/cost.py counts per
        # record): a batch's average would move with how the pump happened to group the records.
        subscription.batch_size = 1
    for job in stack.scheduler.jobs.values():
        job.handler = _labelled(log, job.name, "schedule", job.handler)
    if stack.mail:
        stack.mail.handler = _labelled(log, stack.mail.function_name, "event", stack.mail.handler)
    handler = LogBytes(log)
    handler.setFormatter(observability.powertools_logger().registered_formatter)
    target = logging.getLogger("chalicelib")
    target.addHandler(handler)
    target.setLevel(logging.INFO)


def _labelled(log: CallLog, name: str, kind: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    def run(event: Any, context: Any) -> Any:
        with log.invocation(name, kind):
            return handler(event, context)

    return run


class Desk:
    """The people: a manager, agents and a customer, calling the stack over HTTP."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.api = stack.api_url

    def call(self, method: str, path: str, token: str | None = None, body: Any = None, status: int = 299) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{self.api}{path}", json=body, headers=headers, timeout=60)
        if response.status_code > status:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None

    def wait(self, check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
        deadline = time.monotonic() + seconds
        while True:
            self.stack.pump.drain()
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.3)


def lifecycle(desk: Desk, tickets: int) -> None:
    signup = desk.call(
        "POST",
        "/companies",
        body={
            "name": "Bench",
            "manager_name": "Mia",
            "manager_email": "mia@bench.test",
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    )
    manager, intake = signup["token"], signup["company"]["intake_key"]
    ada = desk.call("POST", "/employees", manager, {"name": "Ada", "email": "ada@bench.test"})
    tess = desk.call("POST", "/employees", manager, {"name": "Tess", "email": "tess@bench.test", "tier": 2})
    for person in (ada, tess):
        desk.call("PUT", "/me/status", person["token"], {"status": "online"})
    desk.call("POST", "/tips/company/opt-in", manager)
    desk.wait(lambda: desk.call("GET", "/tips/status", manager)["company"]["state"] == "verified", "verification")
    for person in (ada, tess):
        desk.call("POST", f"/tips/employees/{person['employee']['employee_id']}/opt-in", person["token"])
    desk.wait(
        lambda: all(e["state"] == "linked" for e in desk.call("GET", "/tips/status", manager)["employees"]), "links"
    )

    for n in range(tickets):
        address = f"customer{n}-{time.time_ns()}@example.com"
        intake_body = {
            "subject": f"Printer {n} prints blank pages",
            "body": "Since this morning",
            "customer_name": "Ann",
            "customer_email": address,
            "channel": "chat",
        }
        opened = desk.call("POST", f"/intake/{intake}/tickets", body=intake_body)
        # the customer writes again through the company's web form: merged into the open ticket
        requests.get(f"{desk.api}/f/{intake}", timeout=60).raise_for_status()
        form = {"name": "Ann", "email": address, "subject": intake_body["subject"], "message": "Still blank"}
        requests.post(f"{desk.api}/f/{intake}", data=form, timeout=60, allow_redirects=False).raise_for_status()
        ticket_id, link = opened["ticket_id"], opened["link_token"]
        agent = ada["token"]
        assert desk.call("POST", "/tickets/next", agent)["ticket_id"] == ticket_id
        desk.call("GET", f"/tickets/{ticket_id}", agent)
        desk.call("POST", f"/tickets/{ticket_id}/messages", agent, {"body": "Which model is it?"})
        desk.call(
            "POST", f"/tickets/{ticket_id}/messages", agent, {"body": "Asked for the model", "visibility": "internal"}
        )
        desk.call("POST", f"/tickets/{ticket_id}/tags", agent, {"tags": ["printer"]})
        desk.call("GET", f"/customer/tickets/{link}")
        desk.call("POST", f"/customer/tickets/{link}/messages", body={"body": "A LaserJet 4"})
        desk.call("POST", f"/tickets/{ticket_id}/transfer", agent, {"tier": 2})
        second = tess["token"]
        assert desk.call("POST", "/tickets/next", second)["ticket_id"] == ticket_id
        desk.call("POST", f"/tickets/{ticket_id}/calls", second, {"duration_seconds": 240})
        desk.call("POST", f"/tickets/{ticket_id}/messages", second, {"body": "Replace the fuser"})
        desk.call("POST", f"/tickets/{ticket_id}/resolve", second)
        desk.call("POST", f"/tickets/{ticket_id}/customer-rating", second, {"literacy": 4, "temperament": 5})
        if n % 2:
            desk.call("POST", f"/customer/tickets/{link}/confirm")
        else:  # from the resolved e-mail's page: one button, then the stars on the same page
            requests.get(f"{desk.api}/c/{link}/confirm", timeout=60).raise_for_status()
            form_post = {"Content-Type": "application/x-www-form-urlencoded"}  # as the page's form sends it
            confirmed = requests.post(
                f"{desk.api}/c/{link}/confirm", headers=form_post, timeout=60, allow_redirects=False
            )
            confirmed.raise_for_status()
            requests.get(f"{desk.api}/c/{link}/confirm", timeout=60).raise_for_status()

        def mail(address: str = address) -> list[Any]:
            from devstack.moto import outbox

            found = [
                email.message_from_string(m["raw_data"], policy=email.policy.default)
                for m in outbox()
                if "raw_data" in m and address in m["destinations"]
            ]
            return [m for m in found if str(m["Subject"]).startswith("How did we do?")]  # the rating + tip e-mail

        [message] = desk.wait(mail, "the tip e-mail")
        text = message.get_body(preferencelist=("plain",)).get_content()
        found = {m.group(2): m.group(1) for m in LINK.finditer(text)}
        requests.get(f"{desk.api}{found['rate']}", timeout=60).raise_for_status()
        requests.post(f"{desk.api}{found['rate']}/opened", timeout=60)
        requests.post(f"{desk.api}{found['rate']}", data={"stars": "5", "comment": "Quick"}, timeout=60)
        click = requests.get(f"{desk.api}{found['tip']}", allow_redirects=False, timeout=60)
        location = urlsplit(click.headers["Location"])
        query = parse_qs(location.query)
        requests.post(
            f"{desk.stack.partner_url}{location.path}/pay",
            timeout=60,
            data={"amount": "150", "currency": query["currency"][0], "reference": query["reference"][0]},
        )

        def tip_paid(ticket_id: str = ticket_id) -> Any:
            return desk.call("GET", f"/tips?ticket_id={ticket_id}", manager)["tips"]

        desk.wait(tip_paid, "the tip")
        desk.call("GET", f"/tickets/{ticket_id}/timeline", agent)
        desk.call("GET", "/tickets", agent)

    staff_pages(desk, intake, signup["manager"]["email"], tickets)
    inbound_mail(desk, signup, ada["token"], tickets)
    desk.call("GET", "/tips/summary", manager)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    desk.call("POST", "/badges/runs", manager, {"date": yesterday.isoformat()})
    desk.call("GET", "/leaderboard", ada["token"])
    # each schedule, at a time when the company's yesterday is due for badges (01:30 in Vilnius)
    at = datetime.combine(date.today(), datetime.min.time(), UTC) - timedelta(minutes=30)
    for name in (
        "flag_sla_breaches",
        "auto_close_resolved",
        "retry_tip_registrations",
        "award_badges",
        "resend_notifications",
    ):
        desk.stack.scheduler.fire(name, at)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGNIN_LINK = re.compile(r"https?://[^/\s]+(/signin/sdl_[A-Za-z0-9_-]+)")
PULSE_SINCE = re.compile(r"/desk/pulse\?since=(\d+)")


class Person:
    """Someone in a browser: cookies kept, redirects followed (each page load is measured), forms posted
    with the CSRF token of the page last shown."""

    def __init__(self, desk: Desk) -> None:
        self.api = desk.api
        self.http = requests.Session()
        self.page = ""

    def get(self, path: str) -> requests.Response:
        response = self.http.get(f"{self.api}{path}", timeout=60)
        if response.status_code >= 400:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        if response.status_code == 200 and CSRF.search(response.text):
            self.page = response.text  # a whole page (the pulse's fragment carries no form)
        return response

    def post(self, path: str, form: dict[str, str] | None = None) -> requests.Response:
        token = CSRF.search(self.page)
        data = {**(form or {}), "csrf_token": token.group(1) if token else ""}
        response = self.http.post(f"{self.api}{path}", data=data, timeout=60)
        if response.status_code >= 400:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:200]}")
        self.page = response.text
        return response


def _newest_signin_link(desk: Desk, address: str, before: int) -> str:
    from devstack.moto import outbox

    def mails() -> list[Any]:
        return [m for m in outbox() if "raw_data" in m and address in m["destinations"]]

    desk.wait(lambda: len(mails()) > before, f"a sign-in mail to {address}")
    message = email.message_from_string(mails()[-1]["raw_data"], policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    match = SIGNIN_LINK.search(body.get_content() if body is not None else "")
    assert match, "the mail has no sign-in link"
    return match.group(1)


def _mail_count(address: str) -> int:
    from devstack.moto import outbox

    return sum(1 for m in outbox() if address in m["destinations"])


def staff_pages(desk: Desk, intake: str, manager_email: str, tickets: int) -> None:
    """The staff web app as people use it: sign-in by e-mail link, invitations, the workspace, the ticket
    page and its forms, search, the pulse (polled), badges."""
    manager = Person(desk)
    manager.get("/")  # the root sends a stranger to the sign-in page
    before = _mail_count(manager_email)
    manager.post("/signin", {"email": manager_email})
    link = _newest_signin_link(desk, manager_email, before)
    manager.get(link)
    manager.post(link)
    manager.get("/manage/canned")
    manager.post("/manage/canned", {"title": "Toner", "body": "Please check the toner cartridge."})
    people = {}
    for name, tier in (("Uma", "1"), ("Tom", "2")):
        address = f"{name.lower()}-{time.time_ns()}@bench.test"
        before = _mail_count(address)
        manager.post("/manage/team", {"name": name, "email": address, "role": "agent", "tier": tier})
        person = Person(desk)
        link = _newest_signin_link(desk, address, before)
        person.get(link)
        person.post(link)
        person.post("/desk/status", {"status": "online", "back": "/desk"})
        people[name] = person
    uma, tom = people["Uma"], people["Tom"]
    for asset in re.findall(r'src="[^"]*?(/static/[^"]+)"', uma.page):
        uma.get(asset)
    for n in range(tickets):
        address = f"page-customer{n}-{time.time_ns()}@example.com"
        seen = PULSE_SINCE.search(uma.get("/desk").text)
        uma.get(f"/desk/pulse?since={seen.group(1) if seen else 0}")  # nothing new yet: 204
        desk.call(
            "POST",
            f"/intake/{intake}/tickets",
            body={
                "subject": f"Scanner {n} jams",
                "body": "Paper stuck",
                "customer_name": "Bo",
                "customer_email": address,
            },
        )
        desk.stack.pump.drain()
        uma.get(f"/desk/pulse?since={seen.group(1) if seen else 0}")  # a new ticket: the notice
        page = uma.post("/desk/next")
        ticket_path = urlsplit(page.url).path
        canned = re.search(r'<option value="(can_[0-9a-f]+)"', page.text)
        if canned:
            uma.get(f"{ticket_path}?canned={canned.group(1)}")
        uma.post(f"{ticket_path}/reply", {"body": "Please check the toner cartridge.", "visibility": "public"})
        uma.post(f"{ticket_path}/reply", {"body": "Customer in a hurry", "visibility": "internal"})
        uma.post(f"{ticket_path}/tags", {"tags": "scanner"})
        uma.post(f"{ticket_path}/transfer", {"to": "queue:2:"})
        tom.get("/desk")
        tom.post("/desk/next")
        tom.post(f"{ticket_path}/resolve")
        tom.post(f"{ticket_path}/rating", {"literacy": "4", "temperament": "5"})
        desk.stack.pump.drain()
        tom.get(f"/desk/search?q={address}")
        tom.get("/desk/search?q=scanner&status=resolved")
    tom.get("/desk/badges")
    tom.get("/account/profile")
    tom.get("/account/sessions")
    tom.post("/desk/status", {"status": "break", "back": "/desk"})
    tom.post("/signout")


def inbound_mail(desk: Desk, signup: dict[str, Any], agent: str, tickets: int) -> None:
    """E-mail in: a new ticket by mail, the agent's reply, the customer's answer to its notification
    (headers from chalicelib/mail/threading.py), and the first object delivered once more."""
    import smtplib
    from email.message import EmailMessage

    from chalicelib.mail import threading

    company = signup["company"]
    address = company["inbound_address"]

    def send(body: str, **headers: str) -> None:
        mail = EmailMessage()
        for name, value in headers.items():
            mail[name.replace("_", "-")] = value
        mail.set_content(body)
        with smtplib.SMTP(desk.stack.host, desk.stack.ports.smtp, timeout=60) as smtp:
            smtp.send_message(mail)

    for n in range(tickets):
        customer = f"Mail customer {n} <mail{n}-{time.time_ns()}@example.com>"
        send("The scanner jams on every page.", From=customer, To=address, Subject=f"Scanner {n} jams")
        first = desk.stack.mail.deliveries[-1]
        ticket = desk.call("POST", "/tickets/next", agent)
        reply = desk.call("POST", f"/tickets/{ticket['ticket_id']}/messages", agent, {"body": "Which model?"})
        headers = threading.notification_headers(
            address.split("@")[0],
            company["company_id"],
            ticket["ticket_id"],
            threading.reply_event(reply["message"]["message_id"]),
        )
        send(
            "A ScanJet 2.\n\nOn Mon, 3 Mar 2025 at 10:15, Desk <desk@example.com> wrote:\n> Which model?\n",
            From=customer,
            To=headers["Reply-To"],
            Subject=f"Re: Scanner {n} jams",
            In_Reply_To=headers["Message-ID"],
            References=f"{headers['References']} {headers['Message-ID']}",
        )
        desk.stack.mail.redeliver(first.key)


def summarise(invocations: list[Invocation]) -> list[dict[str, Any]]:
    by_label: dict[tuple[str, str], list[Invocation]] = defaultdict(list)
    for invocation in invocations:
        by_label[(invocation.kind, invocation.label)].append(invocation)
    rows = []
    for (kind, label), group in sorted(by_label.items()):
        operations: Counter[str] = Counter()
        for invocation in group:
            operations.update(invocation.calls)
        requests_each = [i.requests for i in group]
        rows.append(
            {
                "kind": kind,
                "name": label,
                "invocations": len(group),
                "requests_median": statistics.median(requests_each),
                "requests_max": max(requests_each),
                "operations_per_invocation": {op: round(n / len(group), 2) for op, n in sorted(operations.items())},
                "scans": operations["Scan"],
                "read_units": round(statistics.fmean(i.read_units for i in group), 2),
                "write_units": round(statistics.fmean(i.write_units for i in group), 2),
                "app_ms_median": round(statistics.median((i.seconds - i.database_seconds) * 1000 for i in group), 1),
                "log_bytes": round(statistics.fmean(i.log_bytes for i in group)),
            }
        )
    return rows


def run(tickets: int) -> dict[str, Any]:
    ports = {"api": _free_port(), "partner": _free_port()}
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from devstack.stack import Ports, Stack

    os.environ["APP_SECRET"] = "bench-secret"
    stack = Stack(Ports(api=ports["api"], moto=0, control=0, partner=ports["partner"]))
    stack.start()
    try:
        log = CallLog().install()
        _instrument(stack, log)
        lifecycle(Desk(stack), tickets)
        assert stack.pump is not None
        stack.pump.drain()
        time.sleep(0.5)
        stack.pump.drain()
        rows = summarise(log.invocations)
    finally:
        stack.stop()
    routes = [r for r in rows if r["kind"] == "route"]
    return {
        "tickets": tickets,
        "rows": rows,
        "max_requests_per_route": max(r["requests_max"] for r in routes),
        "max_requests_per_function": max((r["requests_max"] for r in rows if r["kind"] != "route"), default=0),
        "routes_over_3": sorted(r["name"] for r in routes if r["requests_max"] > 3),
        "scans": sum(r["scans"] for r in rows),
    }


def markdown(result: dict[str, Any]) -> str:
    """The table (without the time outside the database: with moto in this process it cannot say what the
    app costs; bench/apptime.py measures that)."""
    lines = [
        "| route or function | invocations | DynamoDB requests (median / max) | by operation | RRU | WRU | log bytes |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for r in result["rows"]:
        ops = ", ".join(f"{op} {n:g}" for op, n in r["operations_per_invocation"].items()) or "-"
        lines.append(
            f"| `{r['name']}` ({r['kind']}) | {r['invocations']} | {r['requests_median']:g} / "
            f"{r['requests_max']} | {ops} | {r['read_units']:g} | {r['write_units']:g} | {r['log_bytes']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.tickets)
    print(markdown(result))
    print(
        f"most requests by one route: {result['max_requests_per_route']}; by one function: "
        f"{result['max_requests_per_function']}; routes over 3: {result['routes_over_3']}; "
        f"Scans: {result['scans']}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
