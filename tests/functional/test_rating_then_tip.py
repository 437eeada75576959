"""The rating page's flow through the real routes: the Tip button submits the rating form, so stars chosen
before it are saved before the tip (and without stars it goes straight to the tip); after 1-2 stars the page
asks what went wrong before any tip prompt, and the answer is saved with the rating, where managers read it
(the staff ticket page, the rating's JSON); every form and link on the customer's pages carries the public
base URL, stage path included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

from chalicelib.settings import get_settings
from chalicelib.tips.models import Rating, TicketFunnel
from tests.functional.conftest import Company
from tests.functional.sessions_helpers import sign_in
from tests.functional.tips_helpers import (
    LOCAL_PARTNER_URL,
    Emailed,
    Partner,
    emailed,
    enable_tips,
    page,
    partner_fixture,  # noqa: F401
)


def rating_of(company: Company, mail: Emailed) -> Rating | None:
    try:
        return Rating.get(company.company_id, mail.closed.after.ticket_id, consistent_read=True)
    except Rating.DoesNotExist:
        return None


def tip_location(headers: dict[str, str]) -> str:
    location = headers["Location"]
    assert location.startswith("http://desk.test/tip/"), location
    return location.removeprefix("http://desk.test")


@pytest.fixture
def tipped(company: Company, partner: Partner, client: Client) -> Emailed:
    enable_tips(company, partner)
    return emailed(company, client)


def test_stars_then_the_tip_button_saves_the_rating_before_going_to_the_tip(company: Company, tipped: Emailed) -> None:
    status, html, shown = page(company.api, "GET", tipped.rate_path)
    form = re.search(r'<form method="post" action="([^"]+)" id="rating-form">', html)
    assert form is not None and form.group(1) == f"http://desk.test{tipped.rate_path}"
    assert '<button type="submit" class="tip" id="tip" name="then" value="tip" formnovalidate>' in html
    # the form's submission ends on the partner's form: browsers check form-action along the redirects
    partner_origin = "{0.scheme}://{0.netloc}".format(urlsplit(LOCAL_PARTNER_URL))
    assert f"form-action 'self' {partner_origin};" in shown["Content-Security-Policy"]
    assert "script-src 'nonce-" in shown["Content-Security-Policy"]

    status, _, headers = page(company.api, "POST", tipped.rate_path, form="stars=4&comment=&then=tip")
    assert status == 303
    rating = rating_of(company, tipped)
    assert rating is not None and int(rating.stars) == 4 and rating.comment is None
    status, _, headers = page(company.api, "GET", tip_location(headers))
    assert status == 302 and urlsplit(headers["Location"]).netloc == urlsplit(LOCAL_PARTNER_URL).netloc
    funnel = TicketFunnel.get(company.company_id, tipped.closed.after.ticket_id)
    assert funnel.rated_at is not None and funnel.tip_clicked_at is not None

    status, html, _ = page(company.api, "GET", tipped.rate_path)  # back on the page: the rating is there
    assert status == 200 and "You rated 4 of 5" in html and 'name="stars"' not in html


def test_the_tip_button_without_stars_goes_to_the_tip_and_saves_nothing(company: Company, tipped: Emailed) -> None:
    status, _, headers = page(company.api, "POST", tipped.rate_path, form="comment=&then=tip")
    assert status == 303 and page(company.api, "GET", tip_location(headers))[0] == 302
    assert rating_of(company, tipped) is None
    status, html, _ = page(company.api, "GET", tipped.rate_path)
    assert 'name="stars"' in html  # still free to rate


def test_a_low_rating_asks_what_went_wrong_before_any_tip_and_managers_read_the_answer(
    company: Company, tipped: Emailed
) -> None:
    status, html, _ = page(company.api, "POST", tipped.rate_path, form="stars=1&then=tip")
    assert status == 200 and "You rated 1 of 5" in html and "What went wrong? (optional)" in html
    assert 'id="tip"' not in html and "Want to thank" not in html  # no tip prompt before the question
    assert f'action="http://desk.test{tipped.rate_path}/comment"' in html
    assert '<input type="hidden" name="then" value="tip">' in html and "Send and go on to the tip" in html
    assert int(rating_of(company, tipped).stars) == 1  # type: ignore[union-attr]

    again, html, _ = page(company.api, "GET", tipped.rate_path)  # reloaded: still asked, still no tip
    assert again == 200 and "What went wrong? (optional)" in html and 'id="tip"' not in html

    status, _, headers = page(company.api, "POST", f"{tipped.rate_path}/comment", form="comment=Took+3+days&then=tip")
    assert status == 303 and tip_location(headers)  # asked for the tip: on to it once answered
    rating = rating_of(company, tipped)
    assert rating is not None and rating.comment == "Took 3 days"

    status, html, _ = page(company.api, "GET", tipped.rate_path)
    assert "Thank you for telling us what went wrong" in html and 'class="button tip"' not in html
    assert 'id="tip"' in html  # a plain link after the answer, not the warm button

    # a second answer does not replace the first
    page(company.api, "POST", f"{tipped.rate_path}/comment", form="comment=Something+else")
    assert rating_of(company, tipped).comment == "Took 3 days"  # type: ignore[union-attr]

    # managers read it on the ticket's page in the staff app, and in the rating's JSON
    ticket_id = tipped.closed.after.ticket_id
    manager = sign_in(company, company.manager_id)
    status, html, _ = manager.page(f"/desk/tickets/{ticket_id}")
    assert status == 200 and 'id="customers-rating"' in html and "1 of 5 for Ada" in html
    assert '<blockquote id="customers-comment">Took 3 days</blockquote>' in html
    agent = sign_in(company, company.agent_ids["Ada"])
    status, html, _ = agent.page(f"/desk/tickets/{ticket_id}")
    assert status == 200 and "Took 3 days" not in html  # the customer's words about the agent: managers only
    status, voided = company.manager.call("POST", f"/tips/ratings/{ticket_id}/void")
    assert status == 200 and voided["stars"] == 1 and voided["comment"] == "Took 3 days"


def test_a_low_rating_answered_in_the_form_itself_is_not_asked_again(company: Company, tipped: Emailed) -> None:
    # the form's comment says "What went wrong?" once 1-2 stars are chosen: answered, the Tip button goes on
    status, _, headers = page(company.api, "POST", tipped.rate_path, form="stars=2&comment=Rude+reply&then=tip")
    assert status == 303 and tip_location(headers)
    assert rating_of(company, tipped).comment == "Rude reply"  # type: ignore[union-attr]
    status, html, _ = page(company.api, "GET", tipped.rate_path)
    assert status == 200 and "Thank you for telling us what went wrong" in html and "<textarea" not in html
    status, html, _ = page(company.api, "POST", tipped.rate_path, form="stars=5")
    assert status == 409 and "You rated 2 of 5" in html  # rated once


def test_an_answer_without_a_rating_is_refused_and_an_empty_one_saves_nothing(
    company: Company, tipped: Emailed
) -> None:
    status, html, _ = page(company.api, "POST", f"{tipped.rate_path}/comment", form="comment=Hello")
    assert status == 409 and "Please rate the request first." in html and rating_of(company, tipped) is None
    page(company.api, "POST", tipped.rate_path, form="stars=2")
    status, html, _ = page(company.api, "POST", f"{tipped.rate_path}/comment", form="comment=+++")
    assert status == 200 and rating_of(company, tipped).comment is None  # type: ignore[union-attr]
    status, html, _ = page(company.api, "POST", f"{tipped.rate_path}/comment", form="comment=" + "x" * 1001)
    assert status == 422 and "under 1,000 characters" in html
    assert rating_of(company, tipped).comment is None  # type: ignore[union-attr]


def test_a_good_rating_thanks_warmly_with_the_tip_button(company: Company, tipped: Emailed) -> None:
    status, html, _ = page(company.api, "POST", tipped.rate_path, form="stars=5")
    assert status == 200 and "You rated 5 of 5" in html and "Want to thank Ada?" in html
    assert 'class="button tip" id="tip" href="http://desk.test/tip/' in html


@contextmanager
def staged(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A deployed stage's public URL, under its stage path."""
    base = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    with monkeypatch.context() as patched:
        patched.setenv("PUBLIC_BASE_URL", base)
        get_settings.cache_clear()
        try:
            yield base
        finally:
            get_settings.cache_clear()
    get_settings.cache_clear()


