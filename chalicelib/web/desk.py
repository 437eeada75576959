"""The agent's workspace: queues, "my tickets", take next, the status switch, the pulse, search, badges."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.clock import utcnow
from chalicelib.errors import Conflict
from chalicelib.http.responses import HTML
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.i18n import N_
from chalicelib.settings import get_settings
from chalicelib.web import FORM
from chalicelib.web.chrome import STATUSES, staff_page

TAG = "Staff pages"


def _base() -> str:
    return get_settings().public_base_url


@route("GET", "/desk", summary="The agent's workspace", tag=TAG, auth="session", produces=HTML)
def workspace(call: Call) -> Page:
    from chalicelib import desk, search
    from chalicelib.auth import employee_of
    from chalicelib.tickets import sla

    now = utcnow()
    me = employee_of(call.who)  # read with the session
    queues = [
        {
            "tier": q.tier,
            "department": q.department,
            "waiting": q.waiting,
            "more": q.more,
            "oldest": q.oldest_at,
            "sla_due": q.sla_due_at,
            "overdue": q.overdue,
        }
        for q in desk.queues_of(me, now)
    ]
    mine = [
        {
            "ticket_id": t.ticket_id,
            "reference": search.reference(t.ticket_id),
            "subject": t.subject,
            "status": t.status,
            "sla": sla.state(t, now),
            "customer_replied": bool(t.customer_replied_at and t.status == "assigned"),
        }
        for t in desk.my_tickets(call.who.company_id, call.who.employee_id)
    ]
    return staff_page(
        call, "web/desk.html", {"title": N_("Workspace"), "queues": queues, "mine": mine}, me=me, current="desk"
    )


@route(
    "POST",
    "/desk/next",
    summary="Take the next ticket",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
    company=("staff", "loads"),  # who is on duty and agents' loads, for karma-aware order
)
def take_next(call: Call) -> Redirect:
    from chalicelib.tickets import service

    try:
        ticket = service.take(call.who)
    except Conflict as refused:
        return Redirect(f"{_base()}/desk?error={refused.slug}")
    if ticket is None:
        return Redirect(f"{_base()}/desk?notice=empty")
    return Redirect(f"{_base()}/desk/tickets/{ticket.ticket_id}?notice=taken")


@route(
    "POST",
    "/desk/status",
    summary="Set your status: online, break, do not disturb, offline",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
)
def set_status(call: Call) -> Redirect:
    from chalicelib import employees
    from chalicelib.signin import safe_next

    status = call.form.get("status", "")
    back = safe_next(call.form.get("back"))
    if status not in STATUSES:
        return Redirect(f"{_base()}{back}")
    try:
        employees.change_status(call.who, status)
    except Conflict as refused:
        return Redirect(f"{_base()}{_with(back, 'error', refused.slug)}")
    return Redirect(f"{_base()}{_with(back, 'notice', 'status')}")


def _with(path: str, name: str, value: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{name}={value}"


@route(
    "GET",
    "/desk/pulse",
    summary="Has anything arrived since the page was drawn? 204 if not, else a small notice (polled)",
    tag=TAG,
    auth="session",
    produces=HTML,
    query={"since": "when the page was drawn (milliseconds since 1970)"},
)
def pulse(call: Call) -> Page | None:
    from chalicelib import sessions
    from chalicelib.desk import pulse as desk_pulse

    if call.identity.session is not None:  # the visit, and that the person is at the desk now
        sessions.seen(call.identity.session)
    raw = call.query.get("since", "")
    since = datetime.fromtimestamp(int(raw) / 1000, UTC) if raw.isdigit() and len(raw) <= 15 else utcnow()
    who = call.who  # the employee as they are now (read with the session)
    channels = desk_pulse.channels_of(who.employee_id, who.tier, list(who.departments))
    news = desk_pulse.news_since(who.company_id, channels, since)
    if news is None:
        return None
    return Page("web/pulse.html", {"news": news})


@route(
    "GET",
    "/desk/search",
    summary="Find tickets by reference, customer e-mail, tag, status and words of the subject",
    tag=TAG,
    auth="session",
    produces=HTML,
    query={"q": "words, #reference, an e-mail, tag:x, status:x", "status": "a ticket status", "tag": "a tag"},
)
def search_page(call: Call) -> Page:
    from chalicelib import search

    query = search.parse(call.query.get("q", ""), call.query.get("status"), call.query.get("tag"))
    tickets = search.search(call.who.company_id, query)
    rows = [
        {
            "ticket_id": t.ticket_id,
            "reference": search.reference(t.ticket_id),
            "subject": t.subject,
            "status": t.status,
            "tags": sorted(t.tags or []),
            "created": t.created_at,
        }
        for t in tickets
    ]
    context = {
        "title": N_("Search"),
        "q": query.text,
        "status": call.query.get("status", ""),
        "tag": call.query.get("tag", ""),
        "asked": not query.empty,
        "rows": rows,
        "ticket_statuses": search.STATUSES,
    }
    return staff_page(call, "web/search.html", context, current="search")


@route(
    "GET",
    "/desk/badges",
    summary="Your badges and level, and the leaderboard",
    tag=TAG,
    auth="session",
    produces=HTML,
    company=("staff",),  # the leaderboard's agents
)
def badges_page(call: Call) -> Page:
    from chalicelib.badges import leaderboard

    data = leaderboard.leaderboard(call.who)
    mine = next((row for row in data["agents"] if row["employee_id"] == call.who.employee_id), None)
    return staff_page(call, "web/badges.html", {"title": N_("Badges"), "data": data, "mine": mine}, current="badges")
