"""What the customer reaches through the links in the tip message: the rating page, the rating
itself, and the tip redirect. A GET only shows a page (mail scanners pre-click links); the page's own
script reports "opened", and only the customer's submit saves a rating.

The rating page goes form -> (after 1-2 stars, "what went wrong?" first) -> thanks. Its Tip button submits
the rating form: chosen stars are saved before the customer goes to the tip, never lost.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import Field, StringConstraints
from pynamodb.exceptions import TransactWriteError, UpdateError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import activity, auth, customers, links
from chalicelib.clock import iso, local_day, utcnow
from chalicelib.db.base import get_many, is_condition_failure, transaction
from chalicelib.db.models import Company, Customer, Employee, Ticket
from chalicelib.employees import staff
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.i18n import N_, locale_of
from chalicelib.ids import MAX_LENGTH
from chalicelib.reports import counting
from chalicelib.tips.config import get_tip_config, origin_of
from chalicelib.tips.message import RATE, TIP, enters_funnel, rated_employee, tip_button
from chalicelib.tips.models import COMPANY, Rating, TicketFunnel, TipAccount, employee_subject
from chalicelib.tips.webhooks import sign_reference
from chalicelib.validation import PlainText, RequestBody, validate

# Errors these pages show. Domain errors keep English details (the JSON API returns them); pages
# translate them through the catalog when they are shown.
STARS_REQUIRED = N_("Please choose from 1 to 5 stars.")  # the route passes it to `rating_page`
NOT_RATEABLE = N_("Only a request you have confirmed as solved can be rated.")
TIPS_UNAVAILABLE = N_("Tips are not available for this person right now.")
OWN_TICKET = N_("Employees cannot rate their own tickets.")
ALREADY_RATED = N_("This request has already been rated. Thank you!")
RATE_FIRST = N_("Please rate the request first.")
LOW_STARS = 2  # a rating this low asks what went wrong before any tip prompt

Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), PlainText]
Then = Literal["tip"]  # the form's Tip button: go on to the tip after saving


class RatingForm(RequestBody):
    """The rating page's form: stars and an optional comment (after 1-2 stars: what went wrong)."""

    stars: int = Field(ge=1, le=5)
    comment: Comment | None = None
    then: Then | None = None


class RatingComment(RequestBody):
    """The answer to "what went wrong?" after a low rating (optional: an empty one saves nothing)."""

    comment: Comment | None = None
    then: Then | None = None


@dataclass(frozen=True)
class RatingPage:
    """The rating page as the customer sees it: rendered by the HTTP layer in `locale` (the ticket's)."""

    locale: str
    context: dict[str, Any]
    status: int = 200
    template: str = "tips/rate.html"


@dataclass(frozen=True)
class Rated:
    """Everything a rating or tip link needs, read in one BatchGetItem."""

    ticket: Ticket
    employee: Employee
    company: Company
    company_account: TipAccount | None
    employee_account: TipAccount | None
    rating: Rating | None
    customer: Customer | None = None
    funnel: TicketFunnel | None = None

    @property
    def can_tip(self) -> bool:
        return tip_button(self.company_account, self.employee_account, self.employee)


def _load(purpose: str, token: str, for_submit: bool = False) -> Rated:
    claims = links.verify(purpose, token)
    if not claims.employee_id:
        raise links.LinkInvalid("This link is not valid.")
    company_id, ticket_id, employee_id = claims.company_id, claims.ticket_id, claims.employee_id
    keys: list[tuple[Any, Any, Any]] = [
        (Ticket, company_id, ticket_id),
        (Employee, company_id, employee_id),
        (Company, company_id, None),
        (TipAccount, company_id, COMPANY),
        (TipAccount, company_id, employee_subject(employee_id)),
        (Rating, company_id, ticket_id),
    ]
    if for_submit or purpose == TIP:
        keys.append((TicketFunnel, company_id, ticket_id))
    parts = ("settings", "loads") if for_submit else ("settings",)  # a rating counts in the routing load
    found = get_many(keys, consistent_read=True, attributes={Company: auth.company_attributes(parts)})
    ticket, employee, company = found[0], found[1], found[2]
    if ticket is None or employee is None or company is None:
        raise NotFound("Ticket")
    auth.unread(company, parts)
    rateable = ticket.status == "closed" and enters_funnel(ticket, company)
    if not rateable or rated_employee(ticket) != employee.employee_id:
        raise Conflict(NOT_RATEABLE, "not-rateable")
    return Rated(ticket, employee, company, found[3], found[4], found[5], funnel=found[6] if len(found) > 6 else None)


def existing_rating(company_id: str, ticket_id: str) -> Rating | None:
    try:
        return Rating.get(company_id, ticket_id, consistent_read=True)
    except Rating.DoesNotExist:
        return None


