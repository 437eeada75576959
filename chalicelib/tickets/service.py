"""The ticket lifecycle: intake, take, reply, transfer, tag, resolve, confirm, close.

Every change to a ticket is one DynamoDB transaction: the ticket (conditional on the revision
that was read), the message it adds and the agent's activity counters, so nothing is half-written.
A concurrent change makes the condition fail and the change is re-planned on fresh data.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib import activity, customers, links, ratelimit
from chalicelib.auth import Principal, company_attributes, company_of, employee_of, unread
from chalicelib.clock import utcnow
from chalicelib.companies import matches_intake_key, named_in_intake_key
from chalicelib.db import keys, paging, prefetch
from chalicelib.db.base import get_many, is_condition_failure, read_one, transaction
from chalicelib.db.models import Attachment, Company, Message, Ticket
from chalicelib.db.paging import PageOf
from chalicelib.employees import NOT_RECEIVING, staff
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.ids import MAX_LENGTH, new_id
from chalicelib.karma.models import Karma
from chalicelib.karma.policy import IntakeRoute
from chalicelib.karma.routing import UNREAD, intake_route
from chalicelib.routing import queue_key, take_next
from chalicelib.tickets import sla
from chalicelib.tickets.schemas import IntakeTicket, Reply, Tags, Transfer

OPEN_STATUSES = frozenset({"queued", "assigned", "resolved"})
# A confirmation this soon after the auto-close job closed the ticket still counts as the customer's
CONFIRM_AFTER_AUTO_CLOSE = timedelta(minutes=15)
SIMILAR_SUBJECT = 0.9  # difflib ratio above which two subjects are "near-identical"
_RE_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|ответ)\s*:\s*)+", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


# ---------------------------------------------------------------- helpers


def subject_key(subject: str) -> str:
    """Lower-case words only, reply prefixes dropped: 'Re: Printer  broken!' -> 'printer broken'."""
    return _NON_WORD.sub(" ", _RE_PREFIX.sub("", subject).lower()).strip()


def similar_subjects(a: str, b: str) -> bool:
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR_SUBJECT


def ticket_key(company_id: str, ticket_id: str) -> str:
    return keys.ticket(company_id, ticket_id)


def new_message(ticket: Ticket, author_type: str, author_id: str, visibility: str, body: str, now: datetime) -> Message:
    return Message(
        ticket_key(ticket.company_id, ticket.ticket_id),
        f"{now.isoformat(timespec='microseconds')}#{secrets.token_hex(4)}",
        company_id=ticket.company_id,
        author_type=author_type,
        author_id=author_id,
        visibility=visibility,
        body=body,
        created_at=now,
    )


def customer_link(ticket: Ticket, lifetime_days: int, now: datetime) -> str:
    return links.customer_ticket_link(ticket.company_id, ticket.ticket_id, lifetime_days, now)


class NoChange(Exception):
    """Raised by a plan when the ticket is already as asked: nothing is written."""


@dataclass
class Change:
    """A planned change of one ticket: attribute sets/removals, plus what else the transaction writes."""

    sets: dict[str, Any] = field(default_factory=dict)
    removes: list[str] = field(default_factory=list)
    add_tags: set[str] = field(default_factory=set)
    message: Message | None = None
    counts_message: bool = False
    # activity counters per (agent-day key, employee id)
    counters: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    distinct: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    extremes: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    records: list[Model] = field(default_factory=list)  # written in the same transaction, each only if new
    charges: list[ratelimit.Charge] = field(default_factory=list)  # rate-limit counters, the transaction's first

    def count(self, who: tuple[str, str], **counters: float) -> None:
        bucket = self.counters.setdefault(who, {})
        for name, amount in counters.items():
            bucket[name] = bucket.get(name, 0) + amount


def _apply(
    ticket: Ticket, change: Change, now: datetime, days: dict[tuple[str, str], activity.AgentDay | None] | None = None
) -> Ticket:
    """Write the change in one transaction and mirror it on the local object. `days`: agent-day items
    read with the ticket; the day's extremes they hold lower are raised in the same transaction (on the
    condition that they still hold what was read), the others by a conditional write after it."""
    days = days or {}
    if change.message is not None and change.message.visibility == "public":  # notifications find it here
        message = change.message
        change.sets.update(
            last_public_key=message.message_id, last_public_author=message.author_type, last_public_by=message.author_id
        )
    actions: list[Any] = [Ticket.revision.add(1), Ticket.updated_at.set(now)]
    actions += [getattr(Ticket, name).set(value) for name, value in change.sets.items() if value is not None]
    # an attribute set to nothing is removed (not stored as NULL): "no department" is one shape only
    removes = [*change.removes, *(name for name, value in change.sets.items() if value is None)]
    actions += [getattr(Ticket, name).remove() for name in dict.fromkeys(removes)]
    if change.add_tags:
        actions.append(Ticket.tags.add(change.add_tags))
    if change.counts_message:
        actions.append(Ticket.message_count.add(1))
    with transaction() as tx:
        ratelimit.add_to(tx, change.charges)
        tx.update(ticket, actions=actions, condition=Ticket.revision == ticket.revision)
        if change.sets.get("status") not in (None, ticket.status):
            customers.status_changed(tx, ticket, change.sets["status"])
        if change.message is not None:
            tx.save(change.message, condition=Message.message_id.does_not_exist())
        for who in {**change.counters, **{w: {} for w in change.extremes if w in days}}:
            day_actions = activity.counter_actions(change.counters.get(who), change.distinct.get(who))
            raised, still = (
                activity.raise_actions(days[who], change.extremes.get(who, {})) if who in days else ([], None)
            )
            if day_actions or raised:
                tx.update(activity.AgentDay(*who), actions=[*day_actions, *raised], condition=still)
        for record in change.records:
            tx.save(record, condition=type(record)._hash_key_attribute().does_not_exist())
    for (day_key, employee_id), extremes in change.extremes.items():
        for name, value in extremes.items() if (day_key, employee_id) not in days else ():
            activity.raise_extreme(day_key, employee_id, name, value)
    ticket.revision = int(ticket.revision) + 1
    ticket.updated_at = now
    for name, value in change.sets.items():
        setattr(ticket, name, value)
    for name in change.removes:
        setattr(ticket, name, None)
    ticket.tags = set(ticket.tags or set()) | change.add_tags
    if change.counts_message:
        ticket.message_count = int(ticket.message_count or 0) + 1
    return ticket


def _mutate(
    company_id: str,
    ticket_id: str,
    plan: Callable[[Ticket, datetime], Change],
    read: Ticket | None = None,
    day: tuple[str, str] | None = None,
) -> Ticket:
    """Plan on fresh data and write; re-plan if another writer got in between.

    `read` is a copy the caller already has (e.g. from an index); if it is stale the write's
    revision condition fails and the ticket is read again. `day`: the agent-day item (key, employee)
    the change may raise an extreme of, read with the ticket in one BatchGetItem, so the extreme is
    written in the change's own transaction."""
    for _attempt in range(4):
        days: dict[tuple[str, str], activity.AgentDay | None] = {}
        if read is not None:
            ticket = read
        elif day is not None and len(ticket_id) <= MAX_LENGTH:
            wanted = [(Ticket, company_id, ticket_id), (activity.AgentDay, *day)]
            found, days[day] = get_many(wanted, True, {activity.AgentDay: activity.EXTREMES})  # only its extremes
            if found is None:
                raise NotFound("Ticket")
            ticket = found
        else:
            ticket = load(company_id, ticket_id)
        read = None
        now = utcnow()
        try:
            change = plan(ticket, now)
        except NoChange:
            return ticket
        try:
            return _apply(ticket, change, now, days)
        except TransactWriteError as error:
            refused = ratelimit.refusal(error, change.charges)
            if refused is not None:
                raise refused from None
            if not is_condition_failure(error):
                raise
    raise Conflict("The ticket kept changing while this was saved; try again.", "concurrent-change")


