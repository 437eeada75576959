"""A Russian-speaking customer reads everything in Russian, through the real entry points: the
rating and tip e-mail and the chat message (as the stream handler sends them), the rating page, its
form error and thanks, the pages for links that cannot be used, and the ticket page; none of the
catalog's English source strings is left in any of them."""

# ruff: noqa: RUF001 (Russian text is meant to be Cyrillic)

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from chalice.test import Client

from chalicelib import links
from chalicelib.db.models import Ticket
from chalicelib.pages.customer_ticket import ticket_page
from chalicelib.tickets import service
from chalicelib.tickets.views import customer_ticket_view
from chalicelib.tips.config import get_tip_config
from tests.functional.conftest import Company
from tests.functional.i18n_helpers import english_left_in, english_phrases
from tests.functional.tips_helpers import (
    Partner,
    close_ticket,
    deliver,
    emailed,
    enable_tips,
    page,
    partner_fixture,  # noqa: F401
    parts,
    sent_mail,
)


def test_the_leftover_check_finds_english_where_a_reader_would_see_it() -> None:
    assert len(english_phrases()) > 50
    assert "Leave a tip" in english_left_in("<html><p>Оцените: <b>Leave a tip</b></p></html>")
    hidden_and_attribute = english_left_in("<html><style>.Send{}</style><p title='Your rating'>Да</p></html>")
    assert "Your rating" in hidden_and_attribute and "Send" not in hidden_and_attribute
    assert english_left_in("Спасибо! http://desk.test/rate/Send-rating.x") == []


