"""The foundation's tables. Each model declares its indexes next to its attributes.

Tenancy by construction: every table a request touches is keyed by the company first (or by a
key that embeds it), so a lookup with the caller's company cannot reach another company's items.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.db.base import index_meta, table_meta


class CompanySettings(MapAttribute[str, object]):
    """Per-company settings a manager may change."""

    sla_target_minutes = NumberAttribute(default=120)
    sla_limit_minutes = NumberAttribute(default=24 * 60)
    auto_close_days = NumberAttribute(default=3)
    link_ttl_days = NumberAttribute(default=14)
    # customer karma (chalicelib.karma.policy.Thresholds)
    karma_half_life_days = NumberAttribute(default=90)
    karma_literate_min = NumberAttribute(default=3.5)
    karma_literate_min_ratings = NumberAttribute(default=3)
    karma_difficult_max = NumberAttribute(default=2.4)
    karma_calm_min = NumberAttribute(default=3.6)
    karma_temperament_min_ratings = NumberAttribute(default=2)
    # business hours (chalicelib/tickets/business_hours.py): {"mon": ["09:00-18:00"], ...}; absent: always open
    business_hours = MapAttribute[str, object](null=True)
    holidays = ListAttribute[str](null=True)  # ISO dates the desk is closed
    # tip amounts offered per currency, whole units ({"RUB": [70, 150, 300]}); a currency absent: its defaults
    tip_amounts = MapAttribute[str, object](null=True)
    locale = UnicodeAttribute(null=True)  # the company's language where nobody chose one (tickets, e-mails)
    # notifications: the rating + tip message also after closes the customer did not confirm (schedule, agent)
    rating_mail_for_unconfirmed = BooleanAttribute(default=True)
    # origins (https://shop.example) whose pages may call the JSON intake from a browser (CORS)
    cors_origins = ListAttribute[str](default=list)


# Every company carries `directory = DIRECTORY`, so jobs that visit every company (the daily badge
# job) find them with a Query on this index, never a Scan.
DIRECTORY = "companies"


class CompanyDirectory(GlobalSecondaryIndex["Company"]):
    Meta = index_meta("directory", IncludeProjection(["timezone"]))
    directory = UnicodeAttribute(hash_key=True)
    company_id = UnicodeAttribute(range_key=True)


class Company(Model):
    Meta = table_meta("companies")

    company_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    currency = UnicodeAttribute()
    intake_key = UnicodeAttribute()  # names the company: <company_id>.<random> (chalicelib/companies)
    settings = CompanySettings(default=CompanySettings)
    created_at = UTCDateTimeAttribute()
    directory = UnicodeAttribute(null=True)
    # E-mail in: the company's address is <inbound_handle>@<inbound domain> (chalicelib/inbound/addresses.py)
    inbound_handle = UnicodeAttribute(null=True)
    # The staff directory (chalicelib/employees/staff.py): employee id -> name, role, tier, departments,
    # status, active; and each employee's routing load over the last days. Both are read only by the
    # routes that use them (a route declares it; authentication reads the company with or without them).
    staff = MapAttribute[str, Any](default=dict)
    loads = MapAttribute[str, Any](default=dict)
    # What the agent's ticket page offers of the company's canned replies (chalicelib/canned): canned id ->
    # title, and the body while the bodies kept stay within a few KB; written in the same transaction as
    # each reply. None: a company from before, whose replies are not kept here yet (read by a Query).
    canned = MapAttribute[str, Any](null=True)
    canned_kept_bytes = NumberAttribute(null=True)  # UTF-8 bytes of the bodies kept; the writers' lock

    by_directory = CompanyDirectory()


class EmployeeByEmail(GlobalSecondaryIndex["Employee"]):
    """Sign-in by e-mail: which employees (of any company) have this address."""

    Meta = index_meta("by_email", AllProjection())
    email = UnicodeAttribute(hash_key=True)  # lower-case


class Employee(Model):
    Meta = table_meta("employees")

    company_id = UnicodeAttribute(hash_key=True)
    employee_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()  # agent | manager
    tier = NumberAttribute(default=1)  # 1 | 2
    departments = ListAttribute[str](default=list)  # plain strings
    status = UnicodeAttribute(default="offline")  # online | break | dnd | offline
    status_since = UTCDateTimeAttribute()
    active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    locale = UnicodeAttribute(null=True)  # the language the employee chose for their pages and e-mails
    # e-mail when a customer writes or a ticket is transferred to them (chalicelib/notify)
    email_notifications = BooleanAttribute(default=True)
    joined_at = UTCDateTimeAttribute(null=True)  # first sign-in (an invitation accepted)

    by_email = EmployeeByEmail()


class TokenByEmployee(GlobalSecondaryIndex["ApiToken"]):
    """An employee's tokens, listed and revoked by their public id (one Query, no read per token)."""

    Meta = index_meta("by_employee", IncludeProjection(["token_id", "created_at"]))
    employee_key = UnicodeAttribute(hash_key=True)  # company_id#employee_id


