"""Every page and e-mail a customer meets, in headless Chromium through the whole local stack, in English and
Russian, each checked at 1280 and 390 px (axe-core finds nothing serious, nothing scrolls sideways) with
screenshots kept in build/test-artefacts/customer-journey/: the web form's thank-you page, the ticket page
(the company named, times in its time zone), the confirm page, the rating page (stars chosen with the
keyboard, then Tip: the rating is saved and the partner's form follows; 1-2 stars ask what went wrong first
and offer no tip until answered), its thank-you page, forged and expired links, the "my requests" portal
(request, sent, open, list, a used link, no link) and the HTML part of each customer e-mail as SES was given
it (received, reply, resolved, rating and tip, portal link), parsed as MIME. One company, one browser."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page

from chalicelib import links
from tests.functional.i18n_helpers import english_left_in
from tests.support.accessibility import check_page
from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
FOLDER = "customer-journey"
ZONE = "Europe/Vilnius"

# What each language's pages say where the test looks (the catalogs hold the rest).
SAYS = {
    "en": {
        "thanks": "Thank you!",
        "zone": "Time zone: Vilnius",
        "rated": "You rated {stars} of 5",
        "ask": "We are sorry it did not go well.",
        "forged": "This link cannot be used",
        "expired": "This link has expired",
        "used": "This link has already been used",
        "none": "Please open the link from your e-mail again",
        "rating_subject": "How did we do?",
        "portal_subject": "Your requests with",
    },
    "ru": {
        "thanks": "Спасибо!",
        "zone": "Часовой пояс: Вильнюс",
        "rated": "Ваша оценка: {stars} из 5",
        "ask": "Нам жаль, что всё прошло не так, как надо.",
        "forged": "Ссылка не работает",
        "expired": "Срок действия ссылки истёк",
        "used": "Эта ссылка уже использована",
        "none": "Откройте ссылку из письма ещё раз",
        "rating_subject": "Оцените нашу работу",
        "portal_subject": "Ваши обращения в",
    },
}


@dataclass
class Desk:
    """The company at work: its manager and Ada (tips linked), over the stack's HTTP API."""

    stack: Any
    company_id: str
    intake_key: str
    manager: str
    ada: str
    ada_id: str
    seen: dict[str, int] = field(default_factory=dict)  # mails already read, per address

    @property
    def api(self) -> str:
        return str(self.stack.api_url)

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{self.api}{path}", json=body, headers=headers, timeout=30)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    def new_mail(self, address: str, count: int = 1) -> list[EmailMessage]:
        """The next `count` messages SES was given for `address` (raw MIME, parsed), in sending order."""
        deadline = time.monotonic() + 30
        while True:
            self.stack.drain()
            sent = [
                email.message_from_string(m["raw_data"], policy=email.policy.default)
                for m in self.stack.sent_emails()
                if "raw_data" in m and address in m["destinations"]
            ]
            start = self.seen.get(address, 0)
            if len(sent) >= start + count:
                self.seen[address] = start + count
                return [m for m in sent[start : start + count] if isinstance(m, EmailMessage)]
            if time.monotonic() > deadline:
                raise AssertionError(f"no new mail for {address} (had {len(sent)}, wanted {start + count})")
            time.sleep(0.2)

    def link_in(self, message: EmailMessage, pattern: str) -> str:
        """A link of the message's plain-text part, as the customer clicks it."""
        text = message.get_body(preferencelist=("plain",))
        assert text is not None
        found = re.findall(re.escape(self.api) + pattern, str(text.get_content()))
        assert found, (pattern, text.get_content())
        return self.api + found[0]

    def take_and_answer(self, answer: str) -> str:
        """Ada takes the waiting ticket and replies; its id."""
        ticket_id = str(self.call("POST", "/tickets/next", self.ada)["ticket_id"])
        self.call("POST", f"/tickets/{ticket_id}/messages", self.ada, {"body": answer})
        return ticket_id


def wait_for(check: Callable[[], bool], what: str, stack: Any) -> None:
    deadline = time.monotonic() + 30
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        stack.drain()
        time.sleep(0.2)


def open_desk(stack: Any) -> Desk:
    suffix = secrets.token_hex(4)
    signup = requests.post(
        f"{stack.api_url}/companies",
        json={
            "name": "Acme",
            "manager_name": "Mia",
            "manager_email": f"mia-{suffix}@acme.test",
            "timezone": ZONE,
            "currency": "EUR",
        },
        timeout=30,
    ).json()
    manager = signup["token"]
    desk = Desk(stack, signup["company"]["company_id"], signup["company"]["intake_key"], manager, "", "")
    desk.call("POST", "/tips/company/opt-in", manager)
    ada = desk.call("POST", "/employees", manager, {"name": "Ada Lovelace", "email": f"ada-{suffix}@acme.test"})
    desk.ada, desk.ada_id = ada["token"], ada["employee"]["employee_id"]
    wait_for(lambda: desk.call("GET", "/tips/status", manager)["company"]["state"] == "verified", "verified", stack)
    desk.call("POST", f"/tips/employees/{desk.ada_id}/opt-in", desk.ada)
    linked = lambda: desk.call("GET", "/tips/status", manager)["employees"][0]["state"] == "linked"  # noqa: E731
    wait_for(linked, "Ada linked", stack)
    desk.call("PUT", "/me/status", desk.ada, {"status": "online"})
    return desk