def rating_page(
    token: str,
    error: str | None = None,
    status: int = 200,
    now: datetime | None = None,
    confirmed: bool = False,
    rated: Rated | None = None,
    then: Then | None = None,
) -> RatingPage:
    """The page behind the rating link. Reads only (nothing when given what it shows); never writes.
    `confirmed`: shown right after the customer confirmed the resolution (the confirm page), which it thanks
    them for first. `then="tip"`: the customer asked for the tip, which comes after the low rating's question."""
    now = now or utcnow()
    rated = rated or _load(RATE, token)
    ticket, employee = rated.ticket, rated.employee
    rating = rated.rating if rated.rating and not rated.rating.voided_at else None
    stars = int(rating.stars) if rating else None
    low = stars is not None and stars <= LOW_STARS
    if rating is None:
        stage = "form"
    elif low and not rating.comment:
        stage = "ask"
    else:
        stage = "thanks"
    context = {
        "title": ticket.subject,
        "employee_name": employee.name.split()[0],
        "subject": ticket.subject,
        "company_name": rated.company.name,
        "stage": stage,
        "rating": stars,
        "low": low,
        "commented": bool(rating and rating.comment),
        "error": error,
        "token": token,
        "tip_path": tip_path(rated, now),
        "then": then,
        "confirmed": confirmed,
    }
    return RatingPage(locale_of(ticket.locale), context, status)


def tip_path(rated: Rated, now: datetime | None = None) -> str | None:
    """The path of a fresh tip link (`/tip/<token>`), None when the employee cannot be tipped."""
    if not rated.can_tip:
        return None
    ticket = rated.ticket
    claims = links.LinkClaims(ticket.company_id, ticket.ticket_id, rated.employee.employee_id)
    lifetime = timedelta(days=int(rated.company.settings.link_ttl_days))
    return f"/tip/{links.sign(TIP, claims, lifetime, now)}"


def goes_to_tip(rated: Rated, then: Then | None) -> bool:
    """After a save: straight on to the tip when asked for and nothing is left to ask (a low rating without
    an answer to "what went wrong?" is asked first)."""
    if then != "tip" or not rated.can_tip:
        return False
    rating = rated.rating
    return rating is None or int(rating.stars) > LOW_STARS or bool(rating.comment)


def without_rating(token: str) -> Rated:
    """What the page needs when the customer goes to the tip without choosing stars."""
    return _load(RATE, token)


def mark_opened(token: str) -> None:
    """The page's script reports it was shown to a person (scanners rarely run scripts)."""
    claims = links.verify(RATE, token)
    wanted = [(TicketFunnel, claims.company_id, claims.ticket_id), (Company, claims.company_id, None)]
    funnel, company = get_many(wanted, attributes={Company: auth.company_attributes()})  # its time zone
    _mark(funnel, company, "opened")


def _mark(funnel: TicketFunnel | None, company: Company | None, mark: str) -> None:
    """Set the funnel's mark once and count it in the day's figures (one transaction); nothing when the
    ticket has no funnel (no message was sent) or the mark is set already."""
    attribute = getattr(TicketFunnel, f"{mark}_at")
    if funnel is None or company is None or getattr(funnel, f"{mark}_at") is not None:
        return
    try:
        with transaction() as tx:
            tx.update(funnel, actions=[attribute.set(utcnow())], condition=attribute.does_not_exist())
            report = counting.tally_for(company.company_id, company.timezone)
            counting.funnel_mark(report, funnel.closed_at, mark).write_into(tx)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise


def parse_form(fields: dict[str, str]) -> RatingForm:
    data = {name: value for name, value in fields.items() if name in ("stars", "comment") and value.strip()}
    return validate(RatingForm, data, strict=False)


def _rating_counters(stars: int, sign: int) -> dict[str, float]:
    counters: dict[str, float] = {"ratings": sign, "rating_points": sign * stars}
    if stars >= 4:
        counters.update(positive_ratings=sign, rewards=sign)
    elif stars <= 2:
        counters["negative_ratings"] = sign
    return counters


def rate(token: str, form: RatingForm, now: datetime | None = None) -> Rated:
    """Save the customer's rating (once per ticket) with the employee's activity counters and routing load,
    in one transaction after one BatchGetItem; what the page then shows, with the rating in it."""
    now = now or utcnow()
    rated = _load(RATE, token, for_submit=True)
    ticket, employee = rated.ticket, rated.employee
    # the customer id is a keyed hash of the address: the same as the employee's means the same person
    if customers.customer_id_for(ticket.company_id, employee.email) == ticket.customer_id:
        raise Forbidden(OWN_TICKET)
    rating = Rating(
        ticket.company_id,
        ticket.ticket_id,
        employee_id=employee.employee_id,
        stars=form.stars,
        comment=form.comment or None,
        subject=ticket.subject,
        rated_at=now,
    )
    company = rated.company
    today = local_day(now, company.timezone)
    counters = _rating_counters(form.stars, +1)
    funnel = rated.funnel
    report = counting.rating_counts(
        counting.tally_for(company.company_id, company.timezone), now, employee.employee_id, form.stars
    )
    try:
        with transaction() as tx:
            tx.save(rating, condition=Rating.ticket_id.does_not_exist())
            actions = activity.counter_actions(counters)
            tx.update(
                activity.AgentDay(activity.day_key(company.company_id, today), employee.employee_id), actions=actions
            )
            load = staff.load_actions(company, employee.employee_id, today, counters)
            if load:
                tx.update(Company(company.company_id), actions=load)
            if funnel is not None and funnel.rated_at is None:
                tx.update(funnel, actions=[TicketFunnel.rated_at.set(now)])
                counting.funnel_mark(report, funnel.closed_at, "rated")
            report.write_into(tx)
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise Conflict(ALREADY_RATED, "already-rated") from None
        raise
    return dataclasses.replace(rated, rating=rating)


