"""The monthly AWS bill of one company, from what the benchmarks measured.

A company of 10 agents with 3,000 tickets a month. What each ticket brings (routes, stream records,
e-mails) is listed in TICKET_MIX and MONTHLY_FIXED below, the assumptions in plain sight. Per route
and function, the request units and the log bytes come from bench/calls.py, a route's own time from
bench/apptime.py (a function's: its time outside the database in bench/calls.py); the cold import from
bench/coldstart.py. Free tiers are not counted.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TICKETS_PER_MONTH = 3000
AGENTS = 10
WORKDAYS = 22

# us-east-1 list prices (USD), as published on AWS's pricing pages; the date they were taken for.
PRICES_DATE = "2026-11-23 (us-east-1 list prices as last published to us; this machine cannot reach aws.amazon.com)"
PRICES = {
    "lambda_request": 0.20 / 1e6,  # per request
    "lambda_gb_second": 0.0000166667,  # x86; INIT is billed too since 2025-08-01
    "api_gateway_rest_request": 3.50 / 1e6,  # REST API, first 333 million
    "dynamodb_write_request_unit": 0.625 / 1e6,  # on-demand, since the 2024-11-01 price cut
    "dynamodb_read_request_unit": 0.125 / 1e6,
    "dynamodb_storage_gb_month": 0.25,
    "dynamodb_pitr_gb_month": 0.20,  # point-in-time recovery, on for every table (deploy/)
    "ses_email": 0.10 / 1000,  # per message sent from Lambda (outbound), no attachments
    "logs_ingested_gb": 0.50,
    "logs_stored_gb_month": 0.03,
    "custom_metric_month": 0.30,  # CloudWatch, first 10,000 metrics
    # E-mail in (list prices taken for 2026-11-30, us-east-1, as last published to us):
    "ses_receive_mail": 0.10 / 1000,  # per message received
    "ses_receive_chunk": 0.09 / 1000,  # per 256 KB chunk of a received message
    "s3_put_request": 0.005 / 1000,  # S3 Standard PUT/COPY/POST/LIST
    "s3_get_request": 0.0004 / 1000,  # S3 Standard GET
    "s3_storage_gb_month": 0.023,  # S3 Standard, first 50 TB
}
DATABASE_LATENCY_MS = 8.0  # one in-region DynamoDB request from Lambda, p50 (moto's time is not used)
PLATFORM_LOG_BYTES = 350  # START, END and REPORT lines Lambda writes per invocation
EMF_LOG_BYTES = 550  # one metrics line, on invocations that count something
COLD_SHARE = {"route": 0.05, "stream": 0.2, "schedule": 0.5, "event": 0.3}  # invocations that start a new container
# chalicelib/observability.py: only TipRegistrationErrors (alarmed, deploy/alarms.py), one dimension set. It is
# published only in a month a registration breaks (CloudWatch bills a metric for the hours it is published),
# counted here as if every month.
CUSTOM_METRICS = 1
# Invocations that print an EMF line in normal work: none (retry_tip_registrations prints one only on a failure).
COUNTING_FUNCTIONS: tuple[str, ...] = ()
STORED_KB_PER_TICKET = 8.0  # ticket, messages, timeline, funnel, ratings (a year's tickets are kept)
MEMORY_MB = {"api_handler": 512, "award_badges": 512}  # .chalice/config.json; the rest 256

# Invocations per ticket, by route or function (bench/calls.py names).
TICKET_MIX: dict[str, float] = {
    "POST /intake/{intake_key}/tickets": 0.7,  # with the web form's 0.5: one in five customers writes again
    "POST /tickets/next": 1.3,
    "GET /tickets/{ticket_id}": 4,
    "GET /tickets": 2,
    "POST /tickets/{ticket_id}/messages": 3,
    "POST /tickets/{ticket_id}/tags": 0.5,
    "POST /tickets/{ticket_id}/transfer": 0.3,
    "POST /tickets/{ticket_id}/calls": 0.1,
    "POST /tickets/{ticket_id}/resolve": 1,
    "POST /tickets/{ticket_id}/customer-rating": 0.5,
    "GET /tickets/{ticket_id}/timeline": 0.3,
    "GET /customer/tickets/{link}": 3,
    "POST /customer/tickets/{link}/messages": 1,
    "POST /customer/tickets/{link}/confirm": 0.1,  # integrations; people confirm on the e-mail's page
    "GET /c/{link}/confirm": 1.3,  # the resolved e-mail's button: scanners pre-click, then the stars
    "POST /c/{link}/confirm": 0.6,
    "GET /f/{intake_key}": 0.6,  # the company's web form, half of the intake
    "POST /f/{intake_key}": 0.5,
    "GET /rate/{link}": 0.8,  # scanners pre-open links too
    "POST /rate/{link}/opened": 0.4,
    "POST /rate/{link}": 0.2,
    "GET /tip/{link}": 0.1,
    "POST /tips/webhooks/partner": 0.05,
    # streams: at this traffic every record is its own invocation; both tickets-stream functions see each
    "on_ticket_change": 8,  # with the notifications of the records below, in its lifecycle hooks
    "send_tip_email": 8,
    "update_karma": 0.5,
    "receive_mail": 1.0,  # see INBOUND_MAILS_PER_TICKET
}
MONTHLY_FIXED: dict[str, float] = {
    "flag_sla_breaches": 30 * 24 * 12,
    "resend_notifications": 30 * 24 * 12,
    "retry_tip_registrations": 30 * 24 * 12,
    "auto_close_resolved": 30 * 24,
    "award_badges": 30 * 24,
    "PUT /me/status": AGENTS * WORKDAYS * 6,
    "GET /leaderboard": AGENTS * WORKDAYS,
    "GET /tips/summary": 4 * WORKDAYS,
    "GET /tips/status": WORKDAYS,
}
AT_THE_DESK_SHARE = 0.5  # customers' messages that find their assignee at the desk (no mail)
# E-mails per ticket (chalicelib/notify, chalicelib/tips/message.py): what each step sends, at the mix above.
EMAILS: dict[str, float] = {
    "received": 1.0,  # every new ticket
    "merged (added to the open request)": 0.2,
    "agent's public reply": 2.0,  # of the 3 agent messages, 2 are public; internal notes are never sent
    "resolved (is your problem solved?)": 1.0,
    "rating + tip": 1.0,  # every close enters the funnel (rating_mail_for_unconfirmed, default yes)
    # the customer writes 1.2 times a ticket; the mail goes only to an assignee away from the desk
    # (chalicelib/notify/compose.py at_the_desk). Assumed: half the customers' messages arrive while the
    # assignee is online with the desk open (agents work 8 of the 24 hours, customers write most in them).
    "to the assignee: the customer wrote (away from the desk)": 1.2 * (1 - AT_THE_DESK_SHARE),
    "to the assignee: transferred to them": 0.1,
    "portal link (my requests)": 0.05,
}
EMAILS_PER_TICKET = sum(EMAILS.values())
# E-mail in: half the tickets open by e-mail and their customers answer once by e-mail.
INBOUND_MAILS_PER_TICKET = 1.0
INBOUND_MAIL = {
    "kb_plain": 40,  # a message without files (headers, text and HTML alternatives)
    "share_with_files": 0.1,  # messages that carry attachments
    "kb_with_files": 1200,  # such a message, base64 included
    "files_per_mail_with_files": 1.5,
    "raw_kept_days": 7,  # RawMailRetentionDays
}


def inbound_mail_per_thousand(row: dict[str, Any], init_seconds: float) -> dict[str, float]:
    """USD per 1,000 inbound mails by item: SES receiving, S3 (SES's PUT, the function's GET and the
    files' PUTs, raw mail for its retention, a year of attachments), Lambda, DynamoDB, logs."""
    mail = INBOUND_MAIL
    share = mail["share_with_files"]
    chunks = (1 - share) * math.ceil(mail["kb_plain"] / 256) + share * math.ceil(mail["kb_with_files"] / 256)
    raw_gb = ((1 - share) * mail["kb_plain"] + share * mail["kb_with_files"]) / 2**20
    file_gb = share * mail["kb_with_files"] * 0.75 / 2**20  # decoded from base64
    requests_each = sum(row["operations_per_invocation"].values())
    seconds = (row["app_ms_median"] + requests_each * DATABASE_LATENCY_MS) / 1000 + COLD_SHARE["event"] * init_seconds
    items = {
        "SES receiving (mails + 256 KB chunks)": PRICES["ses_receive_mail"] + chunks * PRICES["ses_receive_chunk"],
        "S3 requests": (1 + share * mail["files_per_mail_with_files"]) * PRICES["s3_put_request"]
        + PRICES["s3_get_request"],
        "S3 storage (raw mail kept, a year of files)": (raw_gb * mail["raw_kept_days"] / 30 + file_gb * 12)
        * PRICES["s3_storage_gb_month"],
        "Lambda (request + duration)": PRICES["lambda_request"] + seconds * 0.25 * PRICES["lambda_gb_second"],
        "DynamoDB": row["write_units"] * PRICES["dynamodb_write_request_unit"]
        + row["read_units"] * PRICES["dynamodb_read_request_unit"],
        "CloudWatch Logs": (PLATFORM_LOG_BYTES + row["log_bytes"])
        / 2**30
        * (PRICES["logs_ingested_gb"] + PRICES["logs_stored_gb_month"]),
    }
    return {name: round(value * 1000, 4) for name, value in items.items()}


# The staff web app (chalicelib/web), counted on top of the JSON API above (agents who work in the browser
# make fewer API calls, so this overstates the bill). Page loads per ticket: every form post is followed by
# the page it redirects to.
UI_TICKET_MIX: dict[str, float] = {
    "GET /desk": 3,
    "POST /desk/next": 1.3,
    "GET /desk/tickets/{ticket_id}": 6,
    "POST /desk/tickets/{ticket_id}/reply": 2,
    "POST /desk/tickets/{ticket_id}/tags": 0.5,
    "POST /desk/tickets/{ticket_id}/transfer": 0.3,
    "POST /desk/tickets/{ticket_id}/resolve": 1,
    "POST /desk/tickets/{ticket_id}/rating": 0.5,
    "GET /desk/search": 0.5,
}
HOURS_PER_DAY = 8
# How often an open staff page asks for the pulse, read from chalicelib/web/static/desk.js (`var every = <ms>;`),
# so the model follows the code; counted as visible all day.
_PULSE_MS = re.search(r"var every = (\d+);", (ROOT / "chalicelib/web/static/desk.js").read_text())
assert _PULSE_MS, "desk.js no longer says `var every = <ms>;`: update bench/cost.py"
PULSE_SECONDS = int(_PULSE_MS[1]) // 1000
AGENT_DAYS = AGENTS * WORKDAYS
UI_MONTHLY: dict[str, float] = {
    "GET /desk/pulse": AGENT_DAYS * HOURS_PER_DAY * 3600 / PULSE_SECONDS,
    "POST /desk/status": AGENT_DAYS * 6,
    "GET /": AGENT_DAYS,
    "GET /signin": AGENT_DAYS,  # a sign-in every day at worst (sessions last 7 days, 24 hours idle)
    "POST /signin": AGENT_DAYS,
    "GET /signin/{token}": AGENT_DAYS * 2,  # mail scanners open links too
    "POST /signin/{token}": AGENT_DAYS,
    "POST /signout": AGENT_DAYS,
    "GET /desk/badges": AGENT_DAYS,
    "GET /static/{name}": AGENTS * 2 * 4,  # cached for a year by URL: again only after a deploy
}
UI_EMAILS = AGENT_DAYS  # sign-in links


def _priced(
    volumes: dict[str, float], rows: dict[str, Any], init_seconds: float, emails: float, stored_gb: float
) -> tuple[dict[str, float], dict[str, float], float]:
    """What `volumes` (invocations a month by route or function) cost, item by item."""
    missing = sorted(name for name in volumes if name not in rows)
    if missing:
        raise ValueError(f"bench/calls.py measured no invocation of {missing}")
    totals = {
        "lambda_requests": 0.0,
        "gb_seconds": 0.0,
        "api_requests": 0.0,
        "read_units": 0.0,
        "write_units": 0.0,
        "log_bytes": 0.0,
    }
    for name, count in volumes.items():
        row = rows[name]
        requests_each = sum(row["operations_per_invocation"].values())
        seconds = (row["app_ms_median"] + requests_each * DATABASE_LATENCY_MS) / 1000
        seconds += COLD_SHARE[row["kind"]] * init_seconds
        memory_gb = MEMORY_MB.get(name if row["kind"] != "route" else "api_handler", 256) / 1024
        totals["lambda_requests"] += count
        totals["gb_seconds"] += count * seconds * memory_gb
        totals["api_requests"] += count if row["kind"] == "route" else 0
        totals["read_units"] += count * row["read_units"]
        totals["write_units"] += count * row["write_units"]
        metrics = name in COUNTING_FUNCTIONS
        totals["log_bytes"] += count * (PLATFORM_LOG_BYTES + row["log_bytes"] + (EMF_LOG_BYTES if metrics else 0))
    log_gb = totals["log_bytes"] / 2**30
    items = {
        "Lambda requests": totals["lambda_requests"] * PRICES["lambda_request"],
        "Lambda duration": totals["gb_seconds"] * PRICES["lambda_gb_second"],
        "API Gateway (REST)": totals["api_requests"] * PRICES["api_gateway_rest_request"],
        "DynamoDB writes": totals["write_units"] * PRICES["dynamodb_write_request_unit"],
        "DynamoDB reads": totals["read_units"] * PRICES["dynamodb_read_request_unit"],
        "DynamoDB storage + point-in-time recovery (a year of tickets)": stored_gb
        * (PRICES["dynamodb_storage_gb_month"] + PRICES["dynamodb_pitr_gb_month"]),
        f"SES ({EMAILS_PER_TICKET:g} e-mails a ticket, and the staff's)": emails * PRICES["ses_email"],
        "CloudWatch Logs (ingest + a month kept)": log_gb
        * (PRICES["logs_ingested_gb"] + PRICES["logs_stored_gb_month"]),
    }
    return items, totals, log_gb


def monthly_bill(
    calls: dict[str, Any], coldstart: dict[str, Any], apptime: dict[str, Any] | None = None
) -> dict[str, Any]:
    rows = {row["name"]: row for row in calls["rows"]}
    replayed: dict[str, float] = {}  # a route's own time (bench/apptime.py), its dearest case
    for measured in (apptime or {}).get("rows", []):
        replayed[measured["route"]] = max(replayed.get(measured["route"], 0.0), measured["app_ms_median"])
    rows = {name: {**row, "app_ms_median": replayed.get(name, row["app_ms_median"])} for name, row in rows.items()}
    volumes = {name: per_ticket * TICKETS_PER_MONTH for name, per_ticket in TICKET_MIX.items()}
    volumes.update(MONTHLY_FIXED)
    ui_volumes = {name: per_ticket * TICKETS_PER_MONTH for name, per_ticket in UI_TICKET_MIX.items()}
    ui_volumes.update(UI_MONTHLY)
    init_seconds = coldstart["import_app_ms"] / 1000
    stored_gb = TICKETS_PER_MONTH * 12 * STORED_KB_PER_TICKET / 2**20
    emails = TICKETS_PER_MONTH * EMAILS_PER_TICKET + UI_EMAILS
    all_volumes = dict(volumes)
    for name, count in ui_volumes.items():
        all_volumes[name] = all_volumes.get(name, 0) + count
    priced, totals, log_gb = _priced(all_volumes, rows, init_seconds, emails, stored_gb)
    inbound = inbound_mail_per_thousand(rows["receive_mail"], init_seconds)
    priced["E-mail in: SES receiving and the mail bucket"] = (
        TICKETS_PER_MONTH
        * INBOUND_MAILS_PER_TICKET
        / 1000
        * sum(v for k, v in inbound.items() if k.startswith(("SES", "S3")))
    )
    items = {**priced, "CloudWatch custom metrics": CUSTOM_METRICS * PRICES["custom_metric_month"]}
    ui_items, ui_totals, _ = _priced(ui_volumes, rows, init_seconds, UI_EMAILS, 0.0)
    agent_hours = AGENT_DAYS * HOURS_PER_DAY
    pulse = UI_MONTHLY["GET /desk/pulse"]
    return {
        "company": f"{AGENTS} agents, {TICKETS_PER_MONTH} tickets a month",
        "prices_date": PRICES_DATE,
        "prices": PRICES,
        "volumes": {k: round(v, 1) for k, v in totals.items()},
        "log_gb": round(log_gb, 4),
        "items": {k: round(v, 2) for k, v in items.items()},
        "total_usd": round(sum(round(v, 2) for v in items.values()), 2),  # the table's column adds up
        "staff_ui": {
            "requests_per_agent_hour": round(ui_totals["api_requests"] / agent_hours, 1),
            "pulse_requests_per_agent_hour": round(pulse / agent_hours, 1),
            "requests_a_month": round(ui_totals["api_requests"]),
            "usd_a_month": round(sum(ui_items.values()), 2),
            "pulse_usd_a_month": round(
                sum(_priced({"GET /desk/pulse": pulse}, rows, init_seconds, 0, 0.0)[0].values()), 2
            ),
            "dynamodb_requests_per_page": {
                name: round(sum(rows[name]["operations_per_invocation"].values()), 2)
                for name in sorted(ui_volumes)
                if name.startswith("GET ")
            },
        },
        "inbound_mail_per_1000_usd": inbound,
        "inbound_mail_per_1000_total_usd": round(sum(inbound.values()), 4),
        "assumptions": {
            "database_latency_ms": DATABASE_LATENCY_MS,
            "cold_share": COLD_SHARE,
            "platform_log_bytes": PLATFORM_LOG_BYTES,
            "emf_log_bytes": EMF_LOG_BYTES,
            "stored_kb_per_ticket": STORED_KB_PER_TICKET,
            "ticket_mix": TICKET_MIX,
            "monthly_fixed": MONTHLY_FIXED,
            "emails_per_ticket": EMAILS,
            "ui_ticket_mix": UI_TICKET_MIX,
            "ui_monthly": UI_MONTHLY,
            "pulse_seconds": PULSE_SECONDS,
            "at_the_desk_share": AT_THE_DESK_SHARE,
            "custom_metrics": CUSTOM_METRICS,
            "inbound_mails_per_ticket": INBOUND_MAILS_PER_TICKET,
            "inbound_mail": INBOUND_MAIL,
        },
    }


def markdown(bill: dict[str, Any]) -> str:
    lines = [
        f"Monthly bill, {bill['company']}; prices: {bill['prices_date']}",
        "",
        "| item | USD / month |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {value:.2f} |" for name, value in bill["items"].items()]
    lines.append(f"| **total** | **{bill['total_usd']:.2f}** |")
    ui = bill.get("staff_ui")
    if ui:
        pages = ", ".join(f"{name} {n:g}" for name, n in ui["dynamodb_requests_per_page"].items())
        lines += [
            "",
            f"Of which the staff web app: ${ui['usd_a_month']:.2f} a month for {ui['requests_a_month']:,} requests, "
            f"{ui['requests_per_agent_hour']:g} per agent-hour ({ui['pulse_requests_per_agent_hour']:g} of them the "
            f"pulse, polled every {bill['assumptions']['pulse_seconds']} s while a page is visible: "
            f"${ui['pulse_usd_a_month']:.2f}). DynamoDB requests per page: {pages}.",
        ]
    inbound = bill.get("inbound_mail_per_1000_usd")
    if inbound:
        lines += ["", f"E-mail in, per 1,000 inbound mails: ${bill['inbound_mail_per_1000_total_usd']:.4f}", ""]
        lines += ["| item | USD per 1,000 mails |", "|---|---:|"]
        lines += [f"| {name} | {value:.4f} |" for name, value in inbound.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    results = ROOT / "bench" / "results"
    bill = monthly_bill(
        json.loads((results / "calls.json").read_text()), json.loads((results / "coldstart.json").read_text())
    )
    print(markdown(bill))