def load(company_id: str, ticket_id: str) -> Ticket:
    if not ticket_id or len(ticket_id) > MAX_LENGTH:
        raise NotFound("Ticket")
    ticket = read_one(Ticket, company_id, ticket_id)
    if ticket is None:
        raise NotFound("Ticket")
    return ticket


def path_ticket(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    """The ticket a route's path names, read with the credential (`@route(reads=path_ticket)`); an id no
    ticket can have is left to `load` to refuse."""
    return prefetch.path_item(Ticket, company_id, params, "ticket_id")


def _day(principal: Principal, company_id: str, employee_id: str, now: datetime | None = None) -> tuple[str, str]:
    """The activity item (agent-day key, employee id) an action at `now` is counted on."""
    return activity.key_for(company_id, principal.timezone, now or utcnow()), employee_id


def _own_day(principal: Principal) -> tuple[str, str]:
    """The caller's agent-day item today."""
    return _day(principal, principal.company_id, principal.employee_id)


def _require_handler(principal: Principal, ticket: Ticket) -> None:
    """Public replies, transfers and resolving belong to the ticket's assignee (or a manager)."""
    if principal.is_manager or ticket.assignee_id == principal.employee_id:
        return
    if ticket.assignee_id is None:
        raise Conflict("Take the ticket first.", "not-assigned")
    raise Forbidden("This ticket is assigned to someone else.")


def _require_open(ticket: Ticket) -> None:
    if ticket.status == "closed":
        raise Conflict("The ticket is closed.", "ticket-closed")


# ---------------------------------------------------------------- intake


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    merged: bool
    link: str


def open_ticket(intake_key: str, request: IntakeTicket) -> IntakeResult:
    """A customer opens a ticket; a near-identical open one gets the text as a new message instead.

    The intake key names the company, so the company, the customer and their karma are read in one
    BatchGetItem; then the customer's recent tickets (known customers only) and the write: three
    requests at most."""
    company, customer, karma = read_for_intake(intake_key, request.customer_email)
    return open_ticket_for(company, request, read=(customer, karma))


def read_for_intake(intake_key: str, email: str) -> tuple[Company, customers.Customer | None, Karma | None]:
    """The intake key's company (NotFound for a key it does not match), the customer with this address
    and their karma item (None where there is none), in one BatchGetItem."""
    company_id = named_in_intake_key(intake_key)
    if company_id is None:
        raise NotFound("Company")
    customer_id = customers.customer_id_for(company_id, email)
    parts = ("settings", "staff")  # the staff directory says whether the second line is on duty
    company, customer, karma = get_many(
        [(Company, company_id, None), (customers.Customer, company_id, customer_id), (Karma, company_id, customer_id)],
        attributes={Company: company_attributes(parts)},
    )
    if company is not None:
        unread(company, parts)
    return matches_intake_key(company, intake_key), customer, karma


@dataclass(frozen=True)
class FromMail:
    """What a customer message that came by e-mail adds to the change it makes (chalicelib/inbound):
    records written in the same transaction (each only if new, so a redelivered mail writes nothing),
    the sender and the files on the thread message, and a check run before every attempt."""

    already_done: Callable[[], bool]
    records: Callable[[Ticket, Message], list[Model]] = lambda ticket, message: []
    sender_email: str | None = None
    author_id: str | None = None  # the writer, when not the ticket's customer (someone in copy)
    attachments: tuple[dict[str, Any], ...] = ()

    def dress(self, message: Message) -> Message:
        message.sender_email = self.sender_email
        if self.attachments:
            message.attachments = [Attachment(**a) for a in self.attachments]
        return message


def open_ticket_for(
    company: Company,
    request: IntakeTicket,
    mail: FromMail | None = None,
    read: tuple[customers.Customer | None, Karma | None] | None = None,
    charges: Sequence[ratelimit.Charge] = (),
    merge: bool = True,
) -> IntakeResult:
    """`open_ticket` for a company already known (e-mail finds it by address, not by intake key).
    `read`: the customer and their karma item as the caller read them (None where there is none).
    `charges`: rate-limit counters written in the ticket's (or the message's) own transaction;
    RateLimited, and nothing written, when one of them is full. `merge=False`: always a new ticket, never
    added to the customer's open one (mail whose From SES found forged)."""
    now = utcnow()
    who = {"name": request.customer_name, "email": request.customer_email, "locale": _locale(company, request)}
    if read is None:
        customer, is_new = customers.find_or_new(
            company.company_id, **who, telegram_chat_id=request.telegram_chat_id, now=now
        )
        karma = UNREAD
    else:
        found, karma = read
        customer = found or customers.new(company.company_id, **who, telegram_chat_id=request.telegram_chat_id, now=now)
        is_new = found is None
    key = subject_key(request.subject)
    older = [] if is_new or not merge else _newest_of(company.company_id, customer.customer_id)
    existing = _open_ticket_like(older, key)
    if existing is not None:
        # by the intake or the web form, the customer is told it was added (not when it came by e-mail)
        ticket = _add_customer_message(
            company.company_id,
            existing.ticket_id,
            request.body,
            existing,
            mail,
            via_intake=mail is None,
            charges=charges,
        )
        return IntakeResult(ticket, True, customer_link(ticket, int(company.settings.link_ttl_days), now))
    route = intake_route(company, customer.customer_id, is_new, request.department, request.skip_first_line, now, karma)
    ticket = _new_ticket(company, customer.customer_id, request, key, now, route)
    # the customer's newest tickets, as the ticket page lists them (chalicelib/customers `recent`)
    has_list = not is_new and customer.recent_tickets is not None
    started = customers.started_list(older, ticket) if merge and not is_new and not has_list else None
    ticket.listed = True if is_new or has_list or started is not None else None
    try:
        with transaction() as tx:
            ratelimit.add_to(tx, charges)
            if is_new:  # a parallel first intake of the same customer makes this fail; then retry once
                customer.recent_tickets = {ticket.ticket_id: customers.recent_entry(ticket)}
                tx.save(customer, condition=customers.Customer.customer_id.does_not_exist())
            elif has_list:  # (not a customer erased meanwhile: then they are new again)
                tx.update(
                    customer,
                    actions=customers.opened_actions(customer, ticket),
                    condition=customers.Customer.customer_id.exists(),
                )
            elif started is not None:  # from the index's answer read above, if no other intake started it
                tx.update(
                    customer,
                    actions=[customers.Customer.recent_tickets.set(started)],
                    condition=customers.Customer.recent_tickets.does_not_exist(),
                )
            else:  # not listed yet: nor may a list be started meanwhile without this ticket
                tx.condition_check(
                    customers.Customer,
                    customer.company_id,
                    customer.customer_id,
                    condition=customers.Customer.recent_tickets.does_not_exist(),
                )
            message = new_message(ticket, "customer", customer.customer_id, "public", request.body, now)
            ticket.last_public_key = ticket.last_intake_key = message.message_id
            ticket.last_public_author, ticket.last_public_by = "customer", customer.customer_id
            tx.save(ticket, condition=Ticket.ticket_id.does_not_exist())
            tx.save(mail.dress(message) if mail else message)
            for record in mail.records(ticket, message) if mail else ():
                tx.save(record, condition=type(record)._hash_key_attribute().does_not_exist())
    except TransactWriteError as error:
        refused = ratelimit.refusal(error, charges)
        if refused is not None:
            raise refused from None
        if not is_condition_failure(error):
            raise
        # a parallel first intake of the same customer, or a list of their tickets started meanwhile
        return open_ticket_for(company, request, mail, charges=charges, merge=merge)
    return IntakeResult(ticket, False, customer_link(ticket, int(company.settings.link_ttl_days), now))


def _locale(company: Company, request: IntakeTicket) -> str:
    """The customer's language: the one the intake names, else the company's."""
    if "locale" in request.model_fields_set:
        return request.locale
    return company.settings.locale or request.locale


def _newest_of(company_id: str, customer_id: str) -> list[Ticket]:
    """The customer's 25 newest tickets, newest first."""
    return list(
        Ticket.by_customer.query(customers.customer_key(company_id, customer_id), scan_index_forward=False, limit=25)
    )


def _open_ticket_like(recent: list[Ticket], key: str) -> Ticket | None:
    for ticket in recent:
        if ticket.status in OPEN_STATUSES and similar_subjects(ticket.subject_key, key):
            return ticket
    return None


def _new_ticket(
    company: Company, customer_id: str, request: IntakeTicket, key: str, now: datetime, route: IntakeRoute
) -> Ticket:
    settings = company.settings
    tier = route.tier
    target_at, limit_at = sla.due_times(company, now)
    return Ticket(
        company.company_id,
        new_id("tkt"),
        customer_id=customer_id,
        customer_key=customers.customer_key(company.company_id, customer_id),
        subject=request.subject,
        subject_key=key,
        channel=request.channel,
        department=route.department,
        tier=tier,
        status="queued",
        routing_reason=route.reason,
        routing_class=route.routing_class,
        queue_key=queue_key(company.company_id, tier, route.department),
        created_at=now,
        updated_at=now,
        sla_target_at=target_at,
        sla_limit_at=limit_at,
        sla_watch=sla.WATCHING,
        sla_check_at=target_at,
        auto_close_days=int(settings.auto_close_days),
        message_count=1,
        locale=_locale(company, request),
        tags=set(),
        revision=0,
        timeline_in_thread=True,  # its lifecycle events go to its thread's partition (chalicelib/lifecycle)
    )


# ---------------------------------------------------------------- agents


def take(principal: Principal) -> Ticket | None:
    """The next ticket for the caller: with the employee and the company read at authentication, a
    Query of the waiting tickets and the claim (three requests in all)."""
    employee = employee_of(principal)
    if employee.status in NOT_RECEIVING:
        raise Conflict(f"Your status is {employee.status}: go online to receive tickets.", "not-receiving")
    now = utcnow()
    day_key, _ = _day(principal, principal.company_id, principal.employee_id, now)
    return take_next(employee, day_key, now, company_of(principal, "staff", "loads"))


def get(principal: Principal, ticket_id: str) -> Ticket:
    return load(principal.company_id, ticket_id)


def list_tickets(
    principal: Principal, *, status: str | None, assignee: str | None, limit: int, cursor: str | None = None
) -> PageOf[Ticket]:
    """Newest first; a status filter reads a bounded number of tickets per page (db.paging)."""
    index: Any = Ticket.by_company
    hash_key = principal.company_id
    if assignee:
        assignee_id = principal.employee_id if assignee == "me" else assignee
        hash_key, index = keys.employee(principal.company_id, assignee_id), Ticket.by_assignee
    scope = f"tickets:{index.Meta.index_name}:{hash_key}"

    def run(start: dict[str, Any] | None, page_size: int) -> Any:
        return index.query(hash_key, scan_index_forward=False, last_evaluated_key=start, page_size=page_size)

    keep = None if status is None else (lambda ticket: ticket.status == status)
    return paging.page(scope, cursor, limit, run, keep)


def message_page(company_id: str, ticket_id: str, limit: int, cursor: str | None) -> PageOf[Message]:
    """The thread in order, notes included (agents' view)."""
    key = ticket_key(company_id, ticket_id)

    def run(start: dict[str, Any] | None, page_size: int) -> Any:
        return Message.query(key, ONLY_MESSAGES, scan_index_forward=True, last_evaluated_key=start, page_size=page_size)

    return paging.page(f"messages:{key}", cursor, limit, run)


# The thread's messages without the lifecycle events kept after them in its partition (chalicelib/lifecycle).
ONLY_MESSAGES = Message.message_id < keys.THREAD_EVENTS_FROM


def messages(company_id: str, ticket_id: str, *, public_only: bool) -> list[Message]:
    thread = Message.query(ticket_key(company_id, ticket_id), ONLY_MESSAGES, scan_index_forward=True)
    return [m for m in thread if not public_only or m.visibility == "public"]


def reply(principal: Principal, ticket_id: str, request: Reply) -> tuple[Ticket, Message]:
    holder: dict[str, Message] = {}

    def plan(ticket: Ticket, now: datetime) -> Change:
        _require_open(ticket)
        change = Change()
        who = _day(principal, ticket.company_id, principal.employee_id, now)
        change.message = new_message(ticket, "agent", principal.employee_id, request.visibility, request.body, now)
        holder["message"] = change.message
        if request.visibility == "internal":
            change.count(who, notes=1)
            return change
        _require_handler(principal, ticket)
        change.counts_message = True
        change.count(who, replies=1, reply_chars=len(request.body))
        change.extremes[who] = {"longest_reply": len(request.body)}
        if ticket.first_reply_at is None:
            waited = (now - ticket.created_at).total_seconds()
            change.sets.update(first_reply_at=now, first_reply_by=principal.employee_id)
            change.removes += ["sla_watch", "sla_check_at"]
            change.count(who, first_responses=1, first_response_seconds=round(waited))
            if ticket.channel == "chat":
                change.count(who, chat_first_responses=1, chat_first_response_seconds=round(waited))
        return change

    day = None if request.visibility == "internal" else _own_day(principal)
    ticket = _mutate(principal.company_id, ticket_id, plan, day=day)
    return ticket, holder["message"]


def transfer(principal: Principal, ticket_id: str, request: Transfer) -> Ticket:
    target: str | None = None
    if request.to_agent_id:  # the company's staff directory (read at authentication) says who may receive
        listed = staff.entries(company_of(principal, "staff")).get(request.to_agent_id)
        if listed is None:
            raise NotFound("Employee")
        if not listed.get("active") or listed.get("status") in NOT_RECEIVING:
            raise Conflict(f"{listed['name']} is not receiving tickets now ({listed['status']}).", "not-receiving")
        target = request.to_agent_id

    def plan(ticket: Ticket, now: datetime) -> Change:
        _require_open(ticket)
        if ticket.status == "resolved":
            raise Conflict("A resolved ticket cannot be transferred.", "ticket-resolved")
        if ticket.status == "assigned":
            _require_handler(principal, ticket)
        change = Change()
        who = _day(principal, ticket.company_id, principal.employee_id, now)
        change.count(who, transfers=1)
        change.distinct[who] = {"transferred_tickets": ticket.ticket_id}
        if target is not None:
            if target == ticket.assignee_id:
                raise Conflict("The ticket is already assigned to this agent.", "no-change")
            change.sets.update(
                status="assigned",
                assignee_id=target,
                assignee_key=keys.employee(ticket.company_id, target),
                taken_at=ticket.taken_at or now,
                routing_reason="transfer",
                transferred_at=now,  # the new assignee is told (chalicelib/notify)
                transferred_by=principal.employee_id,
            )
            change.removes.append("queue_key")
            return change
        fields = request.model_fields_set
        tier = request.tier if "tier" in fields and request.tier else int(ticket.tier)
        department = request.department if "department" in fields else ticket.department
        change.sets.update(
            status="queued",
            tier=tier,
            department=department,
            queue_key=queue_key(ticket.company_id, tier, department),
            routing_reason="transfer",
        )
        change.removes += ["assignee_id", "assignee_key"]
        return change

    return _mutate(principal.company_id, ticket_id, plan)


def tag(principal: Principal, ticket_id: str, request: Tags) -> Ticket:
    def plan(ticket: Ticket, now: datetime) -> Change:
        new_tags = set(request.tags) - set(ticket.tags or set())
        change = Change(add_tags=new_tags)
        if new_tags:
            who = _day(principal, ticket.company_id, principal.employee_id, now)
            change.count(who, tags_added=len(new_tags))
            change.distinct[who] = {"tagged_tickets": ticket.ticket_id}
        return change

    return _mutate(principal.company_id, ticket_id, plan)


def resolve(principal: Principal, ticket_id: str) -> Ticket:
    def plan(ticket: Ticket, now: datetime) -> Change:
        _require_open(ticket)
        if ticket.status != "assigned":
            raise Conflict(f"Only an assigned ticket can be resolved (it is {ticket.status}).", "bad-state")
        _require_handler(principal, ticket)
        change = Change()
        change.sets.update(
            status="resolved",
            resolved_at=now,
            resolved_by=principal.employee_id,
            auto_close_watch="resolved",
            auto_close_at=now + timedelta(days=int(ticket.auto_close_days or 3)),
        )
        change.removes += ["sla_watch", "sla_check_at"]
        assignee = ticket.assignee_id or principal.employee_id
        who = _day(principal, ticket.company_id, assignee, now)
        handled = (now - (ticket.taken_at or ticket.created_at)).total_seconds()
        change.count(who, resolutions=1, handled=1, handling_seconds=round(handled))
        change.distinct[who] = {"resolved_tickets": ticket.ticket_id}
        if ticket.channel == "chat":
            change.count(who, chats_handled=1)
            change.extremes[who] = {"chat_max_messages": int(ticket.message_count or 0)}
        return change

    # the day of the assignee, who is usually the caller (a manager resolving another's ticket: read after)
    return _mutate(
        principal.company_id, ticket_id, plan, day=_day(principal, principal.company_id, principal.employee_id)
    )


def log_call(principal: Principal, ticket_id: str, duration_seconds: int) -> Ticket:
    def plan(ticket: Ticket, now: datetime) -> Change:
        change = Change()
        who = _day(principal, ticket.company_id, principal.employee_id, now)
        change.count(who, calls=1, call_seconds=duration_seconds)
        change.extremes[who] = {"longest_call": duration_seconds}
        return change

    return _mutate(
        principal.company_id, ticket_id, plan, day=_day(principal, principal.company_id, principal.employee_id)
    )


# ---------------------------------------------------------------- customers (through their link)


def claims_for(token: str) -> links.LinkClaims:
    return links.verify(links.CUSTOMER_TICKET, token)


def customer_ticket(token: str) -> tuple[Ticket, list[Message]]:
    claims = claims_for(token)
    ticket = load(claims.company_id, claims.ticket_id)
    return ticket, messages(ticket.company_id, ticket.ticket_id, public_only=True)


def customer_ticket_page(company_id: str, ticket_id: str) -> tuple[Ticket, Company, list[Message]]:
    """What the customer's ticket page shows: the ticket and its company in one BatchGetItem, then the public
    thread (two requests)."""
    ticket, company = ticket_and_company(company_id, ticket_id)
    return ticket, company, messages(company_id, ticket_id, public_only=True)


def ticket_and_company(company_id: str, ticket_id: str) -> tuple[Ticket, Company]:
    from chalicelib.db.base import get_many

    if not ticket_id or len(ticket_id) > MAX_LENGTH:
        raise NotFound("Ticket")
    ticket, company = get_many([(Ticket, company_id, ticket_id), (Company, company_id, None)], consistent_read=True)
    if ticket is None or company is None:
        raise NotFound("Ticket")
    return ticket, company


def add_customer_message(
    company_id: str, ticket_id: str, body: str, mail: FromMail, read: Ticket | None = None
) -> Ticket:
    """A customer's message that came by e-mail, with the same rules as one through their link."""
    return _add_customer_message(company_id, ticket_id, body, read, mail)


def _add_customer_message(
    company_id: str,
    ticket_id: str,
    body: str,
    read: Ticket | None = None,
    mail: FromMail | None = None,
    *,
    via_intake: bool = False,
    charges: Sequence[ratelimit.Charge] = (),
) -> Ticket:
    attempts = 0

    def plan(ticket: Ticket, now: datetime) -> Change:
        nonlocal attempts
        attempts += 1
        if mail is not None and attempts > 1 and mail.already_done():  # a concurrent delivery won
            raise NoChange
        if ticket.status == "closed":
            raise Conflict("This ticket is closed; please open a new one.", "ticket-closed")
        change = Change(counts_message=True, charges=list(charges))
        author = (mail.author_id if mail else None) or ticket.customer_id
        change.message = new_message(ticket, "customer", author, "public", body, now)
        if mail is not None:
            mail.dress(change.message)
            change.records += mail.records(ticket, change.message)
        change.sets["customer_replied_at"] = now  # the desk's pulse tells the assignee
        if via_intake:  # the customer is told it was added to their open request (chalicelib/notify)
            change.sets["last_intake_key"] = change.message.message_id
        if ticket.status == "resolved":  # a customer reply reopens a resolved ticket
            change.removes += ["auto_close_watch", "auto_close_at", "resolved_at", "resolved_by"]
            if ticket.assignee_id:
                change.sets["status"] = "assigned"
            else:
                change.sets.update(
                    status="queued", queue_key=queue_key(company_id, int(ticket.tier), ticket.department)
                )
        return change

    return _mutate(company_id, ticket_id, plan, read)


def customer_reply(token: str, body: str) -> Ticket:
    claims = claims_for(token)
    return _add_customer_message(claims.company_id, claims.ticket_id, body)


def customer_confirm(token: str) -> Ticket:
    """The customer confirms the resolution; the ticket closes. Confirming twice changes nothing.

    A confirmation that meets the auto-close job wins whoever writes last: if the job closed the
    ticket after this request saw it resolved, or moments before the customer's click arrived, the
    close reason becomes `confirmed` (the close itself stands), so the rating e-mail goes out."""
    return customer_confirm_in_zone(token)[0]


def customer_confirm_in_zone(token: str) -> tuple[Ticket, str]:
    """`customer_confirm`, and the company's time zone read with the ticket in one BatchGetItem (the
    day the funnel counts the close on)."""
    claims = claims_for(token)
    if not claims.ticket_id or len(claims.ticket_id) > MAX_LENGTH:
        raise NotFound("Ticket")
    wanted = [(Ticket, claims.company_id, claims.ticket_id), (Company, claims.company_id, None)]
    read, company = get_many(wanted, True, {Company: ["timezone"]})
    if read is None:
        raise NotFound("Ticket")
    timezone = str(company.timezone) if company is not None else "UTC"
    arrived = utcnow()
    seen_resolved = False

    def plan(ticket: Ticket, now: datetime) -> Change:
        nonlocal seen_resolved
        if ticket.status == "closed":
            if ticket.close_reason == "auto" and (seen_resolved or _auto_closed_just_before(ticket, arrived)):
                return Change(sets={"close_reason": "confirmed"})
            raise NoChange
        if ticket.status != "resolved":
            raise Conflict("The ticket has not been resolved yet.", "bad-state")
        seen_resolved = True
        change = Change()
        change.sets.update(status="closed", closed_at=now, close_reason="confirmed")
        change.removes += ["auto_close_watch", "auto_close_at"]
        return change

    return _mutate(claims.company_id, claims.ticket_id, plan, read), timezone


def _auto_closed_just_before(ticket: Ticket, arrived: datetime) -> bool:
    """The customer pressed Confirm on a page that still showed the ticket resolved."""
    return ticket.closed_at is not None and arrived - ticket.closed_at <= CONFIRM_AFTER_AUTO_CLOSE