def add_comment(token: str, form: RatingComment) -> Rated:
    """The customer's answer to "what went wrong?", saved with their rating (managers read it with the rating);
    the first answer stays, and an empty one saves nothing."""
    rated = _load(RATE, token)
    rating = rated.rating
    if rating is None or rating.voided_at is not None:
        raise Conflict(RATE_FIRST, "not-rated")
    if form.comment and not rating.comment:
        try:
            rating.update(actions=[Rating.comment.set(form.comment)], condition=Rating.comment.does_not_exist())
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
            rating = existing_rating(rating.company_id, rating.ticket_id) or rating  # answered meanwhile: theirs
    return dataclasses.replace(rated, rating=rating)


def void_rating(principal: auth.Principal, ticket_id: str, now: datetime | None = None) -> Rating:
    """A manager voids a rating: it stops counting for the employee (the counters are reversed)."""
    principal.require_manager()
    now = now or utcnow()
    rating = existing_rating(principal.company_id, ticket_id) if len(ticket_id) <= MAX_LENGTH else None
    if rating is None:
        raise NotFound("Rating")
    if rating.voided_at is not None:
        return rating
    company = auth.company_of(principal, "loads")
    rated_day = local_day(rating.rated_at, company.timezone)
    counters = _rating_counters(int(rating.stars), -1)
    try:
        with transaction() as tx:
            tx.update(
                rating,
                actions=[Rating.voided_at.set(now), Rating.voided_by.set(principal.employee_id)],
                condition=Rating.voided_at.does_not_exist(),
            )
            actions = activity.counter_actions(counters)
            tx.update(
                activity.AgentDay(activity.day_key(company.company_id, rated_day), rating.employee_id), actions=actions
            )
            today = local_day(now, company.timezone)
            load = staff.load_actions(company, rating.employee_id, rated_day, counters, today)
            if load:
                tx.update(Company(company.company_id), actions=load)
            report = counting.tally_for(company.company_id, company.timezone)
            counting.rating_counts(report, rating.rated_at, rating.employee_id, int(rating.stars), -1).write_into(tx)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        return Rating.get(principal.company_id, ticket_id, consistent_read=True)  # voided meanwhile: as it is
    rating.voided_at, rating.voided_by = now, principal.employee_id
    return rating


class RatingOut(TypedDict):
    ticket_id: str
    employee_id: str
    stars: int
    comment: str | None
    rated_at: str | None
    voided_at: str | None
    voided_by: str | None


def rating_view(rating: Rating) -> RatingOut:
    return {
        "ticket_id": rating.ticket_id,
        "employee_id": rating.employee_id,
        "stars": int(rating.stars),
        "comment": rating.comment,
        "rated_at": iso(rating.rated_at),
        "voided_at": iso(rating.voided_at),
        "voided_by": rating.voided_by,
    }


def tip_redirect(token: str) -> str:
    """Record the click and give the employee's form at the partner; only ever the partner's origin."""
    rated = _load(TIP, token)
    ticket, employee, account = rated.ticket, rated.employee, rated.employee_account
    if not rated.can_tip or account is None or not account.form_url:
        raise Conflict(TIPS_UNAVAILABLE, "tips-unavailable")
    config = get_tip_config()
    query = urlencode(
        {
            "amounts": ",".join(str(a) for a in amounts_offered(rated.company)),
            "other": "1",
            "currency": rated.company.currency,
            "reference": sign_reference(ticket.company_id, ticket.ticket_id, employee.employee_id),
        }
    )
    base = account.form_url.split("#", 1)[0]
    url = f"{base}{'&' if '?' in base else '?'}{query}"
    if origin_of(url) != config.partner_form_origin:  # never an open redirect, whatever was stored
        raise Conflict(TIPS_UNAVAILABLE, "tips-unavailable")
    _mark(rated.funnel, rated.company, "tip_clicked")
    return url


def amounts_offered(company: Company) -> tuple[int, ...]:
    """The company's tip amounts in its currency (chalicelib/tips/amounts.py)."""
    from chalicelib.db.base import plain_map
    from chalicelib.tips.amounts import for_currency

    return for_currency(plain_map(company.settings.tip_amounts), company.currency)
