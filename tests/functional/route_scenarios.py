"""Every declared route, called as its callers call it and at its dearest: a company at work (the world)
and, per route, the requests to make (a scenario). The request-budget test counts their DynamoDB
requests (tests/functional/test_request_budget.py); the bench replays them to time the app itself
(bench/apptime.py).

Routes are walked from their declarations, so a new route is covered without touching this file as
long as the default call works for it (a valid sample body from tests/functional/routes.py, the world's
ids in its path); when it does not, the callers fail naming the route: add its scenario to `SCENARIOS`.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from chalice.test import Client

from chalicelib.http.route import Endpoint
from tests.functional.conftest import Api, Company, sign_up
from tests.functional.karma_helpers import rate as rate_customer
from tests.functional.routes import body_for, fill
from tests.functional.sessions_helpers import Browser, csrf_token, sign_in
from tests.functional.staff_helpers import WebBrowser, ask_for_link
from tests.functional.staff_helpers import csrf_token as page_csrf_token
from tests.functional.tips_helpers import FORM_BASE, Partner, emailed, enable_tips


@dataclass
class Request:
    """One counted request, as a person, a script or a partner makes it."""

    method: str
    path: str
    who: Api | Browser | WebBrowser | None = None  # None: nobody signed in (public and link routes)
    body: Any = None
    form: dict[str, str] | None = None
    raw: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    label: str = ""

    def send(self, world: World) -> tuple[int, str]:
        if isinstance(self.who, WebBrowser):  # a visitor's browser: cookies kept, the last page's form token
            form = dict(self.form) if self.form is not None else None
            if form is not None and "csrf_token" not in form and 'name="csrf_token"' in self.who.last_page:
                form["csrf_token"] = page_csrf_token(self.who.last_page)
            answer = self.who.request(self.method, self.path, form, self.headers)
            return answer.status, answer.text
        if isinstance(self.who, Browser):
            form = self.form
            if self.method != "GET" and form is not None and "csrf_token" not in form:
                from chalicelib import sessions

                form = {**form, "csrf_token": sessions.csrf_token(self.who.secret or "")}  # the page's token
            response = self.who.request(self.method, self.path, form, self.headers)
            text = response.body.decode() if isinstance(response.body, bytes) else response.body
            return response.status_code, text
        api = self.who or world.company.api
        token = None if self.who else ""
        if self.form is not None:
            headers = {"Content-Type": "application/x-www-form-urlencoded", **self.headers}
            status, body = api.call(self.method, self.path, token=token, headers=headers, raw=urlencode(self.form))
        else:
            status, body = api.call(self.method, self.path, self.body, token=token, headers=self.headers, raw=self.raw)
        return status, str(body)


@dataclass
class World:
    """A company at work: a manager, a first-line agent with a department, a second-line agent, tips
    enabled, and customers some of whom have karma."""

    company: Company
    client: Client
    partner: Partner
    values: dict[str, str] = field(default_factory=dict)
    difficult: str = ""  # customers' addresses with karma
    literate: str = ""

    @property
    def manager(self) -> Api:
        return self.company.manager

    @property
    def ada(self) -> Api:
        return self.company.agents["Ada"]

    @property
    def tess(self) -> Api:
        return self.company.agents["Tess"]

    def id_of(self, name: str) -> str:
        return self.company.agent_ids[name]

    def address(self) -> str:
        return f"cust-{secrets.token_hex(6)}@example.com"

    def open_ticket(self, **extra: Any) -> dict[str, Any]:
        extra.setdefault("email", self.address())
        return self.company.open_ticket(f"Question {secrets.token_hex(4)}", **extra)

    def taken_by(self, agent: str = "Ada", **extra: Any) -> dict[str, Any]:
        """A ticket assigned to `agent` (their queues hold nothing older)."""
        opened = self.open_ticket(**extra)
        for _ in range(10):  # older tickets other scenarios left waiting are taken on the way
            status, taken = self.company.agents[agent].call("POST", "/tickets/next")
            assert status == 200, taken
            if taken["ticket_id"] == opened["ticket_id"]:
                return opened
        raise AssertionError(f"{agent} was never given {opened['ticket_id']}")

    def drain(self) -> None:
        """Tickets a scenario left waiting are taken, so the next scenario starts with empty queues."""
        for agent in ("Ada", "Tess"):
            while self.company.agents[agent].call("POST", "/tickets/next")[0] == 200:
                pass

    def resolved_by(self, agent: str = "Ada", **extra: Any) -> dict[str, Any]:
        opened = self.taken_by(agent, **extra)
        assert self.company.agents[agent].call("POST", f"/tickets/{opened['ticket_id']}/resolve")[0] == 200
        return opened

    def browser(self, agent: str = "Ada", due_for_touch: bool = True) -> Browser:
        """A signed-in browser; by default its session is due to be touched (the dearer case of the pulse,
        the one request that records the visit)."""
        browser = sign_in(self.company, self.id_of(agent) if agent != "Mia" else self.company.manager_id)
        if due_for_touch:
            from chalicelib import sessions
            from chalicelib.sessions.models import Session

            record = Session.get(sessions.hash_secret(browser.secret or ""))
            record.update(actions=[Session.last_seen_at.set(record.last_seen_at - timedelta(minutes=20))])
        return browser


def build_world(company: Company, client: Client, partner: Partner) -> World:
    """`company`: signed up with a manager address of its own (tests/functional/staff_helpers.py), so the
    manager can ask for sign-in links."""
    _register_kind()
    world = World(company, client, partner)
    company.add_agent("Tess", tier=2)
    company.add_agent("Ada", tier=1, departments=["billing"])
    enable_tips(company, partner, "Ada")
    world.difficult, world.literate = world.address(), world.address()
    for _ in range(2):  # two stormy ratings: the customer's new tickets are classed difficult
        rate_customer(company, client, "Ada", world.difficult, literacy=3, temperament=1)
    for _ in range(3):  # a literate customer: skips the first line when the second is on duty
        rate_customer(company, client, "Ada", world.literate, literacy=5, temperament=4)
    world.values = {
        "employee_id": world.id_of("Ada"),
        "intake_key": company.intake_key,
        "day": "2026-11-20",
        "name": "desk.js",
    }
    return world


# ------------------------------------------------------------------------------------- scenarios
# Each returns the requests to count for a route (several when its dearest case is not obvious).
Scenario = Callable[[World, Endpoint], list[Request]]


def default(world: World, endpoint: Endpoint) -> list[Request]:
    """The route called as its callers call it: an employee's token, a customer's link, a browser."""
    values = dict(world.values)
    if "{ticket_id}" in endpoint.path:
        values["ticket_id"] = world.taken_by()["ticket_id"]
    if "{link}" in endpoint.path:
        values["link"] = world.open_ticket()["link_token"]
    path = fill(endpoint.path, values)
    if endpoint.auth == "session":
        browser = world.browser("Mia" if endpoint.role == "manager" else "Ada")
        return [Request(endpoint.method, path, browser, form={} if endpoint.method != "GET" else None)]
    if endpoint.auth == "visitor":
        visitor = WebBrowser(world.client)
        visitor.get("/signin")
        return [Request(endpoint.method, path, visitor, form={} if endpoint.method != "GET" else None)]
    if endpoint.auth == "bearer":
        who = world.manager if endpoint.role == "manager" else world.ada
        return [Request(endpoint.method, path, who, body_for(endpoint))]
    return [Request(endpoint.method, path, None, body_for(endpoint))]


def take_next(world: World, endpoint: Endpoint) -> list[Request]:
    """Ada (first line, billing) is offered tickets from her general and billing queues, urgent ones the
    second line skipped to, and a difficult customer's ticket, which makes the order depend on loads."""
    world.open_ticket(email=world.difficult)
    world.open_ticket(department="billing")
    world.open_ticket()
    return [Request("POST", "/tickets/next", world.ada, label="difficult customer waiting")]