class ApiToken(Model):
    """An API token, stored only as its SHA-256 hash. Authentication reads it together with the employee
    and the company it names (chalicelib/auth), so nothing about the employee is copied here."""

    Meta = table_meta("api_tokens")

    token_hash = UnicodeAttribute(hash_key=True)
    token_id = UnicodeAttribute()  # public, for listing and revoking
    company_id = UnicodeAttribute()
    employee_id = UnicodeAttribute()
    employee_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    by_employee = TokenByEmployee()


class Customer(Model):
    """A customer of one company. The id is a keyed hash of the e-mail, so intake is race-free."""

    Meta = table_meta("customers")

    company_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    locale = UnicodeAttribute(default="en")
    telegram_chat_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The customer's newest tickets as the agent's ticket page lists them (chalicelib/customers `recent`):
    # ticket id -> subject, status, created_at; written in the transactions that open a ticket or change
    # its status. None: a customer from before, whose tickets are read by a Query of the index.
    recent_tickets = MapAttribute[str, Any](null=True)


class TicketQueueIndex(GlobalSecondaryIndex["Ticket"]):
    """Sparse: only waiting tickets carry `queue_key`; FIFO by creation time."""

    Meta = index_meta("queue", AllProjection())  # take-next needs no second read
    queue_key = UnicodeAttribute(hash_key=True)  # company_id#t<tier>#<department or ->
    created_at = UTCDateTimeAttribute(range_key=True)


class TicketSlaIndex(GlobalSecondaryIndex["Ticket"]):
    """Sparse: tickets still waiting for their first reply, by the next SLA deadline to check."""

    Meta = index_meta("sla_watch", IncludeProjection(["sla_limit_at"]))
    sla_watch = UnicodeAttribute(hash_key=True)
    sla_check_at = UTCDateTimeAttribute(range_key=True)


class TicketAutoCloseIndex(GlobalSecondaryIndex["Ticket"]):
    """Sparse: resolved tickets awaiting the customer's confirmation, by when they close anyway."""

    Meta = index_meta("auto_close", KeysOnlyProjection())
    auto_close_watch = UnicodeAttribute(hash_key=True)
    auto_close_at = UTCDateTimeAttribute(range_key=True)


class TicketByCustomerIndex(GlobalSecondaryIndex["Ticket"]):
    Meta = index_meta("by_customer", AllProjection())
    customer_key = UnicodeAttribute(hash_key=True)  # company_id#customer_id
    created_at = UTCDateTimeAttribute(range_key=True)


class TicketByAssigneeIndex(GlobalSecondaryIndex["Ticket"]):
    Meta = index_meta("by_assignee", AllProjection())
    assignee_key = UnicodeAttribute(hash_key=True)  # company_id#employee_id
    created_at = UTCDateTimeAttribute(range_key=True)


