"""Tables of the tips capability. Every key starts with (or embeds) the company, except the webhook
receipts, which are keyed by the partner's webhook id and carry a TTL."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.db.base import index_meta, table_meta

COMPANY = "company"


def employee_subject(employee_id: str) -> str:
    return f"emp#{employee_id}"


class AccountRetryIndex(GlobalSecondaryIndex["TipAccount"]):
    """Sparse: registrations the partner has not acknowledged yet, by when to try again."""

    Meta = index_meta("retry", KeysOnlyProjection())
    retry_watch = UnicodeAttribute(hash_key=True)
    next_attempt_at = UTCDateTimeAttribute(range_key=True)


class TipAccount(Model):
    """A company's (subject "company") or an employee's (subject "emp#<id>") standing with the partner.

    Company states: disabled | pending_verification | verified | rejected.
    Employee states: disabled | pending_link | linked | unlinked.
    `registration` tracks the API call separately: pending | registered | retrying | failed.
    """

    Meta = table_meta("tip_accounts")

    company_id = UnicodeAttribute(hash_key=True)
    subject = UnicodeAttribute(range_key=True)
    state = UnicodeAttribute(default="disabled")
    reason = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)
    partner_ref = UnicodeAttribute(null=True)
    form_url = UnicodeAttribute(null=True)
    idempotency_key = UnicodeAttribute(null=True)  # derived from the account and its generation
    generation = NumberAttribute(default=0)  # bumped each time a registration starts afresh
    registration = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    retry_watch = UnicodeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()

    retry_index = AccountRetryIndex()


class WebhookReceipt(Model):
    """One partner webhook delivery, kept 7 days (partners retry for days): redeliveries do nothing."""

    Meta = table_meta("tip_webhooks")

    webhook_id = UnicodeAttribute(hash_key=True)
    event_type = UnicodeAttribute()
    outcome = UnicodeAttribute()  # applied | ignored
    company_id = UnicodeAttribute(null=True)
    received_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class TipByCompany(GlobalSecondaryIndex["Tip"]):
    Meta = index_meta("by_company_paid", AllProjection())
    company_id = UnicodeAttribute(hash_key=True)
    paid_at = UTCDateTimeAttribute(range_key=True)


class TipByEmployee(GlobalSecondaryIndex["Tip"]):
    Meta = index_meta("by_employee", AllProjection())
    employee_key = UnicodeAttribute(hash_key=True)  # company_id#employee_id
    paid_at = UTCDateTimeAttribute(range_key=True)


class TipByTicket(GlobalSecondaryIndex["Tip"]):
    Meta = index_meta("by_ticket", AllProjection())
    ticket_key = UnicodeAttribute(hash_key=True)  # company_id#ticket_id (only tips with a valid reference)
    paid_at = UTCDateTimeAttribute(range_key=True)


class Tip(Model):
    """A tip paid through the partner, keyed by the partner's payment id (a second event for it is a no-op)."""

    Meta = table_meta("tips")

    company_id = UnicodeAttribute(hash_key=True)
    tip_id = UnicodeAttribute(range_key=True)
    employee_id = UnicodeAttribute()
    employee_key = UnicodeAttribute()
    ticket_id = UnicodeAttribute(null=True)
    ticket_key = UnicodeAttribute(null=True)
    amount_minor = NumberAttribute()  # cents, kopecks...
    currency = UnicodeAttribute()
    paid_at = UTCDateTimeAttribute()
    refunded_at = UTCDateTimeAttribute(null=True)

    by_company = TipByCompany()
    by_employee = TipByEmployee()
    by_ticket = TipByTicket()


class RatingByCompany(GlobalSecondaryIndex["Rating"]):
    Meta = index_meta("by_company_rated", AllProjection())
    company_id = UnicodeAttribute(hash_key=True)
    rated_at = UTCDateTimeAttribute(range_key=True)


class Rating(Model):
    """The customer's 1-5 stars for the employee who handled a ticket: one per ticket."""

    Meta = table_meta("ratings")

    company_id = UnicodeAttribute(hash_key=True)
    ticket_id = UnicodeAttribute(range_key=True)
    employee_id = UnicodeAttribute()
    stars = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    rated_at = UTCDateTimeAttribute()
    voided_at = UTCDateTimeAttribute(null=True)
    voided_by = UnicodeAttribute(null=True)

    by_company = RatingByCompany()


class FunnelByClosed(GlobalSecondaryIndex["TicketFunnel"]):
    Meta = index_meta("by_company_closed", AllProjection())
    company_id = UnicodeAttribute(hash_key=True)
    closed_at = UTCDateTimeAttribute(range_key=True)


class TicketFunnel(Model):
    """One per ticket that entered the rating + tip funnel (closed on the customer's confirmation, or
    otherwise when the company sends the rating message for every close): the funnel's marks. Whether its
    message was sent is the outbox's business (chalicelib/outbox, key `<ticket>#rating`)."""

    Meta = table_meta("tip_funnel")

    company_id = UnicodeAttribute(hash_key=True)
    ticket_id = UnicodeAttribute(range_key=True)
    employee_id = UnicodeAttribute(null=True)
    closed_at = UTCDateTimeAttribute()
    channel = UnicodeAttribute(null=True)  # email | telegram: how the rating message went out
    sent_at = UTCDateTimeAttribute(null=True)
    opened_at = UTCDateTimeAttribute(null=True)
    rated_at = UTCDateTimeAttribute(null=True)
    tip_clicked_at = UTCDateTimeAttribute(null=True)
    tip_paid_at = UTCDateTimeAttribute(null=True)

    by_closed = FunnelByClosed()


class TipDay(Model):
    """Managers' tip figures of one company-local day, counted as things happen (chalicelib/tips/stats.py):
    the row says what it counts (`<day>#f` funnel, `<day>#e#<employee>` ratings,
    `<day>#t#<employee>#<currency>` tips)."""

    Meta = table_meta("tip_days")

    company_id = UnicodeAttribute(hash_key=True)
    row = UnicodeAttribute(range_key=True)
    day = UnicodeAttribute(null=True)
    employee_id = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    # funnel of the tickets closed that day
    closed = NumberAttribute(null=True)
    emailed = NumberAttribute(null=True)
    opened = NumberAttribute(null=True)
    rated = NumberAttribute(null=True)
    tip_clicked = NumberAttribute(null=True)
    tip_paid = NumberAttribute(null=True)
    # customers' ratings of an employee
    ratings = NumberAttribute(null=True)
    stars = NumberAttribute(null=True)
    # tips to an employee in one currency
    tips = NumberAttribute(null=True)
    refunded = NumberAttribute(null=True)
    amount_minor = NumberAttribute(null=True)