def intake(world: World, endpoint: Endpoint) -> list[Request]:
    path = f"/intake/{world.company.intake_key}/tickets"
    known = world.literate
    body = {"body": "Hello", "customer_name": "Bo", "channel": "chat"}
    return [
        Request("POST", path, body={**body, "subject": "A new question", "customer_email": world.address()}),
        Request("POST", path, body={**body, "subject": "Another question", "customer_email": known}, label="known"),
        Request("POST", path, body={**body, "subject": "Another question", "customer_email": known}, label="merged"),
    ]


def reply(world: World, endpoint: Endpoint) -> list[Request]:
    ticket_id = world.taken_by()["ticket_id"]
    path = f"/tickets/{ticket_id}/messages"
    return [
        Request("POST", path, world.ada, {"body": "The day's longest reply " + "x" * 400}, label="first, longest"),
        Request("POST", path, world.ada, {"body": "A short one"}, label="another"),
        Request("POST", path, world.ada, {"body": "A note", "visibility": "internal"}, label="note"),
    ]


def resolve(world: World, endpoint: Endpoint) -> list[Request]:
    ticket_id = world.taken_by(channel="chat")["ticket_id"]
    return [Request("POST", f"/tickets/{ticket_id}/resolve", world.ada, label="a chat: the day's longest")]