class TicketByCompanyIndex(GlobalSecondaryIndex["Ticket"]):
    Meta = index_meta("by_company", AllProjection())
    company_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Ticket(Model):
    Meta = table_meta("tickets", stream_view_type=STREAM_NEW_AND_OLD_IMAGE)

    company_id = UnicodeAttribute(hash_key=True)
    ticket_id = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
    customer_key = UnicodeAttribute()
    subject = UnicodeAttribute()
    subject_key = UnicodeAttribute()
    channel = UnicodeAttribute()
    department = UnicodeAttribute(null=True)
    tier = NumberAttribute(default=1)
    status = UnicodeAttribute()  # queued | assigned | resolved | closed
    routing_reason = UnicodeAttribute(default="fifo")
    routing_class = UnicodeAttribute(null=True)  # difficult | calm, from karma at intake (take-next order)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    assignee_id = UnicodeAttribute(null=True)
    assignee_key = UnicodeAttribute(null=True)
    queue_key = UnicodeAttribute(null=True)
    taken_at = UTCDateTimeAttribute(null=True)
    first_reply_at = UTCDateTimeAttribute(null=True)
    first_reply_by = UnicodeAttribute(null=True)
    sla_target_at = UTCDateTimeAttribute()
    sla_limit_at = UTCDateTimeAttribute()
    auto_close_days = NumberAttribute(default=3)  # the company's setting when the ticket was opened
    sla_flag = UnicodeAttribute(null=True)  # target_missed | breached, set by the SLA job
    sla_watch = UnicodeAttribute(null=True)
    sla_check_at = UTCDateTimeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    auto_close_watch = UnicodeAttribute(null=True)
    auto_close_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    close_reason = UnicodeAttribute(null=True)  # confirmed | auto
    tags = UnicodeSetAttribute(default=set)
    message_count = NumberAttribute(default=0)
    customer_replied_at = UTCDateTimeAttribute(null=True)  # the customer's latest message after the first
    locale = UnicodeAttribute(default="en")
    # What the notifications read from the stream's image (chalicelib/notify), written with the message:
    last_public_key = UnicodeAttribute(null=True)  # the newest public message's key
    last_public_author = UnicodeAttribute(null=True)  # customer | agent
    last_public_by = UnicodeAttribute(null=True)  # its author's id
    last_intake_key = UnicodeAttribute(null=True)  # the newest message that came through the intake
    transferred_at = UTCDateTimeAttribute(null=True)  # the last transfer to an agent, and by whom
    transferred_by = UnicodeAttribute(null=True)
    # Its entry is kept in its customer's `recent_tickets`: every status change writes it there too.
    listed = BooleanAttribute(null=True)
    # Its lifecycle events are kept in its thread (ThreadEvent), else in the lifecycle table (opened before).
    timeline_in_thread = BooleanAttribute(null=True)
    # Bumped by every change; writes that read-then-write are conditional on it (optimistic locking).
    revision = NumberAttribute(default=0)

    queue = TicketQueueIndex()
    sla_index = TicketSlaIndex()
    auto_close_index = TicketAutoCloseIndex()
    by_customer = TicketByCustomerIndex()
    by_assignee = TicketByAssigneeIndex()
    by_company = TicketByCompanyIndex()


class Attachment(MapAttribute[str, object]):
    """A file that came with an e-mail, stored in the mail bucket (shown as a short-lived link)."""

    key = UnicodeAttribute()  # S3 object key, never derived from the sender's file name
    name = UnicodeAttribute()  # the sanitised file name people see
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    inline = BooleanAttribute(default=False)  # an inline image of the message (Content-ID)
    content_id = UnicodeAttribute(null=True)
    withheld = UnicodeAttribute(null=True)  # why the file was not kept (too big, executable, ...)


class Message(Model):
    Meta = table_meta("messages")

    ticket_key = UnicodeAttribute(hash_key=True)  # company_id#ticket_id
    message_id = UnicodeAttribute(range_key=True)  # <created_at iso>#<random>: thread order
    company_id = UnicodeAttribute()
    author_type = UnicodeAttribute()  # customer | agent
    author_id = UnicodeAttribute()
    visibility = UnicodeAttribute()  # public | internal
    body = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # Messages that came by e-mail: the sender's address and the files that came with it.
    sender_email = UnicodeAttribute(null=True)
    attachments = ListAttribute(of=Attachment, null=True)


class TimelineEventFields(Model):
    """What a ticket's lifecycle transition records, wherever it is kept (ThreadEvent, LifecycleEvent); no
    table of its own."""

    company_id = UnicodeAttribute()
    transition = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute()
    actor_id = UnicodeAttribute(null=True)
    occurred_at = UTCDateTimeAttribute()


class ThreadEvent(TimelineEventFields):
    """A ticket's lifecycle transition kept in its thread's partition of the messages table (tickets opened
    with `timeline_in_thread`), so the ticket page reads the thread and the timeline in one Query; its sort
    key (keys.thread_event) sorts after every message and comes from the stream record, as LifecycleEvent's."""

    Meta = table_meta("messages")

    ticket_key = UnicodeAttribute(hash_key=True)  # company_id#ticket_id
    message_id = UnicodeAttribute(range_key=True)  # ~event#<occurred_at iso>#<sequence>#<transition>


class LifecycleEvent(TimelineEventFields):
    """A ticket's lifecycle transitions, written by the tickets stream handler (for tickets opened before
    timelines were kept in the thread: see ThreadEvent).

    The key is derived from the stream record, so a redelivered record overwrites itself.
    """

    Meta = table_meta("lifecycle")

    ticket_key = UnicodeAttribute(hash_key=True)  # company_id#ticket_id
    event_key = UnicodeAttribute(range_key=True)  # <occurred_at iso>#<transition>
