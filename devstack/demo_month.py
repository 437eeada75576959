# ruff: noqa: RUF001 (some customers write in Russian)
"""A month of a small desk's work, written through the domain services on a travelling clock, so every
counter fills as it would have in real life: the stream's hooks count the ticket changes (the caller's
`drain` delivers the streams), ratings, tips and funnel marks are counted where they happen.

Five agents work weekdays 09:00-18:00 and Saturday mornings (with breaks); customers (a pool, some coming
back, each with a temperament agents rate) open tickets day and night; agents take, reply, note, tag,
resolve and rate customers; customers confirm, rate the agent and sometimes tip, the rest close by the
auto-close job; the SLA job flags what waited too long. Deterministic for a seed.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from chalicelib.auth import Principal
from chalicelib.clock import Travel, iso, travelling, utcnow

WORKWEEK = {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"],
            "fri": ["09:00-18:00"], "sat": ["10:00-14:00"], "sun": []}  # fmt: skip
JOBS_EVERY = timedelta(hours=3)
AGENTS: tuple[tuple[str, int, tuple[str, ...], float], ...] = (
    # name, tier, departments, how well customers like them (0..1)
    ("Ada Lovelace", 1, (), 0.9),
    ("Boris Petrov", 1, ("billing",), 0.7),
    ("Chen Wei", 1, (), 0.8),
    ("Dana Ivanova", 2, (), 0.95),
    ("Emil Novak", 1, ("billing",), 0.55),
)
SUBJECTS: tuple[tuple[str, str | None], ...] = (
    ("Printer prints blank pages", None),
    ("VPN drops every hour", None),
    ("Cannot log in after the password change", None),
    ("Invoice shows the wrong VAT", "billing"),
    ("Charged twice for the same order", "billing"),
    ("Refund has not arrived", "billing"),
    ("Laptop will not start after the update", None),
    ("E-mail attachments do not open", None),
    ("Wi-Fi in the meeting room is slow", None),
    ("Need an invoice copy for March", "billing"),
    ("Scanner saves empty PDFs", None),
    ("Phone app crashes on start", None),
    ("Принтер печатает пустые страницы", None),
    ("Не приходит счёт за подписку", "billing"),
)
GOOD = ("Quick and friendly, thank you!", "Solved in minutes.", "Very patient with me.", "Спасибо, всё работает!")
BAD = ("Took far too long.", "Had to explain everything twice.", "Still not fixed properly.")


@dataclass(frozen=True)
class Plan:
    days: int = 30
    per_weekday: int = 9
    per_saturday: int = 3
    per_sunday: int = 2
    customers: int = 50  # returning customers: agents rate them, so karma (and its mix) shows
    seed: int = 17


@dataclass
class Seeded:
    company_id: str
    intake_key: str
    manager_id: str
    manager_email: str
    manager_token: str
    agents: dict[str, tuple[str, str]]  # name -> (employee id, token)
    first: date
    last: date
    tickets: int = 0
    tip_link: str | None = None  # a tip link of a recent ticket, valid now (tests follow it)


@dataclass
class _Customer:
    name: str
    email: str
    literacy: int
    temperament: int
    locale: str


@dataclass
class _Agent:
    name: str
    employee_id: str
    principal: Principal
    quality: float
    tier: int = 1
    online: bool = False
    in_hand: set[str] = field(default_factory=set)


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    action: Callable[[], None] = field(compare=False)


class _World:
    def __init__(self, seeded: Seeded, company: Any, plan: Plan, travel: Travel, drain: Callable[[], None]) -> None:
        self.seeded, self.company, self.plan, self.travel, self.drain = seeded, company, plan, travel, drain
        self.draw = random.Random(plan.seed)
        self.zone = ZoneInfo(company.timezone)
        self.events: list[_Event] = []
        self.counter = itertools.count()
        self.agents: list[_Agent] = []
        self.customers: list[_Customer] = []
        self.links: dict[str, str] = {}  # ticket id -> the customer's link token
        self.customer_of: dict[str, _Customer] = {}
        self.funnel: list[tuple[datetime, Callable[[], None]]] = []
        self.waiting = 0  # tickets in the queues: agents only look when something waits

    # ------------------------------------------------------------ scheduling
    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self.events, _Event(moment, next(self.counter), action))

    def local(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, time.min, self.zone) + timedelta(hours=hour)

    def run(self, until: datetime) -> None:
        """Every event in time order; the schedules every three hours (the SLA job counts a breach on the day
        the limit passed, the auto-close job closes at its own time: both as hourly runs would); the customers'
        answers to the rating message once a day, after the day's closes reached the stream."""
        tick = self.travel.now.replace(minute=0, second=0, microsecond=0)
        day = self.travel.now.astimezone(self.zone).date()
        while self.events and self.events[0].at <= until:
            event = heapq.heappop(self.events)
            while tick + JOBS_EVERY <= event.at:
                tick += JOBS_EVERY
                self._jobs(tick)
            if event.at.astimezone(self.zone).date() != day:
                self._answers()
                day = event.at.astimezone(self.zone).date()
            self.travel.now = max(self.travel.now, event.at)
            self._do(event.action)
        self._jobs(until)
        self._answers()

    def _do(self, action: Callable[[], None]) -> None:
        from chalicelib.errors import DomainError

        with contextlib.suppress(DomainError):  # a refused step (a race nobody foresaw) is skipped, as a person would
            action()

    def _jobs(self, moment: datetime) -> None:
        from chalicelib.tickets import jobs

        self.travel.now = max(self.travel.now, moment)
        jobs.flag_sla_breaches({"time": iso(moment)})
        jobs.auto_close_resolved({"time": iso(moment)})

    def _answers(self) -> None:
        """The day's rating messages answered: the closes are delivered to the stream first (the message and
        its funnel item exist then), each answer at its own time."""
        if not self.funnel:
            return
        self.drain()
        now = self.travel.now
        for at, action in sorted(self.funnel, key=lambda item: item[0]):
            self.travel.now = at
            self._do(action)
        self.funnel = []
        self.travel.now = now

    # ------------------------------------------------------------ the day
    def plan_day(self, day: date) -> None:
        weekday = day.weekday()
        if weekday < 5:
            shift, count = (9.0, 18.0), self.plan.per_weekday
        elif weekday == 5:
            shift, count = (10.0, 14.0), self.plan.per_saturday
        else:
            shift, count = None, self.plan.per_sunday
        if shift is not None:
            for agent in self.agents:
                if weekday == 5 and agent.name[0] not in "AD":
                    continue  # two agents keep Saturday mornings
                start = self.local(day, shift[0] + self.draw.uniform(-0.1, 0.2))
                self.at(start, partial(self.go, agent, "online"))
                if shift[1] - shift[0] > 5 and self.draw.random() < 0.8:
                    lunch = self.local(day, 13 + self.draw.uniform(-0.3, 0.5))
                    self.at(lunch, partial(self.go, agent, "break"))
                    self.at(lunch + timedelta(minutes=self.draw.randint(20, 45)), partial(self.go, agent, "online"))
                self.at(self.local(day, shift[1] + self.draw.uniform(0, 0.3)), partial(self.go, agent, "offline"))
        for _ in range(count):
            hour = self.draw.uniform(9, 18) if self.draw.random() < 0.75 else self.draw.uniform(6.5, 23)
            self.at(self.local(day, hour), self.arrive)

    def go(self, agent: _Agent, status: str) -> None:
        from chalicelib import employees

        employees.change_status(agent.principal, status, utcnow())
        agent.online = status == "online"
        if agent.online and self.waiting:
            for n in range(min(2, self.waiting)):
                self.at(utcnow() + timedelta(minutes=2 + 3 * n), lambda: self.take(agent))

    # ------------------------------------------------------------ tickets
    def arrive(self) -> None:
        from chalicelib.tickets import service
        from chalicelib.tickets.schemas import IntakeTicket

        customer = self.draw.choice(self.customers)
        subject, department = self.draw.choice(SUBJECTS)
        request = IntakeTicket(
            subject=subject,
            body=f"Hello, {subject.lower()}. Could you help?",
            customer_name=customer.name,
            customer_email=customer.email,
            department=department,
            locale=cast(Any, customer.locale),
        )
        result = service.open_ticket_for(self.company, request)
        if result.merged:
            return
        self.waiting += 1
        self.seeded.tickets += 1
        self.links[result.ticket.ticket_id] = result.link
        self.customer_of[result.ticket.ticket_id] = customer
        for agent in self.draw.sample(self.agents, len(self.agents)):
            if agent.online and len(agent.in_hand) < 2:
                self.at(utcnow() + timedelta(minutes=self.draw.uniform(1, 25)), partial(self.take, agent))
                break

    def take(self, agent: _Agent) -> None:
        from chalicelib.tickets import service

        if not agent.online or len(agent.in_hand) >= 2 or not self.waiting:
            return
        ticket = service.take(agent.principal)
        if ticket is None:
            return
        self.waiting = max(0, self.waiting - 1)
        agent.in_hand.add(ticket.ticket_id)
        slow = self.draw.random() < 0.1
        wait = self.draw.uniform(40, 200) if slow else self.draw.uniform(1, 20)
        self.at(utcnow() + timedelta(minutes=wait), lambda: self.reply(agent, ticket.ticket_id))

    def reply(self, agent: _Agent, ticket_id: str, again: bool = False) -> None:
        from chalicelib.tickets import service
        from chalicelib.tickets.schemas import Reply, Tags, Transfer

        service.reply(agent.principal, ticket_id, Reply(body="Thanks for writing. Let me check this for you."))
        if agent.tier == 1 and not again and self.draw.random() < 0.1:  # a hard one: to the second line
            service.reply(agent.principal, ticket_id, Reply(body="Needs the second line.", visibility="internal"))
            service.transfer(agent.principal, ticket_id, Transfer(tier=2))
            agent.in_hand.discard(ticket_id)
            self.waiting += 1
            for second in self.agents:
                if second.tier == 2 and second.online:
                    self.at(utcnow() + timedelta(minutes=self.draw.uniform(3, 30)), partial(self.take, second))
            return
        if self.draw.random() < 0.15:
            service.reply(agent.principal, ticket_id, Reply(body="Asked the vendor.", visibility="internal"))
        if self.draw.random() < 0.1:
            service.tag(agent.principal, ticket_id, Tags(tags=[self.draw.choice(["hardware", "billing", "vip"])]))
        work = min(self.draw.lognormvariate(3.6, 0.9), 600)  # minutes; a median of ~37
        self.at(utcnow() + timedelta(minutes=work), lambda: self.resolve(agent, ticket_id))

    def resolve(self, agent: _Agent, ticket_id: str) -> None:
        from chalicelib.karma.ratings import NewCustomerRating, rate
        from chalicelib.tickets import service

        agent.in_hand.discard(ticket_id)
        ticket = service.resolve(agent.principal, ticket_id)
        customer = self.customer_of.get(ticket_id)
        if customer and self.draw.random() < 0.8:
            literacy = max(1, min(5, customer.literacy + self.draw.choice((-1, 0, 0, 1))))
            temperament = max(1, min(5, customer.temperament + self.draw.choice((-1, 0, 0, 1))))
            try:
                rate(agent.principal, ticket_id, NewCustomerRating(literacy=literacy, temperament=temperament))
            except Exception as error:
                from chalicelib.errors import DomainError

                if not isinstance(error, DomainError):
                    raise
        if self.waiting:
            self.at(utcnow() + timedelta(minutes=1), lambda: self.take(agent))
        link = self.links.get(ticket_id)
        if link is None:
            return
        if self.draw.random() < 0.05:  # the customer writes again: reopened, replied to, resolved again
            self.at(utcnow() + timedelta(hours=self.draw.uniform(1, 8)), lambda: self.customer_again(agent, ticket))
        elif self.draw.random() < 0.65:
            later = timedelta(minutes=self.draw.uniform(10, 20 * 60))
            self.at(utcnow() + later, lambda: self.confirm(link, agent, ticket_id))

    def customer_again(self, agent: _Agent, ticket: Any) -> None:
        from chalicelib.tickets import service

        service.customer_reply(self.links[ticket.ticket_id], "It happened again this morning.")
        agent.in_hand.add(ticket.ticket_id)
        self.at(utcnow() + timedelta(minutes=self.draw.uniform(5, 90)), lambda: self.reply(agent, ticket.ticket_id))

    def confirm(self, link: str, agent: _Agent, ticket_id: str) -> None:
        from chalicelib.tickets import service

        service.customer_confirm(link)
        if self.draw.random() < 0.6:  # the rating message: opened, rated, sometimes a tip
            self.funnel.append(
                (utcnow() + timedelta(minutes=self.draw.uniform(5, 300)), lambda: self.rate(agent, ticket_id))
            )

    def rate(self, agent: _Agent, ticket_id: str) -> None:
        from chalicelib import links
        from chalicelib.tips import customer as tips_customer
        from chalicelib.tips.message import RATE, TIP

        claims = links.LinkClaims(self.company.company_id, ticket_id, agent.employee_id)
        lifetime = timedelta(days=14)
        token = links.sign(RATE, claims, lifetime)
        tips_customer.mark_opened(token)
        good = self.draw.random() < agent.quality
        stars = self.draw.choice((4, 5, 5, 5)) if good else self.draw.choice((1, 2, 3, 3))
        comment = self.draw.choice(GOOD if stars >= 4 else BAD) if self.draw.random() < 0.4 else None
        tips_customer.rate(token, tips_customer.RatingForm(stars=stars, comment=comment), utcnow())
        if stars >= 4 and self.draw.random() < 0.18:  # the survey: 18% of those who rate would tip
            tip_token = links.sign(TIP, claims, lifetime)
            try:
                tips_customer.tip_redirect(tip_token)
            except Exception as error:
                from chalicelib.errors import DomainError

                if isinstance(error, DomainError):
                    return
                raise
            if self.draw.random() < 0.8:
                self.pay(agent, ticket_id)

    def pay(self, agent: _Agent, ticket_id: str) -> None:
        from chalicelib.tips import webhooks
        from chalicelib.tips.customer import amounts_offered

        offered = amounts_offered(self.company) or (5,)
        weights = (48, 35, 8, 5, 4)[: len(offered)]  # the survey's shares
        amount = self.draw.choices(offered, weights=weights)[0]
        sign_partner_event(
            webhooks,
            "tip.paid",
            {
                "tip_id": f"tp_{secrets.token_hex(8)}",
                "company_external_id": self.company.company_id,
                "employee_external_id": agent.employee_id,
                "amount": f"{amount}.00",
                "currency": self.company.currency,
                "reference": webhooks.sign_reference(self.company.company_id, ticket_id, agent.employee_id),
                "paid_at": iso(utcnow()),
            },
        )


