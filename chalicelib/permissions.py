"""What each Lambda function's code does on AWS: the one declaration its IAM policy is made from.

`make policies` writes policies/<function>.json from this map (deploy/policies.py), adding what the
wiring implies: reading the stream a handler subscribes to, sending failed batches to its failure
queue, writing its own log group. Tests check that every function of app.py is declared here, that
every table of the catalog is, that the committed policies and the packaged template match this map,
and (tests/support/aws_audit.py) that every AWS call a function makes in the test suite is allowed.

Resources are table short names from chalicelib/db/catalog.py, or "<table>/index/<index>" for a
query on an index. Actions are DynamoDB's item actions; a transaction needs the action of each of
its items (Put -> PutItem, Update -> UpdateItem, ...). `mail_bucket` names key prefixes of the mail
bucket (chalicelib/inbound/storage.py) and S3 object actions on them. Nothing here is read at run time.

Adding a function or a table: declare it here, run `make policies`, commit the policy files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

GET, PUT, UPDATE, DELETE, QUERY = "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"
BATCH_GET, BATCH_WRITE, CHECK = "BatchGetItem", "BatchWriteItem", "ConditionCheckItem"
S3_GET, S3_PUT = "GetObject", "PutObject"


@dataclass(frozen=True)
class Access:
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    send_mail: bool = False  # ses:SendRawEmail as the stage's MAIL_FROM identity
    secrets: tuple[str, ...] = ()  # variable names of chalicelib/secrets.py SECRETS
    mail_bucket: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "inbound/" -> ("GetObject",)


FUNCTIONS: dict[str, Access] = {
    # Every HTTP route (Chalice runs all routes in one function).
    "api_handler": Access(
        tables={
            "companies": (GET, PUT, UPDATE, BATCH_GET),
            "employees": (GET, PUT, UPDATE, QUERY, BATCH_GET),
            "api_tokens": (GET, PUT, DELETE, BATCH_GET),
            "api_tokens/index/by_employee": (QUERY,),
            "sessions": (GET, PUT, UPDATE, DELETE, BATCH_GET),
            "sessions/index/by_employee": (QUERY,),
            # UPDATE, CHECK: the customer's newest tickets, written with each ticket (chalicelib/customers)
            "customers": (GET, PUT, UPDATE, DELETE, BATCH_GET, CHECK),
            "tickets": (GET, PUT, UPDATE, BATCH_GET),
            "tickets/index/queue": (QUERY,),
            "tickets/index/by_customer": (QUERY,),
            "tickets/index/by_assignee": (QUERY,),
            "tickets/index/by_company": (QUERY,),
            "messages": (PUT, QUERY, BATCH_WRITE),
            "lifecycle": (QUERY,),
            "agent_days": (UPDATE, QUERY, BATCH_GET),
            "tip_accounts": (GET, PUT, UPDATE, QUERY, BATCH_GET),
            "tip_webhooks": (GET, PUT, BATCH_GET),
            "tips": (GET, PUT, UPDATE, BATCH_GET),
            "tips/index/by_company_paid": (QUERY,),
            "tips/index/by_employee": (QUERY,),
            "tips/index/by_ticket": (QUERY,),
            "ratings": (GET, PUT, UPDATE, BATCH_GET),
            "ratings/index/by_company_rated": (QUERY,),
            "tip_funnel": (GET, UPDATE, BATCH_GET),
            "customer_ratings": (GET, PUT, UPDATE, QUERY, BATCH_WRITE, BATCH_GET),
            "karma": (GET, DELETE, BATCH_GET),
            "badge_config": (GET, PUT, BATCH_GET),
            "badge_awards": (GET, PUT, QUERY),
            "badge_standings": (GET, PUT, QUERY, BATCH_GET),
            # the staff web app: sign-in links and invitations (mailed), their rate limits
            "employees/index/by_email": (QUERY,),
            "signin_links": (GET, PUT, UPDATE),
            "mail_suppressions": (GET, BATCH_GET, CHECK),  # read with what a route reads; checked by invitations
            "canned_replies": (GET, BATCH_GET, PUT, UPDATE, DELETE, QUERY),
            "search_terms": (QUERY,),
            "desk_pulse": (QUERY,),
            "mail_addresses": (GET, PUT, DELETE),  # the desk address (made at sign-up) and managers' own
            "mail_addresses/index/by_company": (QUERY,),
            "report_days": (QUERY, UPDATE),  # the manager's reports; ratings, tips and funnel marks counted
            "outbox": (PUT, UPDATE),  # PUT: the "my requests" mail, claimed in its request's transaction
            "outbox/index/failed_by_company": (QUERY,),
            "rate_limits": (UPDATE,),
            "link_uses": (PUT,),
        },
        send_mail=True,  # sign-in links and invitations; the "my requests" link, mailed while the customer waits
        secrets=("APP_SECRET", "TIP_PARTNER_API_KEY", "TIP_WEBHOOK_SECRETS"),
        mail_bucket={"attachments/": (S3_GET,)},  # presigned links to files of e-mailed messages
    ),
    # Customer-ratings stream: recompute the customer's karma.
    "update_karma": Access(tables={"companies": (GET,), "karma": (GET, PUT, DELETE), "customer_ratings": (QUERY,)}),
    # Tickets stream: lifecycle transitions and their hooks: the desk's search index and pulse
    # (chalicelib/desk/reactions.py), the customers' and agents' notifications (chalicelib/notify), the
    # reports' daily counters (chalicelib/reports/hooks.py: a marker and the counters in one transaction).
    "on_ticket_change": Access(
        tables={
            "lifecycle": (PUT,),  # tickets opened before timelines were kept in the thread
            "search_terms": (BATCH_WRITE,),
            "desk_pulse": (UPDATE,),
            "companies": (GET, UPDATE, BATCH_GET),  # UPDATE: an old company's inbound handle, once
            "customers": (BATCH_GET,),
            "employees": (BATCH_GET,),
            "messages": (BATCH_GET, PUT),  # PUT: a ticket's lifecycle events, in its thread (chalicelib/lifecycle)
            "outbox": (UPDATE,),
            "mail_addresses": (PUT,),  # with the inbound handle (chalicelib/notify reply_handle)
            "mail_suppressions": (GET,),
            "report_days": (PUT, UPDATE),
            "sessions/index/by_employee": (QUERY,),  # is the assignee at the desk (no "customer wrote" mail)
        },
        send_mail=True,
        secrets=("APP_SECRET",),
    ),
    # Tickets stream: the rating/tip message after a confirmed close.
    "send_tip_email": Access(
        tables={
            "companies": (GET, UPDATE, BATCH_GET),  # UPDATE: an old company's inbound handle, once
            "customers": (BATCH_GET,),
            "employees": (BATCH_GET,),
            "tip_accounts": (BATCH_GET,),
            "tip_funnel": (UPDATE,),
            "outbox": (UPDATE,),
            "mail_addresses": (PUT,),  # with the inbound handle (chalicelib/notify reply_handle)
            "mail_suppressions": (GET,),
            "report_days": (UPDATE,),  # the funnel's "sent", counted with the mark
        },
        send_mail=True,
        secrets=("APP_SECRET", "TELEGRAM_BOT_TOKEN"),
    ),
    "flag_sla_breaches": Access(tables={"tickets": (UPDATE,), "tickets/index/sla_watch": (QUERY,)}),
    "auto_close_resolved": Access(
        # BATCH_GET, customers: a listed ticket's entry in its customer's newest tickets (chalicelib/customers)
        tables={"tickets": (UPDATE, BATCH_GET), "tickets/index/auto_close": (QUERY,), "customers": (UPDATE,)}
    ),
    "award_badges": Access(
        tables={
            "companies/index/directory": (QUERY,),
            "employees": (QUERY,),
            "agent_days": (QUERY,),
            "badge_config": (GET,),
            "badge_awards": (GET, PUT, QUERY),
            "badge_standings": (GET, PUT, QUERY),
        },
        secrets=("APP_SECRET",),
    ),
    # Sends again the notifications (and rating messages) whose sends failed: chalicelib/outbox.
    "resend_notifications": Access(
        tables={
            "outbox": (UPDATE,),
            "mail_addresses": (PUT,),  # with the inbound handle (chalicelib/notify reply_handle)
            "outbox/index/due": (QUERY,),
            "tickets": (GET,),
            "companies": (GET, UPDATE, BATCH_GET),  # UPDATE: an old company's inbound handle, once
            "customers": (GET, BATCH_GET),
            "employees": (BATCH_GET,),
            "messages": (BATCH_GET,),
            "tip_accounts": (BATCH_GET,),
            "tip_funnel": (UPDATE,),
            "mail_suppressions": (GET,),
            "report_days": (UPDATE,),  # the funnel's figures, when a rating message is sent again
            "sessions/index/by_employee": (QUERY,),  # is the assignee at the desk (no "customer wrote" mail)
        },
        send_mail=True,
        secrets=("APP_SECRET", "TELEGRAM_BOT_TOKEN"),
    ),
    # Mail bucket event: an incoming e-mail becomes a ticket or a thread reply (chalicelib/inbound).
    "receive_mail": Access(
        tables={
            "mail_addresses": (BATCH_GET,),
            "companies": (BATCH_GET,),
            "mail_messages": (GET, PUT, BATCH_GET),
            "mail_senders": (UPDATE,),
            "customers": (GET, PUT, UPDATE, CHECK),  # UPDATE, CHECK: the customer's newest tickets
            "karma": (GET,),
            "tickets": (GET, PUT, UPDATE),
            "tickets/index/by_customer": (QUERY,),
            "messages": (PUT,),
        },
        secrets=("APP_SECRET",),
        mail_bucket={"inbound/": (S3_GET,), "attachments/": (S3_PUT,), "quarantine/": (S3_PUT,)},
    ),
    # SES bounce and complaint notifications (SNS): the suppression list.
    "mail_feedback": Access(tables={"mail_suppressions": (PUT,)}),
    "retry_tip_registrations": Access(
        tables={"companies": (GET,), "tip_accounts": (GET, UPDATE), "tip_accounts/index/retry": (QUERY,)},
        secrets=("TIP_PARTNER_API_KEY",),
    ),
}


def table_of(resource: str) -> str:
    """ "tickets/index/queue" -> "tickets"."""
    return resource.split("/", 1)[0]


def allows(function: str, action: str, resource: str) -> bool:
    """Whether `function` is declared to do `action` ("dynamodb:GetItem", "ses:SendRawEmail",
    "ssm:GetParameter", "s3:GetObject") on `resource` (a table or index key, "ses:identity",
    "ssm:<SECRET VARIABLE>", "s3:<key prefix of the mail bucket>")."""
    access = FUNCTIONS.get(function)
    if access is None:
        return False
    service, _, name = action.partition(":")
    if service == "dynamodb":
        return name in access.tables.get(resource, ())
    if service == "ses":
        return access.send_mail and name == "SendRawEmail"
    if service == "ssm":
        return name == "GetParameter" and resource.removeprefix("ssm:") in access.secrets
    if service == "s3":
        return name in access.mail_bucket.get(resource.removeprefix("s3:"), ())
    return False