def test_the_rating_email_reaches_a_russian_customer_in_russian(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    closed = close_ticket(company, email_address="ivan.ru@example.com", locale="ru")
    assert deliver(client, closed.record("i18n-1")) == {"batchItemFailures": []}
    [message] = sent_mail("ivan.ru@example.com")
    bodies = parts(message)
    assert message["Content-Language"] == "ru" and message["Subject"] == "Оцените нашу работу: Printer is broken"
    text, html = bodies["text/plain"], bodies["text/html"]
    assert text.startswith("Здравствуйте, Ann!\n\nВаше обращение «Printer is broken» в Acme закрыто.")
    assert "Если хотите поблагодарить Ada, можно оставить чаевые:" in text
    assert "действуют 14 дней." in text  # the company's link lifetime, in its plural form
    assert '<html lang="ru">' in html and ">Оценить: Ada</a>" in html and ">Оставить чаевые</a>" in html
    assert english_left_in(text) == [] and english_left_in(html) == []


def test_the_chat_message_and_its_buttons_are_in_the_customers_language(
    company: Company, partner: Partner, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_tips(company, partner)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    get_tip_config.cache_clear()
    try:
        partner.mock.add(
            responses.POST,
            "https://api.telegram.org/bot123:abc/sendMessage",
            json={"ok": True, "result": {"message_id": 7}},
        )
        closed = close_ticket(company, channel="telegram", telegram_chat_id="4242", locale="ru")
        assert deliver(client, closed.record("i18n-2")) == {"batchItemFailures": []}
    finally:
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
        get_tip_config.cache_clear()
    [sent] = [json.loads(c.request.body) for c in partner.mock.calls if "sendMessage" in c.request.url]
    assert sent["text"].startswith("Ваше обращение «Printer is broken» в Acme закрыто.")
    assert "Можно поблагодарить чаевыми." in sent["text"] and english_left_in(sent["text"]) == []
    buttons = [row[0]["text"] for row in sent["reply_markup"]["inline_keyboard"]]
    assert buttons == ["Оценить: Ada", "Оставить чаевые"]


def test_the_rating_page_its_form_error_and_the_thanks_are_in_russian(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    mail = emailed(company, client, locale="ru")
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    status, html, _ = page(company.api, "GET", mail.rate_path, headers=english_browser)
    assert status == 200 and '<html lang="ru">' in html and "<title>Оцените поддержку</title>" in html
    assert "<h1>Как поработал(а) Ada?</h1>" in html and ">Отправить оценку</button>" in html
    assert (
        '<span class="visually-hidden">1 из 5</span>' in html and '<span class="visually-hidden">5 из 5</span>' in html
    )
    assert ">Оставить чаевые</button>" in html and '<p id="company">Acme</p>' in html
    assert english_left_in(html) == []

    status, html, _ = page(company.api, "POST", mail.rate_path, form="stars=9")
    assert status == 422 and "Выберите от 1 до 5 звёзд." in html and english_left_in(html) == []

    status, html, _ = page(company.api, "POST", mail.rate_path, form="stars=2")
    assert status == 200 and "Спасибо! Ваша оценка: 2 из 5." in html and "Что пошло не так?" in html
    assert 'id="tip"' not in html and english_left_in(html) == []
    status, html, _ = page(company.api, "POST", f"{mail.rate_path}/comment", form="comment=Долго+ждал")
    assert status == 200 and "Спасибо, что рассказали, что пошло не так" in html and english_left_in(html) == []


def test_links_that_cannot_be_used_explain_why_in_the_customers_language_naming_the_company(
    company: Company, client: Client
) -> None:
    mail = emailed(company, client, locale="ru")  # closed on confirmation, but the company has no tips
    english_browser = {"Accept-Language": "en"}
    claims = links.LinkClaims(company.company_id, mail.closed.after.ticket_id, company.agent_ids["Ada"])
    status, html, _ = page(company.api, "GET", f"/tip/{links.sign('tip', claims, timedelta(days=1))}")
    assert status == 409 and "<h1>Сейчас это сделать нельзя</h1>" in html and '<p id="company">Acme</p>' in html
    assert "Чаевые для этого сотрудника сейчас недоступны." in html and english_left_in(html) == []

    opened = company.open_ticket("Принтер не печатает", "olga@example.com", locale="ru")
    claims = links.LinkClaims(company.company_id, opened["ticket_id"], company.agent_ids["Ada"])
    status, html, _ = page(company.api, "GET", f"/rate/{links.sign('rate', claims, timedelta(days=1))}")
    assert status == 409 and "Оценить можно только обращение, решение которого вы подтвердили." in html
    assert english_left_in(html) == []

    # expired: the link still says whose it is, so the page speaks Russian and names the company
    long_ago = datetime.now(UTC) - timedelta(days=30)
    expired = {
        "rate": links.sign("rate", claims, timedelta(days=14), long_ago),
        "tip": links.sign("tip", claims, timedelta(days=14), long_ago),
        "c": links.customer_ticket_link(company.company_id, opened["ticket_id"], 14, long_ago),
    }
    for prefix, token in expired.items():
        status, html, _ = page(company.api, "GET", f"/{prefix}/{token}", headers=english_browser)
        assert status == 410 and '<html lang="ru">' in html and "Срок действия ссылки истёк." in html, prefix
        assert '<p id="company">Acme</p>' in html and english_left_in(html) == [], prefix

    # forged: it names nobody, so the browser's language and no company
    forged = expired["rate"][:-4] + ("AAAA" if not expired["rate"].endswith("AAAA") else "BBBB")
    status, html, _ = page(company.api, "GET", f"/rate/{forged}", headers={"Accept-Language": "ru-RU,ru"})
    assert status == 403 and '<html lang="ru">' in html and "Ссылка недействительна." in html
    assert 'id="company"' not in html and "Acme" not in html
    status, html, _ = page(company.api, "GET", f"/rate/{forged}", headers=english_browser)
    assert status == 403 and '<html lang="en">' in html and "This link is not valid." in html


def test_an_employee_rating_their_own_ticket_is_told_so_in_russian(company: Company, client: Client) -> None:
    company.add_agent("Zoya")  # an address no other test's mail goes to (the outbox is shared)
    mail = emailed(company, client, agent="Zoya", email_address="zoya@example.com", locale="ru")
    status, html, _ = page(company.api, "POST", mail.rate_path, form="stars=5")
    assert status == 403 and "Сотрудник не может оценить своё собственное обращение." in html
    assert english_left_in(html) == []


def test_the_customers_ticket_page_is_in_the_tickets_language_naming_the_company_in_its_time_zone(
    company: Company,
) -> None:
    agent = company.add_agent("Ada")
    opened = company.open_ticket("Принтер не печатает", "olga@example.com", locale="ru")
    assert agent.call("POST", "/tickets/next")[1]["ticket_id"] == opened["ticket_id"]
    agent.call("POST", f"/tickets/{opened['ticket_id']}/messages", {"body": "Проверьте картридж."})
    path = f"/c/{opened['link_token']}"
    status, html, headers = page(company.api, "GET", path, headers={"Accept-Language": "en"})
    assert status == 200 and '<html lang="ru">' in html and '<p id="company">Acme</p>' in html
    assert '<span class="status" id="status">Открыто</span>' in html and "секунд" in html  # opened N seconds ago
    assert "Поддержка · <time" in html and "Вы · <time" in html and ">Отправить</button>" in html
    assert "Часовой пояс: Вильнюс (GMT+0" in html and 'data-zone="Europe/Vilnius"' in html  # the company's
    ticket = Ticket.get(company.company_id, opened["ticket_id"])
    vilnius = ticket.created_at.astimezone(ZoneInfo("Europe/Vilnius"))
    assert f"{vilnius:%H:%M}</time>" in html and f"{vilnius:%Y}" in html and "Z</time>" not in html
    assert "script-src 'nonce-" in headers["Content-Security-Policy"] and english_left_in(html) == []

    assert agent.call("POST", f"/tickets/{opened['ticket_id']}/resolve")[0] == 200
    status, html, _ = page(company.api, "POST", f"{path}/reply", form="body=+")
    assert status == 422 and "Решено: ждём вашего подтверждения" in html and ">Да, закрыть обращение</button>" in html
    assert "Сначала напишите ответ." in html and 'aria-invalid="true"' in html and english_left_in(html) == []
    ticket, thread = service.customer_ticket(opened["link_token"])
    english = ticket_page(dict(customer_ticket_view(ticket, thread)), "/c/x", "Please write a reply first.")
    assert "Resolved: waiting for your confirmation" in english and "Please write a reply first." in english
    assert "Time zone: UTC" in english


def test_an_error_page_is_in_the_customers_language_whatever_the_browser_asks_for(company: Company) -> None:
    opened = company.open_ticket("Принтер не печатает", "olga@example.com", locale="ru")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    path = f"/c/{opened['link_token']}/confirm"  # not resolved yet: the confirmation is refused
    for browser in ("ru-RU,ru;q=0.9,en;q=0.5", "en-US,en"):
        refused = company.api.client.http.post(path, headers={**form, "Accept-Language": browser}, body="")
        html = refused.body.decode()
        assert refused.status_code == 409 and '<html lang="ru">' in html and '<p id="company">Acme</p>' in html
        assert "<h1>Сейчас это сделать нельзя</h1>" in html and "Ошибка 409." in html and english_left_in(html) == []
    english_ticket = company.open_ticket("Printer", "paul@example.com")
    html = company.api.client.http.post(
        f"/c/{english_ticket['link_token']}/confirm", headers={**form, "Accept-Language": "ru"}, body=""
    ).body.decode()
    assert "<h1>This cannot be done now</h1>" in html and "The ticket has not been resolved yet." in html