def log_call(world: World, endpoint: Endpoint) -> list[Request]:
    ticket_id = world.taken_by()["ticket_id"]
    path = f"/tickets/{ticket_id}/calls"
    return [Request("POST", path, world.ada, {"duration_seconds": 600 + n}, label=f"call {n}") for n in range(2)]


def transfer(world: World, endpoint: Endpoint) -> list[Request]:
    first, second = world.taken_by()["ticket_id"], world.taken_by()["ticket_id"]
    return [
        Request("POST", f"/tickets/{first}/transfer", world.ada, {"tier": 2}, label="to the second line"),
        Request("POST", f"/tickets/{second}/transfer", world.ada, {"to_agent_id": world.id_of("Tess")}, label="agent"),
    ]


def resolved_ticket(world: World, endpoint: Endpoint) -> list[Request]:
    """Rating the customer of a ticket one resolved."""
    ticket_id = world.resolved_by()["ticket_id"]
    return [Request(endpoint.method, f"/tickets/{ticket_id}/customer-rating", world.ada, body_for(endpoint))]


def correct_rating(world: World, endpoint: Endpoint) -> list[Request]:
    ticket_id = world.resolved_by()["ticket_id"]
    path = f"/tickets/{ticket_id}/customer-rating"
    assert world.ada.call("POST", path, {"literacy": 4, "temperament": 4})[0] == 201
    return [Request("PATCH", path, world.ada, {"temperament": 2})]


def void_customer_rating(world: World, endpoint: Endpoint) -> list[Request]:
    ticket_id = world.resolved_by()["ticket_id"]
    assert world.ada.call("POST", f"/tickets/{ticket_id}/customer-rating", {"literacy": 4, "temperament": 4})[0] == 201
    path = f"/tickets/{ticket_id}/customer-ratings/{world.id_of('Ada')}/void"
    return [Request("POST", path, world.manager)]


def customer_ref(world: World, endpoint: Endpoint) -> list[Request]:
    """A customer whose only ticket is closed."""
    address = world.address()
    opened = world.resolved_by(email=address)
    assert world.company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")[0] == 200
    return [Request("POST", endpoint.path, world.manager, {"email": address})]


def customer_link(world: World, endpoint: Endpoint) -> list[Request]:
    """The customer's routes on a resolved ticket (a reply reopens it; confirm closes it)."""
    opened = world.resolved_by()
    path = fill(endpoint.path, {"link": opened["link_token"]})
    if endpoint.form is not None:
        return [Request(endpoint.method, path, form={"body": "It works now"})]
    if endpoint.method == "POST" and endpoint.produces == "text/html":
        return [Request(endpoint.method, path, form={})]
    return [Request(endpoint.method, path, body=body_for(endpoint))]


def tip_links(world: World, endpoint: Endpoint) -> list[Request]:
    mail = emailed(world.company, world.client)
    if endpoint.path.startswith("/tip/"):
        assert mail.tip_path is not None
        return [Request("GET", mail.tip_path)]
    path = mail.rate_path + endpoint.path.removeprefix("/rate/{link}")
    if endpoint.method == "POST" and endpoint.path == "/rate/{link}":  # the Tip button: saved, then the tip
        return [Request("POST", path, form={"stars": "5", "comment": "Quick", "then": "tip"})]
    if endpoint.path == "/rate/{link}/comment":  # what went wrong, after a low rating, then the tip
        assert world.company.api.call("POST", mail.rate_path, token="", raw="stars=1", headers=FORM)[0] == 200
        return [Request("POST", path, form={"comment": "Too slow", "then": "tip"})]
    return [Request(endpoint.method, path, body=None if endpoint.method == "GET" else {})]