def sign_partner_event(webhooks: Any, event_type: str, data: dict[str, Any]) -> Any:
    """Deliver a partner event to the webhook handler as the partner would (signed with the local secret)."""
    from standardwebhooks.webhooks import Webhook

    from chalicelib.tips.config import get_tip_config

    now = utcnow()
    webhook_id = f"msg_{secrets.token_hex(12)}"
    payload = json.dumps({"type": event_type, "timestamp": now.isoformat(), "data": data})
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(get_tip_config().webhook_secrets[0]).sign(webhook_id, now, payload),
    }
    return webhooks.receive(headers, payload.encode(), now)


def _customers(plan: Plan, draw: random.Random) -> list[_Customer]:
    first = ("Ann", "Bob", "Cid", "Dora", "Eve", "Finn", "Gus", "Hana", "Ivan", "Jana", "Karl", "Lena", "Mark", "Nina",
             "Olga", "Petr", "Rita", "Sam", "Tom", "Uma", "Vera", "Walt", "Yana", "Zoe")  # fmt: skip
    found = []
    for n in range(plan.customers):
        name = f"{draw.choice(first)} {chr(65 + n % 26)}."
        temperament = draw.choices((1, 2, 3, 4, 5), weights=(8, 12, 40, 25, 15))[0]
        literacy = draw.choices((1, 2, 3, 4, 5), weights=(5, 15, 40, 25, 15))[0]
        locale = "ru" if draw.random() < 0.25 else "en"
        found.append(_Customer(name, f"customer{n:03d}.{plan.seed}@demo.test", literacy, temperament, locale))
    return found


