"""The pages behind the links of the rating + tip message (the rating page, the tip redirect). Managers read
tips in the console's tips report (chalicelib/web/reports.py)."""

from __future__ import annotations

from chalice import Response

from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.http.responses import FORM, HTML, content_security_policy
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.i18n import N_
from chalicelib.settings import get_settings
from chalicelib.tips import customer
from chalicelib.tips.config import get_tip_config

TAG = "Tips pages"
NO_BODY = ["application/json", "text/plain", FORM]
COMMENT_TOO_LONG = N_("Please keep your answer under 1,000 characters.")


def page_of(call: Call, shown: customer.RatingPage) -> Page:
    """The rating page in the customer's language (the ticket's), whatever the browser asks for. Its forms
    may end on the partner's tip form (the Tip button saves the rating, then redirects there), which the
    page's policy must name as a form target, or the browser stops the redirect."""
    call.locale = shown.locale
    headers = {}
    origin = get_tip_config().partner_form_origin
    if shown.context.get("tip_path") and origin:
        headers["Content-Security-Policy"] = content_security_policy(call.nonce, (origin,))
    return Page(shown.template, shown.context, shown.status, headers)


def to_tip(rated: customer.Rated) -> Redirect:
    path = customer.tip_path(rated)
    assert path is not None  # goes_to_tip and the form's Tip button both need a tip to go to
    return Redirect(f"{get_settings().public_base_url}{path}")


@route(
    "GET",
    "/rate/{link}",
    summary="The rating page (shows only; records nothing)",
    tag=TAG,
    auth="link",
    link=customer.RATE,
    produces=HTML,
)
def rating_page(call: Call, link: str) -> Page:
    return page_of(call, customer.rating_page(link))


@route(
    "POST",
    "/rate/{link}",
    summary="The customer submits stars and a comment; with then=tip, on to the tip once the rating is saved",
    tag=TAG,
    auth="link",
    link=customer.RATE,
    produces=HTML,
    form=customer.RatingForm,
    responses={303: "Saved (or no stars chosen) and on to the tip: the tip link"},
)
def submit_rating(call: Call, link: str) -> Page | Redirect:
    then = "tip" if call.form.get("then") == "tip" else None
    try:
        form: customer.RatingForm = call.valid_form()
    except ValidationFailed:
        if then and not call.form.get("stars", "").strip():  # the Tip button without stars: just the tip
            rated = customer.without_rating(link)
            if rated.can_tip:
                return to_tip(rated)
        return page_of(call, customer.rating_page(link, error=customer.STARS_REQUIRED, status=422))
    try:
        rated = customer.rate(link, form)
    except Conflict as error:
        if error.slug != "already-rated":
            raise
        return page_of(call, customer.rating_page(link, status=409))
    if customer.goes_to_tip(rated, form.then):
        return to_tip(rated)
    return page_of(call, customer.rating_page(link, rated=rated, then=form.then))


@route(
    "POST",
    "/rate/{link}/comment",
    summary="After a low rating, the customer says what went wrong (optional); with then=tip, on to the tip",
    tag=TAG,
    auth="link",
    link=customer.RATE,
    produces=HTML,
    form=customer.RatingComment,
    responses={303: "Saved and on to the tip: the tip link"},
)
def comment_rating(call: Call, link: str) -> Page | Redirect:
    try:
        form: customer.RatingComment = call.valid_form()
    except ValidationFailed:
        shown = customer.rating_page(link, error=COMMENT_TOO_LONG, status=422)
        return page_of(call, shown)
    rated = customer.add_comment(link, form)
    if form.then == "tip" and rated.can_tip:
        return to_tip(rated)
    return page_of(call, customer.rating_page(link, rated=rated))


@route(
    "POST",
    "/rate/{link}/opened",
    summary="The rating page reports it was shown",
    tag=TAG,
    auth="link",
    link=customer.RATE,
    content_types=NO_BODY,
)
def rating_opened(call: Call, link: str) -> None:
    customer.mark_opened(link)


@route(
    "GET",
    "/tip/{link}",
    summary="Record the tip click and redirect to the partner's form",
    tag=TAG,
    auth="link",
    link=customer.TIP,
    status=302,
    produces=HTML,
)
def tip_click(call: Call, link: str) -> Response:
    url = customer.tip_redirect(link)
    return Response(
        body="",
        status_code=302,
        headers={"Location": url, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