def void_tip_rating(world: World, endpoint: Endpoint) -> list[Request]:
    mail = emailed(world.company, world.client)
    assert world.company.api.call("POST", mail.rate_path, token="", raw="stars=2", headers=FORM)[0] == 200
    return [Request("POST", f"/tips/ratings/{mail.closed.after.ticket_id}/void", world.manager)]


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def webhooks(world: World, endpoint: Endpoint) -> list[Request]:
    """Each event the partner sends, signed as it signs them (the tip with its ticket reference)."""
    from chalicelib.tips.webhooks import sign_reference

    company, ada = world.company, world.id_of("Ada")
    mail = emailed(company, world.client)
    ticket_id = mail.closed.after.ticket_id
    tip = {"company_external_id": company.company_id, "employee_external_id": ada, "currency": "EUR"}
    events = [
        ("company.verified", {"external_id": company.company_id}),
        (
            "employee.linked",
            {"company_external_id": company.company_id, "external_id": ada, "form_url": f"{FORM_BASE}/rc_{ada}"},
        ),
        (
            "tip.paid",
            {
                **tip,
                "tip_id": "tp_budget",
                "amount": "5.00",
                "reference": sign_reference(company.company_id, ticket_id, ada),
            },
        ),
        ("tip.refunded", {**tip, "tip_id": "tp_budget", "amount": "5.00"}),
    ]
    requests = []
    for event_type, data in events:
        at = datetime.now(UTC)
        payload = json.dumps({"type": event_type, "timestamp": at.isoformat(), "data": data})
        headers = signed(f"msg_{secrets.token_hex(12)}", payload, at)
        requests.append(Request("POST", endpoint.path, raw=payload, headers=headers, label=event_type))
    return requests


def signed(webhook_id: str, payload: str, at: datetime) -> dict[str, str]:
    """The partner's Standard Webhooks headers for a delivery at `at` (the bench signs again when it replays)."""
    from standardwebhooks.webhooks import Webhook

    from chalicelib.tips.config import LOCAL_WEBHOOK_SECRET

    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(LOCAL_WEBHOOK_SECRET).sign(webhook_id, at, payload),
    }


def company_opt_in(world: World, endpoint: Endpoint) -> list[Request]:
    fresh = sign_up(world.company.api, "Initech")
    return [Request("POST", "/tips/company/opt-in", fresh.manager)]


def employee_opt(world: World, endpoint: Endpoint) -> list[Request]:
    tess = world.id_of("Tess")
    if endpoint.path.endswith("opt-out"):
        assert world.manager.call("POST", f"/tips/employees/{tess}/opt-in")[0] == 200
    return [Request("POST", fill(endpoint.path, {"employee_id": tess}), world.tess)]


def company_opt_out(world: World, endpoint: Endpoint) -> list[Request]:
    fresh = sign_up(world.company.api, "Initech")
    assert fresh.manager.call("POST", "/tips/company/opt-in")[0] == 200
    return [Request("POST", "/tips/company/opt-out", fresh.manager)]


def patch_employee(world: World, endpoint: Endpoint) -> list[Request]:
    """A role change reaches the employee's tokens and signed-in browsers."""
    eve = world.company.add_agent(f"Eve{secrets.token_hex(2)}")
    eve_id = world.company.agent_ids[next(reversed(world.company.agent_ids))]
    assert eve.call("GET", "/me")[0] == 200
    sign_in(world.company, eve_id)
    path = f"/employees/{eve_id}"
    return [
        Request("PATCH", path, world.manager, {"role": "manager", "tier": 2, "departments": ["sales"]}, label="role"),
        Request("PATCH", path, world.manager, {"name": "Eve Adams"}, label="name"),
    ]


def deactivate(world: World, endpoint: Endpoint) -> list[Request]:
    world.company.add_agent(f"Eve{secrets.token_hex(2)}")
    eve_id = world.company.agent_ids[next(reversed(world.company.agent_ids))]
    sign_in(world.company, eve_id)
    return [Request("DELETE", f"/employees/{eve_id}", world.manager)]


def tokens(world: World, endpoint: Endpoint) -> list[Request]:
    ada = world.id_of("Ada")
    values = {"employee_id": ada}
    if "{token_id}" in endpoint.path:
        status, issued = world.manager.call("POST", f"/employees/{ada}/tokens")
        assert status == 201, issued
        values["token_id"] = issued["token_id"]
    return [Request(endpoint.method, fill(endpoint.path, values), world.manager)]


def status_change(world: World, endpoint: Endpoint) -> list[Request]:
    return [
        Request("PUT", "/me/status", world.ada, {"status": "break"}, label="online to break"),
        Request("PUT", "/me/status", world.ada, {"status": "online"}, label="break to online"),
    ]


def revoke_session(world: World, endpoint: Endpoint) -> list[Request]:
    from chalicelib import sessions

    other = world.browser()
    browser = world.browser()
    [target] = [
        s.session_id
        for s in sessions.of_employee(world.company.company_id, world.id_of("Ada"))
        if s.session_hash == sessions.hash_secret(other.secret or "")
    ]
    status, html, _ = browser.page("/account/sessions")
    assert status == 200
    return [
        Request(
            "POST", f"/account/sessions/{target}/revoke", browser, form={"csrf_token": csrf_token(html)}, label="other"
        )
    ]