def seed_month(
    *,
    name: str,
    manager_email: str,
    drain: Callable[[], None],
    enable_tips: Callable[[Seeded, list[str]], None] | None = None,
    timezone: str = "Europe/Vilnius",
    currency: str = "EUR",
    plan: Plan | None = None,
    end: date | None = None,
) -> Seeded:
    """A company with a month of work ending yesterday (its calendar), through the domain services."""
    from chalicelib import auth, companies, employees
    from chalicelib.db.models import Employee

    plan = plan or Plan()
    zone = ZoneInfo(timezone)
    last = end or (datetime.now(zone).date() - timedelta(days=1))
    first = last - timedelta(days=plan.days - 1)
    start = datetime.combine(first, time.min, zone) - timedelta(days=1)
    with travelling(start) as travel:
        signup = companies.sign_up(
            companies.SignUp(name=name, manager_name="Mia Manager", manager_email=manager_email, timezone=timezone,
                             currency=currency)
        )  # fmt: skip
        company = signup.company
        manager = auth.Principal(company.company_id, signup.manager.employee_id, auth.MANAGER, timezone)
        companies.update_settings(
            company.company_id,
            companies.SettingsPatch.model_validate({"business_hours": WORKWEEK, "sla_target_minutes": 60}),
        )
        seeded = Seeded(
            company.company_id, company.intake_key, signup.manager.employee_id, manager_email, signup.token, {}, first,
            last,
        )  # fmt: skip
        for agent_name, tier, departments, _quality in AGENTS:
            email = f"{agent_name.split()[0].lower()}.{company.company_id[-6:]}@demo.test"
            request = employees.NewEmployee(
                name=agent_name, email=email, tier=cast(Any, tier), departments=list(departments)
            )
            employee, token = employees.create(manager, request)
            Employee(company.company_id, employee.employee_id).update(actions=[Employee.joined_at.set(utcnow())])
            seeded.agents[agent_name] = (employee.employee_id, token)
        if enable_tips is not None:
            enable_tips(seeded, [employee_id for employee_id, _ in seeded.agents.values()])
        company = companies.get(company.company_id)
        world = _World(seeded, company, plan, travel, drain)
        world.customers = _customers(plan, world.draw)
        for agent_name, tier, departments, quality in AGENTS:
            employee_id = seeded.agents[agent_name][0]
            principal = auth.Principal(company.company_id, employee_id, auth.AGENT, timezone, tier, departments)
            world.agents.append(_Agent(agent_name, employee_id, principal, quality, tier))
        for n in range(plan.days):
            world.plan_day(first + timedelta(days=n))
        world.run(datetime.combine(last + timedelta(days=1), time.min, zone) - timedelta(minutes=1))
        for agent in world.agents:
            if agent.online:
                world.go(agent, "offline")
    drain()
    seeded.tip_link = _recent_tip_link(seeded)
    return seeded


