"""The monthly AWS bill of one company, from what the benchmarks measured.

A company of 10 agents with 3,000 tickets a month. What each ticket brings (routes, stream records,
e-mails) is listed in TICKET_MIX and MONTHLY_FIXED below, the assumptions in plain sight. Per route
and function, the request units, the time outside the database and the log bytes come from
bench/calls.py; the cold import from bench/coldstart.py. Free tiers are not counted.
"""

from __future__ import annotations

import json
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
}
DATABASE_LATENCY_MS = 8.0  # one in-region DynamoDB request from Lambda, p50 (moto's time is not used)
PLATFORM_LOG_BYTES = 350  # START, END and REPORT lines Lambda writes per invocation
EMF_LOG_BYTES = 550  # one metrics line, on invocations that count something
COLD_SHARE = {"route": 0.05, "stream": 0.2, "schedule": 0.5}  # invocations that start a new container
CUSTOM_METRICS = 4  # TicketsCreated, EmailsSent, TipsPaid, BadgeJobDuration; one dimension set
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
# E-mails per ticket (chalicelib/notify, chalicelib/tips/message.py): what each step sends, at the mix above.
EMAILS: dict[str, float] = {
    "received": 1.0,  # every new ticket
    "merged (added to the open request)": 0.2,
    "agent's public reply": 2.0,  # of the 3 agent messages, 2 are public; internal notes are never sent
    "resolved (is your problem solved?)": 1.0,
    "rating + tip": 1.0,  # every close enters the funnel (rating_mail_for_unconfirmed, default yes)
    "to the assignee: the customer wrote": 1.2,
    "to the assignee: transferred to them": 0.1,
    "portal link (my requests)": 0.05,
}
EMAILS_PER_TICKET = sum(EMAILS.values())


def monthly_bill(calls: dict[str, Any], coldstart: dict[str, Any]) -> dict[str, Any]:
    rows = {row["name"]: row for row in calls["rows"]}
    volumes = {name: per_ticket * TICKETS_PER_MONTH for name, per_ticket in TICKET_MIX.items()}
    volumes.update(MONTHLY_FIXED)
    missing = sorted(name for name in volumes if name not in rows)
    if missing:
        raise ValueError(f"bench/calls.py measured no invocation of {missing}")
    init_seconds = coldstart["import_app_ms"] / 1000
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
        metrics = name in ("POST /intake/{intake_key}/tickets", "send_tip_email", "award_badges")
        totals["log_bytes"] += count * (PLATFORM_LOG_BYTES + row["log_bytes"] + (EMF_LOG_BYTES if metrics else 0))
    stored_gb = TICKETS_PER_MONTH * 12 * STORED_KB_PER_TICKET / 2**20
    log_gb = totals["log_bytes"] / 2**30
    items = {
        "Lambda requests": totals["lambda_requests"] * PRICES["lambda_request"],
        "Lambda duration": totals["gb_seconds"] * PRICES["lambda_gb_second"],
        "API Gateway (REST)": totals["api_requests"] * PRICES["api_gateway_rest_request"],
        "DynamoDB writes": totals["write_units"] * PRICES["dynamodb_write_request_unit"],
        "DynamoDB reads": totals["read_units"] * PRICES["dynamodb_read_request_unit"],
        "DynamoDB storage + point-in-time recovery (a year of tickets)": stored_gb
        * (PRICES["dynamodb_storage_gb_month"] + PRICES["dynamodb_pitr_gb_month"]),
        f"SES ({EMAILS_PER_TICKET:g} e-mails a ticket)": TICKETS_PER_MONTH * EMAILS_PER_TICKET * PRICES["ses_email"],
        "CloudWatch Logs (ingest + a month kept)": log_gb
        * (PRICES["logs_ingested_gb"] + PRICES["logs_stored_gb_month"]),
        "CloudWatch custom metrics": CUSTOM_METRICS * PRICES["custom_metric_month"],
    }
    return {
        "company": f"{AGENTS} agents, {TICKETS_PER_MONTH} tickets a month",
        "prices_date": PRICES_DATE,
        "prices": PRICES,
        "volumes": {k: round(v, 1) for k, v in totals.items()},
        "log_gb": round(log_gb, 4),
        "items": {k: round(v, 2) for k, v in items.items()},
        "total_usd": round(sum(round(v, 2) for v in items.values()), 2),  # the table's column adds up
        "assumptions": {
            "database_latency_ms": DATABASE_LATENCY_MS,
            "cold_share": COLD_SHARE,
            "platform_log_bytes": PLATFORM_LOG_BYTES,
            "emf_log_bytes": EMF_LOG_BYTES,
            "stored_kb_per_ticket": STORED_KB_PER_TICKET,
            "ticket_mix": TICKET_MIX,
            "monthly_fixed": MONTHLY_FIXED,
            "emails_per_ticket": EMAILS,
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
    return "\n".join(lines)


if __name__ == "__main__":
    results = ROOT / "bench" / "results"
    bill = monthly_bill(
        json.loads((results / "calls.json").read_text()), json.loads((results / "coldstart.json").read_text())
    )
    print(markdown(bill))