def sign_out(world: World, endpoint: Endpoint) -> list[Request]:
    browser = world.browser()
    status, html, _ = browser.page("/account/sessions")
    assert status == 200
    return [Request("POST", "/signout", browser, form={"csrf_token": csrf_token(html)})]


# ------------------------------------------------------------------ the manager's console and reports


def manager_form(form: dict[str, str] | Callable[[World], dict[str, str]], **values: str) -> Scenario:
    """A manager's form post from a signed-in browser (Request adds the page's CSRF token)."""

    def scenario(world: World, endpoint: Endpoint) -> list[Request]:
        fields = form(world) if callable(form) else form
        path = fill(endpoint.path, {**world.values, **values})
        return [Request("POST", path, world.browser("Mia"), form=fields)]

    return scenario


def change_member(world: World, endpoint: Endpoint) -> list[Request]:
    form = {"role": "agent", "tier": "2", "departments": "billing, sales"}
    return manager_form(form, employee_id=invite(world))(world, endpoint)


def own_address(world: World) -> str:
    address = f"help-{secrets.token_hex(4)}@acme.example"
    assert world.manager.call("POST", "/mail/addresses", {"address": address})[0] in (200, 201)
    return address


def remove_address(world: World, endpoint: Endpoint) -> list[Request]:
    return manager_form({"address": own_address(world)})(world, endpoint)


def levels(world: World) -> dict[str, str]:
    form = {}
    for n in range(12):
        form[f"name_{n}"], form[f"formula_{n}"] = f"Level {n + 1}", f"answers >= {n * 10}"
    return form


def customer_form(erase: bool) -> Scenario:
    """The console's export and erase forms, for a customer whose only ticket is closed (as the API's)."""

    def scenario(world: World, endpoint: Endpoint) -> list[Request]:
        address = world.address()
        opened = world.resolved_by(email=address)
        assert world.company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")[0] == 200
        form = {"email": address, **({"confirm": "yes"} if erase else {})}
        return manager_form(form)(world, endpoint)

    return scenario


REPORTS = ("tickets", "first-replies", "resolutions", "ratings", "tips", "karma")


def report_pages(world: World, endpoint: Endpoint) -> list[Request]:
    """Every report, at a week with work in it (a resolved ticket, a rating with a comment, a tip)."""
    emailed(world.company, world.client)
    browser = world.browser("Mia")
    return [
        Request("GET", fill(endpoint.path, {"report": name}) + "?from=2026-01-01&to=2026-12-31", browser, label=name)
        for name in REPORTS
    ]


# --------------------------------------------------------------------- the staff web app and public forms


def desk_take_next(world: World, endpoint: Endpoint) -> list[Request]:
    world.open_ticket(email=world.difficult)
    world.open_ticket(department="billing")
    return [Request("POST", "/desk/next", world.browser(), form={}, label="difficult customer waiting")]


def desk_ticket(world: World, endpoint: Endpoint) -> list[Request]:
    """The ticket page and its forms, on a ticket Ada holds (rating: one she resolved)."""
    action = endpoint.path.rsplit("/", 1)[-1]
    opened = world.resolved_by() if action == "rating" else world.taken_by(channel="chat")
    path = fill(endpoint.path, {"ticket_id": opened["ticket_id"]})
    forms = {
        "reply": {"body": "The day's longest reply " + "x" * 400},
        "tags": {"tags": "printer, urgent"},
        "transfer": {"to": f"agent:{world.id_of('Tess')}"},
        "rating": {"literacy": "4", "temperament": "5"},
        "resolve": {},
    }
    if endpoint.method == "GET":
        return [Request("GET", path, world.browser())]
    return [Request("POST", path, world.browser(), form=forms[action])]


def desk_status(world: World, endpoint: Endpoint) -> list[Request]:
    """A break and back: the scenario leaves Ada online, as the scenarios after it expect."""
    browser = world.browser()
    return [
        Request("POST", "/desk/status", browser, form={"status": "break"}, label="to a break"),
        Request("POST", "/desk/status", browser, form={"status": "online"}, label="back online"),
    ]


def desk_search(world: World, endpoint: Endpoint) -> list[Request]:
    """A search of two terms (a word and a status): one Query of the word, the status checked on its items."""
    world.resolved_by()
    return [Request("GET", "/desk/search?q=question&status=resolved", world.browser(), label="two terms")]


def profile(world: World, endpoint: Endpoint) -> list[Request]:
    if endpoint.method == "GET":
        return [Request("GET", endpoint.path, world.browser())]
    return [Request("POST", endpoint.path, world.browser(), form={"locale": "ru"})]


