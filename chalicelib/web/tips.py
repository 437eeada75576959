"""The pages behind the links of the rating + tip message (the rating page, the tip redirect). Managers read
tips in the console's tips report (chalicelib/web/reports.py)."""

from __future__ import annotations

from chalice import Response

from chalicelib.errors import DomainError
from chalicelib.http.responses import FORM, HTML, html_response
from chalicelib.http.route import Call, route
from chalicelib.tips import customer

TAG = "Tips pages"
NO_BODY = ["application/json", "text/plain", FORM]


def page_response(page: customer.Page) -> Response:
    return html_response(page.html, page.status, nonce=page.nonce or None, headers=page.headers)


@route(
    "GET",
    "/rate/{link}",
    summary="The rating page (shows only; records nothing)",
    tag=TAG,
    auth="link",
    link=customer.RATE,
    produces=HTML,
)
def rating_page(call: Call, link: str) -> Response:
    try:
        return page_response(customer.rating_page(link))
    except DomainError as error:
        return page_response(customer.notice(error, customer.locale_for_token(customer.RATE, link)))


@route(
    "POST",
    "/rate/{link}",
    summary="The customer submits stars and a comment",
    tag=TAG,
    auth="link",
    link=customer.RATE,
    produces=HTML,
    form=customer.RatingForm,
)
def submit_rating(call: Call, link: str) -> Response:
    try:
        form = customer.parse_form(call.form)
    except DomainError:
        try:
            return page_response(customer.rating_page(link, error=customer.STARS_REQUIRED, status=422))
        except DomainError as error:
            return page_response(customer.notice(error))
    try:
        return page_response(customer.rating_page(link, rated=customer.rate(link, form)))
    except DomainError as error:
        if error.slug == "already-rated":
            return page_response(customer.rating_page(link, status=409))
        return page_response(customer.notice(error, customer.locale_for_token(customer.RATE, link)))


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
    try:
        url = customer.tip_redirect(link)
    except DomainError as error:
        return page_response(customer.notice(error, customer.locale_for_token(customer.TIP, link)))
    return Response(
        body="",
        status_code=302,
        headers={"Location": url, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
