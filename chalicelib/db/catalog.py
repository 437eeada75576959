"""Every table of the product, defined once: the local stack creates tables from this list and the
deploy template is generated from it."""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.activity import AgentDay
from chalicelib.badges.models import BadgeConfig, BadgeRecord, Standing
from chalicelib.canned import CannedReply
from chalicelib.db.models import ApiToken, Company, Customer, Employee, LifecycleEvent, Message, Ticket
from chalicelib.desk.pulse import PulseChannel
from chalicelib.inbound.models import MailAddress, ReceivedMail, SenderWindow
from chalicelib.karma.models import CustomerRating, Karma
from chalicelib.links.models import LinkUse
from chalicelib.mail import Suppression
from chalicelib.outbox.models import OutboxMessage
from chalicelib.ratelimit import RateCounter
from chalicelib.reports.models import ReportItem
from chalicelib.search import SearchTerm
from chalicelib.sessions.models import Session
from chalicelib.signin.models import SignInLink
from chalicelib.tips.models import Rating, TicketFunnel, Tip, TipAccount, WebhookReceipt

ALL_MODELS: tuple[type[Model], ...] = (
    Company,
    Employee,
    ApiToken,
    Session,
    Customer,
    Ticket,
    Message,
    LifecycleEvent,
    CustomerRating,
    Karma,
    AgentDay,
    TipAccount,
    WebhookReceipt,
    Tip,
    Rating,
    TicketFunnel,
    Suppression,
    OutboxMessage,
    RateCounter,
    LinkUse,
    BadgeConfig,
    BadgeRecord,
    Standing,
    SignInLink,
    CannedReply,
    SearchTerm,
    PulseChannel,
    MailAddress,
    ReceivedMail,
    SenderWindow,
    ReportItem,
)


def create_missing_tables() -> list[str]:
    """Create any table that does not exist yet (local stack and tests); returns the names created."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created