def canned(world: World, endpoint: Endpoint) -> list[Request]:
    status, made = world.manager.call("POST", "/canned-replies", {"title": "Hello", "body": "Hello there"})
    assert status == 201, made
    canned_id = next(v for k, v in made.items() if k.endswith("_id"))
    path = fill(endpoint.path, {"canned_id": canned_id})
    if endpoint.auth == "bearer":
        return [Request(endpoint.method, path, world.manager, body_for(endpoint))]
    browser = world.browser("Mia")
    if endpoint.method == "GET":
        return [Request("GET", path, browser)]
    form = {} if path.endswith("/delete") else {"title": "Greeting", "body": "Good morning"}
    return [Request("POST", path, browser, form=form)]


def team(world: World, endpoint: Endpoint) -> list[Request]:
    """The manager's team page: invite someone, resend an invitation, deactivate."""
    browser = world.browser("Mia")
    if endpoint.method == "GET":
        return [Request("GET", endpoint.path, browser)]
    if endpoint.path == "/manage/team":
        form = {"name": "Ivy", "email": f"ivy-{secrets.token_hex(3)}@example.com", "role": "agent", "tier": "1"}
        return [Request("POST", endpoint.path, browser, form=form)]
    invited = invite(world)
    return [Request("POST", fill(endpoint.path, {"employee_id": invited}), browser, form={})]


def invite(world: World) -> str:
    """Someone invited by the manager (no token, no sign-in yet): their employee id."""
    browser = world.browser("Mia", due_for_touch=False)
    from chalicelib import sessions

    address = f"ivy-{secrets.token_hex(3)}@example.com"
    form = {"name": "Ivy", "email": address, "role": "agent", "tier": "1"}
    response = browser.request(
        "POST", "/manage/team", {**form, "csrf_token": sessions.csrf_token(browser.secret or "")}
    )
    assert response.status_code in (200, 303), response.body
    from chalicelib.db.models import Employee

    [found] = [e for e in Employee.query(world.company.company_id) if e.email == address]
    return str(found.employee_id)


def invitation(world: World, endpoint: Endpoint) -> list[Request]:
    return [Request("POST", fill(endpoint.path, {"employee_id": invite(world)}), world.manager)]


def mail_addresses(world: World, endpoint: Endpoint) -> list[Request]:
    address = f"help-{secrets.token_hex(3)}@acme.example"
    if endpoint.method == "DELETE":
        assert world.manager.call("POST", "/mail/addresses", {"address": address})[0] < 300
        return [Request("DELETE", fill(endpoint.path, {"address": address}), world.manager)]
    if endpoint.method == "POST":
        return [Request("POST", endpoint.path, world.manager, {"address": address})]
    return [Request("GET", endpoint.path, world.manager)]


def failed_notifications(world: World, endpoint: Endpoint) -> list[Request]:
    """A notification the outbox gave up on, listed and tried again by the manager."""
    from chalicelib import outbox
    from chalicelib.ids import new_id

    message = outbox.Outgoing(
        world.company.company_id, outbox.message_key(new_id("tkt"), "received"), BUDGET_KIND, recipient="customer"
    )
    claimed = outbox.claim(message)
    assert claimed is not None
    with contextlib.suppress(RuntimeError):  # the sender failed: the message is kept as failed
        outbox.deliver(claimed, _refusing)
    if endpoint.method == "GET":
        return [Request("GET", "/notifications/failed", world.manager)]
    return [Request("POST", endpoint.path, world.manager, {"message_key": message.message_key})]


BUDGET_KIND = "budget.kind"


def _refusing(item: Any) -> Any:
    raise RuntimeError("the provider said no")


def _sending(item: Any) -> Any:
    from chalicelib import outbox

    return outbox.Delivery("sent", "email", "budget")


def _register_kind() -> None:
    from chalicelib import outbox

    outbox.register(BUDGET_KIND, _sending)


def signin(world: World, endpoint: Endpoint) -> list[Request]:
    """A visitor asks for a link with the manager's address; a link's page and its button."""
    address = world.company.manager_email  # type: ignore[attr-defined]
    visitor = WebBrowser(world.client)
    if endpoint.path == "/signin":
        visitor.get("/signin")
        if endpoint.method == "GET":
            return [Request("GET", "/signin", WebBrowser(world.client))]
        return [Request("POST", "/signin", visitor, form={"email": address, "next": ""})]
    link = ask_for_link(world.client, address)
    visitor.get(link)
    if endpoint.method == "GET":
        return [Request("GET", link, WebBrowser(world.client))]
    return [Request("POST", link, visitor, form={})]