def _recent_tip_link(seeded: Seeded) -> str | None:
    """A tip link (valid from now) of the newest ticket closed on confirmation whose agent takes tips."""
    from chalicelib import links
    from chalicelib.db.models import Ticket
    from chalicelib.tips.message import TIP, rated_employee

    for ticket in Ticket.by_company.query(seeded.company_id, scan_index_forward=False, limit=200):
        employee_id = rated_employee(ticket)
        if ticket.status == "closed" and ticket.close_reason == "confirmed" and employee_id:
            claims = links.LinkClaims(seeded.company_id, ticket.ticket_id, employee_id)
            return f"/tip/{links.sign(TIP, claims, timedelta(days=1))}"
    return None


def sandbox_tips(partner_wait: Callable[[Callable[[], bool]], None]) -> Callable[[Seeded, list[str]], None]:
    """Tips through the local partner sandbox: the company and each agent opt in; the sandbox verifies and
    links them by itself (its webhooks arrive over HTTP) and `partner_wait` waits for that."""

    def enable(seeded: Seeded, employee_ids: list[str]) -> None:
        from chalicelib import auth
        from chalicelib.tips import accounts

        manager = auth.Principal(seeded.company_id, seeded.manager_id, auth.MANAGER)
        accounts.opt_in_company(manager)
        partner_wait(lambda: _state(accounts.company_account(seeded.company_id)) == "verified")
        for employee_id in employee_ids:
            accounts.opt_in_employee(manager, employee_id)
        partner_wait(lambda: all(_linked(seeded.company_id, e) for e in employee_ids))

    return enable


def _state(account: Any) -> str | None:
    return None if account is None else str(account.state)


def _linked(company_id: str, employee_id: str) -> bool:
    from chalicelib.tips import accounts

    account = accounts.employee_account(company_id, employee_id)
    return account is not None and account.state == "linked"