def checked(page: Page, name: str, locale: str) -> None:
    """axe at both widths with screenshots; a Russian page keeps no English."""
    check_page(page, f"{name}-{locale}", FOLDER)
    assert page.locator("html").get_attribute("lang") == locale, name
    if locale == "ru":
        assert english_left_in(page.content()) == [], name


def check_mail(page: Page, message: EmailMessage, name: str, locale: str) -> None:
    """The HTML part as a mail client shows it."""
    assert message["Content-Language"] == locale, name
    html = message.get_body(preferencelist=("html",))
    assert html is not None and html.get_content_type() == "text/html", name
    page.set_content(str(html.get_content()))
    checked(page, f"mail-{name}", locale)


def choose_stars(page: Page, stars: int) -> None:
    """With the keyboard only: Tab into the group, Space, then the right arrow moves along the stars the way
    they are seen (left to right, 1 to 5)."""
    xs = [page.locator(f"label[for=star{n}]").bounding_box() for n in range(1, 6)]
    assert all(b is not None for b in xs) and [b["x"] for b in xs if b] == sorted(b["x"] for b in xs if b)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    tab_to(page, "star1", limit=20)
    page.keyboard.press("Space")
    for _ in range(stars - 1):
        page.keyboard.press("ArrowRight")
    assert page.locator(f"#star{stars}").is_checked() and page.evaluate("document.activeElement.id") == f"star{stars}"


def tab_to(page: Page, element_id: str, limit: int = 6) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reached with Tab")


def rate_high_then_tip(page: Page, desk: Desk, stars: int = 5) -> None:
    """Stars, then the Tip button: the partner's form follows, and the rating was saved on the way."""
    choose_stars(page, stars)
    tab_to(page, "tip")
    with page.expect_navigation(url=re.compile(re.escape(desk.stack.partner_url) + "/form/")):
        page.keyboard.press("Enter")


def rate_low(page: Page, locale: str, stars: int, answer: str) -> None:
    """1-2 stars: the Tip button steps aside, the page asks what went wrong, the tip comes after the answer."""
    choose_stars(page, stars)
    assert page.locator("#tip").is_hidden()
    tab_to(page, "submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#problem-title").inner_text() == SAYS[locale]["ask"]
    assert page.locator("#tip").count() == 0  # no tip before the question
    checked(page, "rating-ask", locale)
    page.fill("#comment", answer)
    with page.expect_navigation():
        page.click("#send-comment")
    assert SAYS[locale]["rated"].format(stars=stars) in page.locator("#thanks").inner_text()
    assert page.locator("#heard").count() == 1 and page.locator("#tip").count() == 1