def web_form(world: World, endpoint: Endpoint) -> list[Request]:
    key = world.company.intake_key
    address = world.address()
    if endpoint.path.endswith("/requests") and endpoint.method == "POST":
        return [Request("POST", f"/f/{key}/requests", form={"email": world.literate, "lang": "en"})]
    if endpoint.method == "POST":
        form = {"name": "Bo", "email": address, "subject": "A question", "message": "Hello", "lang": "en"}
        return [Request("POST", f"/f/{key}", form=form)]
    return [Request("GET", fill(endpoint.path, {"intake_key": key}))]


def portal(world: World, endpoint: Endpoint) -> list[Request]:
    """The customer's 'my requests' link, as the portal mails it (single use: a fresh one per request),
    and the list it opens in the browser."""
    from chalicelib import links
    from chalicelib.customers import customer_id_for

    customer_id = customer_id_for(world.company.company_id, world.literate)
    claims = links.LinkClaims(world.company.company_id, "", customer_id=customer_id, nonce=secrets.token_urlsafe(16))
    link = f"/my/{links.sign(links.CUSTOMER_PORTAL, claims, timedelta(hours=1))}"
    if endpoint.path != "/my":
        return [Request(endpoint.method, link, form={} if endpoint.method == "POST" else None)]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    opened = world.client.http.post(link, headers=form, body="")
    assert opened.status_code == 303, opened.body
    session = opened.headers["Set-Cookie"].split(";")[0]
    return [Request("GET", "/my", headers={"Cookie": session}, label="the customer's requests")]


def preflight(world: World, endpoint: Endpoint) -> list[Request]:
    origin = "https://acme.example"
    world.manager.call("PATCH", "/company/settings", {"cors_origins": [origin]})
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    return [Request("OPTIONS", f"/intake/{world.company.intake_key}/tickets", headers=headers)]


def report_lists(world: World, endpoint: Endpoint) -> list[Request]:
    """The comments and tips lists the report pages load (as htmx asks, and as a page of their own)."""
    emailed(world.company, world.client)
    browser = world.browser("Mia")
    query = "?from=2026-01-01&to=2026-12-31"
    return [
        Request("GET", fill(endpoint.path, {"report": name}) + query, browser, headers=headers, label=f"{name} {how}")
        for name in ("ratings", "tips")
        for how, headers in (("loaded", {"HX-Request": "true"}), ("page", {}))
    ]