def test_every_form_and_link_on_the_customers_pages_keeps_the_stage_path(
    company: Company, partner: Partner, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client)
    token = mail.closed.link_token
    with staged(monkeypatch) as base:
        shown = {
            "ticket": page(company.api, "GET", f"/c/{token}")[1],
            "confirm": page(company.api, "GET", f"/c/{token}/confirm")[1],
            "rate": page(company.api, "GET", mail.rate_path)[1],
            "low": page(company.api, "POST", mail.rate_path, form="stars=2")[1],
            "thanks": page(company.api, "POST", f"{mail.rate_path}/comment", form="comment=Slow")[1],
            "error": page(company.api, "GET", f"/rate/{mail.rate_path[6:-3]}xyz")[1],
        }
    for name, html in shown.items():
        targets = re.findall(r'(?:action|href)="([^"]*)"', html) + re.findall(r'fetch\("([^"]*)"', html)
        assert all(t.startswith(base) for t in targets), (name, [t for t in targets if not t.startswith(base)])
    assert (
        f'action="{base}{mail.rate_path}"' in shown["rate"]
        and f'action="{base}{mail.rate_path}/comment"' in shown["low"]
    )
    assert f'id="tip" href="{base}/tip/' in shown["thanks"] and f'fetch("{base}/rate/' in shown["rate"]