def journey(browser: Browser, desk: Desk, locale: str, low: bool) -> None:
    """One customer writing in `locale` through the web form, to the rating, the tip and the portal."""
    says, api = SAYS[locale], desk.api
    address = f"{locale}-{secrets.token_hex(4)}@example.com"
    context = browser.new_context(locale=locale, timezone_id=ZONE, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # the web form and its thank-you page
    page.goto(f"{api}/f/{desk.intake_key}?lang={locale}")
    page.fill("#name", "Ann")
    page.fill("#email", address)
    page.fill("#subject", f"Printer {locale}")
    page.fill("#message", "It prints blank pages.")
    with page.expect_navigation():
        page.click("#send")
    assert page.locator("#thanks").inner_text() == says["thanks"]
    checked(page, "thank-you", locale)
    [received] = desk.new_mail(address)
    ticket_url = desk.link_in(received, r"(/c/[A-Za-z0-9_.\-]+)")

    # the ticket page with the agent's answer: the company named, times in its zone
    ticket_id = desk.take_and_answer("Please check the cartridge.")
    [reply] = desk.new_mail(address)
    page.goto(ticket_url)
    assert "Please check the cartridge." in page.locator("#thread").inner_text()
    assert page.locator("#zone").inner_text().startswith(says["zone"]) and "Acme" in page.content()
    assert not re.search(r">\d{4}-\d\d-\d\dT", page.content())  # no raw timestamps
    checked(page, "ticket", locale)

    # resolved: the confirm page, then the rating page on the same page
    desk.call("POST", f"/tickets/{ticket_id}/resolve", desk.ada)
    [resolved] = desk.new_mail(address)
    page.goto(desk.link_in(resolved, r"(/c/[A-Za-z0-9_.\-]+/confirm)"))
    checked(page, "confirm", locale)
    with page.expect_navigation():
        page.click("#confirm")
    assert page.locator("#confirmed").count() == 1 and page.locator("input[name=stars]").count() == 5
    checked(page, "rating", locale)
    [rating_mail] = desk.new_mail(address)
    assert str(rating_mail["Subject"]).startswith(says["rating_subject"])
    rate_url = desk.link_in(rating_mail, r"(/rate/[A-Za-z0-9_.\-]+)")
    if low:
        rate_low(page, locale, 2, "It took three days.")
        checked(page, "rating-thanks-low", locale)
    else:
        rate_high_then_tip(page, desk)
        page.goto(rate_url)  # the rating the Tip button took along is saved
        assert says["rated"].format(stars=5) in page.locator("#thanks").inner_text()
        checked(page, "rating-thanks", locale)

    # links that cannot be used: forged (names nobody: the browser's language), expired (the ticket's)
    shown = page.goto(ticket_url[:-4] + ("AAAA" if not ticket_url.endswith("AAAA") else "BBBB"))
    assert shown is not None and shown.status == 403 and says["forged"] in page.locator("h1").inner_text()
    checked(page, "link-forged", locale)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    expired_ticket = links.customer_ticket_link(desk.company_id, ticket_id, 14, long_ago)
    shown = page.goto(f"{api}/c/{expired_ticket}")
    assert shown is not None and shown.status == 410 and says["expired"] in page.inner_text("body")
    assert page.locator("#company").inner_text() == "Acme"
    checked(page, "link-expired", locale)
    claims = links.LinkClaims(desk.company_id, ticket_id, desk.ada_id)
    shown = page.goto(f"{api}/rate/{links.sign('rate', claims, timedelta(days=14), long_ago)}")
    assert shown is not None and shown.status == 410 and says["expired"] in page.inner_text("body")
    checked(page, "rating-link-expired", locale)

    # the portal: ask for a link, open it, the list; the link used again; no link at all
    page.goto(f"{api}/f/{desk.intake_key}/requests?lang={locale}")
    checked(page, "portal-request", locale)
    page.fill("#email", address)
    with page.expect_navigation():
        page.click("#send")
    checked(page, "portal-sent", locale)
    [portal_mail] = desk.new_mail(address)
    assert str(portal_mail["Subject"]).startswith(says["portal_subject"])
    portal_link = desk.link_in(portal_mail, r"(/my/[A-Za-z0-9_.\-]+\?lang=[a-z]+)")
    page.goto(portal_link)
    checked(page, "portal-open", locale)
    with page.expect_navigation():
        page.click("#show")
    assert f"Printer {locale}" in page.locator("#requests").inner_text()
    assert page.locator("#zone").inner_text().startswith(says["zone"])
    checked(page, "portal-list", locale)
    page.goto(portal_link)
    with page.expect_navigation():
        page.click("#show")
    assert page.locator("h1").inner_text() == says["used"]
    checked(page, "portal-used", locale)
    context.clear_cookies()
    page.goto(f"{api}/my?lang={locale}")
    assert page.locator("h1").inner_text() == says["none"]
    checked(page, "portal-no-link", locale)

    # each e-mail's HTML part as SES was given it
    for name, message in (
        ("received", received),
        ("reply", reply),
        ("resolved", resolved),
        ("rating", rating_mail),
        ("portal", portal_mail),
    ):
        check_mail(page, message, name, locale)
    context.close()


def other_rating_path(browser: Browser, desk: Desk, locale: str, low: bool) -> None:
    """The rating path the journey did not take, on a second ticket confirmed in the customer's mail."""
    opened = desk.call(
        "POST",
        f"/intake/{desk.intake_key}/tickets",
        body={
            "subject": f"Invoice {locale}",
            "body": "Wrong total",
            "customer_name": "Bo",
            "customer_email": f"bo-{locale}-{secrets.token_hex(4)}@example.com",
            "locale": locale,
        },
    )
    ticket_id = desk.take_and_answer("Corrected.")
    desk.call("POST", f"/tickets/{ticket_id}/resolve", desk.ada)
    confirm_url = f"{desk.api}/c/{opened['link_token']}/confirm"
    context = browser.new_context(locale=locale, timezone_id=ZONE, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(confirm_url)
    with page.expect_navigation():
        page.click("#confirm")
    if low:
        rate_low(page, locale, 1, "Nobody answered.")
    else:
        rate_high_then_tip(page, desk, stars=4)
        page.goto(confirm_url)  # the confirm page of a rated ticket thanks for the rating
        assert SAYS[locale]["rated"].format(stars=4) in page.locator("#thanks").inner_text()
    context.close()


def test_every_page_and_mail_a_customer_meets_in_english_and_russian(local_stack: Any) -> None:
    desk = open_desk(local_stack)
    with chromium() as browser:
        journey(browser, desk, "en", low=False)
        journey(browser, desk, "ru", low=True)
        other_rating_path(browser, desk, "en", low=True)
        other_rating_path(browser, desk, "ru", low=False)
    summary = desk.call("GET", "/tips/summary", desk.manager)
    # 5, 2, 1 and 4 stars: every rating kept, whichever way the customer went on; two went on to the tip
    assert summary["ratings"] == 4 and summary["rating_average"] == 3
    assert summary["funnel"]["rated"] == 4 and summary["funnel"]["tip_clicked"] == 2