SCENARIOS: dict[tuple[str, str], Scenario] = {
    ("POST", "/manage/team/{employee_id}"): change_member,
    ("POST", "/manage/settings/company"): manager_form({"display_name": "Acme Support", "locale": "en"}),
    ("POST", "/manage/settings/hours"): manager_form(
        {
            "sla_target_minutes": "60",
            "sla_limit_minutes": "240",
            "holidays": "2026-12-25",
            **{f"hours_{d}": "09:00-13:00, 14:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    ),
    ("POST", "/manage/settings/tickets"): manager_form({"auto_close_days": "5", "rating_mail_for_unconfirmed": "1"}),
    ("POST", "/manage/settings/widget"): manager_form(
        {"cors_origins": "https://www.acme.example\nhttps://shop.acme.example"}
    ),
    ("POST", "/manage/settings/tips"): manager_form({"tip_amounts": "3, 5, 10"}),
    ("POST", "/manage/mail"): manager_form(lambda w: {"address": f"help-{secrets.token_hex(4)}@acme.example"}),
    ("POST", "/manage/mail/remove"): remove_address,
    ("POST", "/manage/badges/rules/{key}"): manager_form(
        {"name": "Long lunch", "enabled": "on", "window": "7d", "min_value": "3", "points": "-5"}, key="siesta"
    ),
    ("POST", "/manage/badges/levels"): manager_form(levels),
    ("POST", "/manage/customers/export"): customer_form(erase=False),
    ("POST", "/manage/customers/erase"): customer_form(erase=True),
    ("GET", "/manage/reports/{report}"): report_pages,
    ("GET", "/manage/reports/{report}/csv"): report_pages,
    ("GET", "/manage/reports/{report}/list"): report_lists,
    ("POST", "/tickets/next"): take_next,
    ("POST", "/intake/{intake_key}/tickets"): intake,
    ("POST", "/tickets/{ticket_id}/messages"): reply,
    ("POST", "/tickets/{ticket_id}/resolve"): resolve,
    ("POST", "/tickets/{ticket_id}/calls"): log_call,
    ("POST", "/tickets/{ticket_id}/transfer"): transfer,
    ("POST", "/tickets/{ticket_id}/customer-rating"): resolved_ticket,
    ("PATCH", "/tickets/{ticket_id}/customer-rating"): correct_rating,
    ("POST", "/tickets/{ticket_id}/customer-ratings/{employee_id}/void"): void_customer_rating,
    ("GET", "/customer/tickets/{link}"): customer_link,
    ("POST", "/customer/tickets/{link}/messages"): customer_link,
    ("POST", "/customer/tickets/{link}/confirm"): customer_link,
    ("GET", "/c/{link}"): customer_link,
    ("POST", "/c/{link}/reply"): customer_link,
    ("POST", "/c/{link}/confirm"): customer_link,
    ("GET", "/rate/{link}"): tip_links,
    ("POST", "/rate/{link}"): tip_links,
    ("POST", "/rate/{link}/opened"): tip_links,
    ("POST", "/rate/{link}/comment"): tip_links,
    ("GET", "/tip/{link}"): tip_links,
    ("POST", "/tips/ratings/{ticket_id}/void"): void_tip_rating,
    ("POST", "/tips/webhooks/partner"): webhooks,
    ("POST", "/tips/company/opt-in"): company_opt_in,
    ("POST", "/tips/company/opt-out"): company_opt_out,
    ("POST", "/tips/employees/{employee_id}/opt-in"): employee_opt,
    ("POST", "/tips/employees/{employee_id}/opt-out"): employee_opt,
    ("PATCH", "/employees/{employee_id}"): patch_employee,
    ("DELETE", "/employees/{employee_id}"): deactivate,
    ("GET", "/employees/{employee_id}/tokens"): tokens,
    ("POST", "/employees/{employee_id}/tokens"): tokens,
    ("DELETE", "/employees/{employee_id}/tokens/{token_id}"): tokens,
    ("PUT", "/me/status"): status_change,
    ("POST", "/account/sessions/{session_id}/revoke"): revoke_session,
    ("POST", "/signout"): sign_out,
    ("POST", "/customers/export"): customer_ref,
    ("POST", "/customers/erase"): customer_ref,
    ("GET", "/c/{link}/confirm"): customer_link,
    ("POST", "/desk/next"): desk_take_next,
    ("GET", "/desk/tickets/{ticket_id}"): desk_ticket,
    ("POST", "/desk/tickets/{ticket_id}/rating"): desk_ticket,
    ("POST", "/desk/tickets/{ticket_id}/reply"): desk_ticket,
    ("POST", "/desk/tickets/{ticket_id}/resolve"): desk_ticket,
    ("POST", "/desk/tickets/{ticket_id}/tags"): desk_ticket,
    ("POST", "/desk/tickets/{ticket_id}/transfer"): desk_ticket,
    ("POST", "/desk/status"): desk_status,
    ("GET", "/desk/search"): desk_search,
    ("GET", "/account/profile"): profile,
    ("POST", "/account/profile"): profile,
    ("DELETE", "/canned-replies/{canned_id}"): canned,
    ("PATCH", "/canned-replies/{canned_id}"): canned,
    ("GET", "/manage/canned"): canned,
    ("POST", "/manage/canned"): canned,
    ("POST", "/manage/canned/{canned_id}"): canned,
    ("POST", "/manage/canned/{canned_id}/delete"): canned,
    ("GET", "/manage/team"): team,
    ("POST", "/manage/team"): team,
    ("POST", "/manage/team/{employee_id}/deactivate"): team,
    ("POST", "/manage/team/{employee_id}/invitation"): team,
    ("POST", "/employees/{employee_id}/invitation"): invitation,
    ("GET", "/mail/addresses"): mail_addresses,
    ("POST", "/mail/addresses"): mail_addresses,
    ("DELETE", "/mail/addresses/{address}"): mail_addresses,
    ("GET", "/notifications/failed"): failed_notifications,
    ("POST", "/notifications/failed/retry"): failed_notifications,
    ("GET", "/signin"): signin,
    ("POST", "/signin"): signin,
    ("GET", "/signin/{token}"): signin,
    ("POST", "/signin/{token}"): signin,
    ("GET", "/f/{intake_key}"): web_form,
    ("POST", "/f/{intake_key}"): web_form,
    ("GET", "/f/{intake_key}/sent"): web_form,
    ("GET", "/f/{intake_key}/requests"): web_form,
    ("POST", "/f/{intake_key}/requests"): web_form,
    ("GET", "/f/{intake_key}/requests/sent"): web_form,
    ("GET", "/my"): portal,
    ("GET", "/my/{link}"): portal,
    ("POST", "/my/{link}"): portal,
    ("OPTIONS", "/intake/{intake_key}/tickets"): preflight,
}
