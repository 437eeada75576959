"""What the customer reaches through the links in the tip message: the rating page, the rating
itself, and the tip redirect. A GET only shows a page (mail scanners pre-click links); the page's own
script reports "opened", and only the customer's submit saves a rating.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from pydantic import Field, StringConstraints
from pynamodb.exceptions import TransactWriteError, UpdateError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import activity, auth, links
from chalicelib.clock import iso, utcnow
from chalicelib.db.base import get_many, is_condition_failure, transaction
from chalicelib.db.models import Company, Customer, Employee, Ticket
from chalicelib.errors import Conflict, DomainError, Forbidden, NotFound
from chalicelib.i18n import N_, locale_of, translator
from chalicelib.pages import error_texts, render
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


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    nonce: str = ""
    headers: dict[str, str] = field(default_factory=dict)


Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), PlainText]


class RatingForm(RequestBody):
    stars: int = Field(ge=1, le=5)
    comment: Comment | None = None


def notice(error: DomainError, locale: str = "en") -> Page:
    """A friendly page for a link that cannot be used (tampered, expired, foreign, unavailable)."""
    t = translator(locale)
    if error.status == 410:
        title = t.gettext("This link has expired")
        message = t.gettext("This link is no longer valid. Thank you for your feedback all the same.")
    elif isinstance(error, links.LinkInvalid) or error.status == 404:
        title = t.gettext("This link cannot be used")
        message = t.gettext("This link is not valid. Please use the link from your e-mail as it is.")
    else:
        title, message = t.gettext("Not available"), error_texts(error.status, "", error.detail, t.locale)[1]
    return Page(error.status, render("tips/notice.html", locale=t.locale, title=title, message=message))


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
    if for_submit:
        keys.append((TicketFunnel, company_id, ticket_id))
    found = get_many(keys, consistent_read=True)
    ticket, employee, company = found[0], found[1], found[2]
    if ticket is None or employee is None or company is None:
        raise NotFound("Ticket")
    rateable = ticket.status == "closed" and enters_funnel(ticket, company)
    if not rateable or rated_employee(ticket) != employee.employee_id:
        raise Conflict(NOT_RATEABLE, "not-rateable")
    return Rated(ticket, employee, company, found[3], found[4], found[5], funnel=found[6] if for_submit else None)


def existing_rating(company_id: str, ticket_id: str) -> Rating | None:
    try:
        return Rating.get(company_id, ticket_id, consistent_read=True)
    except Rating.DoesNotExist:
        return None


def rating_page(
    token: str, error: str | None = None, status: int = 200, now: datetime | None = None, confirmed: bool = False
) -> Page:
    """The page behind the rating link. Reads only; never writes. `confirmed`: shown right after the customer
    confirmed the resolution (the confirm page), which it thanks them for first."""
    now = now or utcnow()
    rated = _load(RATE, token)
    ticket, employee = rated.ticket, rated.employee
    t = translator(ticket.locale)
    rating = rated.rating
    tip_path = None
    if rated.can_tip:
        claims = links.LinkClaims(ticket.company_id, ticket.ticket_id, employee.employee_id)
        lifetime = timedelta(days=int(rated.company.settings.link_ttl_days))
        tip_path = f"/tip/{links.sign(TIP, claims, lifetime, now)}"
    nonce = secrets.token_urlsafe(16)
    html = render(
        "tips/rate.html",
        locale=t.locale,
        title=t.gettext("Rate your support"),
        employee_name=employee.name.split()[0],
        subject=ticket.subject,
        company_name=rated.company.name,
        rating=int(rating.stars) if rating and not rating.voided_at else None,
        error=error_texts(422, "", error, t.locale)[1] if error else None,
        submit_path=f"/rate/{token}",
        opened_path=f"/rate/{token}/opened",
        tip_path=tip_path,
        nonce=nonce,
        confirmed=confirmed,
    )
    return Page(status, html, nonce)


def mark_opened(token: str) -> None:
    """The page's script reports it was shown to a person (scanners rarely run scripts)."""
    claims = links.verify(RATE, token)
    _mark(claims.company_id, claims.ticket_id, "opened_at")


def _mark(company_id: str, ticket_id: str, name: str) -> None:
    attribute = getattr(TicketFunnel, name)
    try:
        TicketFunnel(company_id, ticket_id).update(
            actions=[attribute.set(utcnow())],
            condition=TicketFunnel.ticket_id.exists() & attribute.does_not_exist(),
        )
    except UpdateError as error:
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


def submit_rating(token: str, form: RatingForm, now: datetime | None = None) -> Rating:
    """Save the customer's rating, once per ticket, with the employee's activity counters."""
    now = now or utcnow()
    rated = _load(RATE, token, for_submit=True)
    ticket, employee = rated.ticket, rated.employee
    customer = Customer.get(ticket.company_id, ticket.customer_id)
    if customer.email.lower() == employee.email.lower():
        raise Forbidden(OWN_TICKET)
    rating = Rating(
        ticket.company_id,
        ticket.ticket_id,
        employee_id=employee.employee_id,
        stars=form.stars,
        comment=form.comment or None,
        rated_at=now,
    )
    day = activity.key_for(ticket.company_id, rated.company.timezone, now)
    funnel = rated.funnel
    try:
        with transaction() as tx:
            tx.save(rating, condition=Rating.ticket_id.does_not_exist())
            actions = activity.counter_actions(_rating_counters(form.stars, +1))
            tx.update(activity.AgentDay(day, employee.employee_id), actions=actions)
            if funnel is not None and funnel.rated_at is None:
                tx.update(funnel, actions=[TicketFunnel.rated_at.set(now)])
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise Conflict(ALREADY_RATED, "already-rated") from None
        raise
    return rating


def void_rating(principal: auth.Principal, ticket_id: str, now: datetime | None = None) -> Rating:
    """A manager voids a rating: it stops counting for the employee (the counters are reversed)."""
    principal.require_manager()
    now = now or utcnow()
    rating = existing_rating(principal.company_id, ticket_id)
    if rating is None:
        raise NotFound("Rating")
    if rating.voided_at is not None:
        return rating
    company = Company.get(principal.company_id)
    day = activity.key_for(principal.company_id, company.timezone, rating.rated_at)
    try:
        with transaction() as tx:
            tx.update(
                rating,
                actions=[Rating.voided_at.set(now), Rating.voided_by.set(principal.employee_id)],
                condition=Rating.voided_at.does_not_exist(),
            )
            actions = activity.counter_actions(_rating_counters(int(rating.stars), -1))
            tx.update(activity.AgentDay(day, rating.employee_id), actions=actions)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
    return Rating.get(principal.company_id, ticket_id, consistent_read=True)


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
            "amounts": ",".join(str(a) for a in config.preset_amounts),
            "other": "1",
            "currency": rated.company.currency,
            "reference": sign_reference(ticket.company_id, ticket.ticket_id, employee.employee_id),
        }
    )
    base = account.form_url.split("#", 1)[0]
    url = f"{base}{'&' if '?' in base else '?'}{query}"
    if origin_of(url) != config.partner_form_origin:  # never an open redirect, whatever was stored
        raise Conflict(TIPS_UNAVAILABLE, "tips-unavailable")
    _mark(ticket.company_id, ticket.ticket_id, "tip_clicked_at")
    return url


def locale_for_token(purpose: str, token: str) -> str:
    """Best-effort locale for an error page (the ticket's), English when the link is unusable."""
    try:
        claims = links.verify(purpose, token)
        return locale_of(Ticket.get(claims.company_id, claims.ticket_id).locale)
    except (DomainError, Ticket.DoesNotExist):
        return "en"
