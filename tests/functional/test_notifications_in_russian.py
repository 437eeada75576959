"""A Russian-speaking customer reads every notification and every page of issue 14 in Russian (no English
source string left): the received, reply and resolved mails, the confirm page, the web form with its
errors, the thank-you page, the portal's pages and its mail; an agent who chose Russian gets Russian."""

# ruff: noqa: RUF001 (Russian text is meant to be Cyrillic)

from __future__ import annotations

import re
from urllib.parse import urlencode

from chalice.test import Client

from tests.functional.conftest import Company
from tests.functional.i18n_helpers import english_left_in
from tests.functional.notify_helpers import Stream, parts, sent_mail, text_of
from tests.functional.tips_helpers import page


def test_the_customers_mails_and_the_confirm_page_are_russian(company: Company, client: Client) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")
    opened = company.open_ticket("Принтер", "ru.mails@example.com", locale="ru")
    stream.step(opened["ticket_id"])
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{opened['ticket_id']}/messages", {"body": "Проверьте картридж."})
    stream.step(opened["ticket_id"])
    ada.call("POST", f"/tickets/{opened['ticket_id']}/resolve")
    stream.step(opened["ticket_id"])
    received, reply, resolved = sent_mail("ru.mails@example.com")
    assert "Мы получили ваше обращение" in text_of(received) and received["Content-Language"] == "ru"
    assert "Ada ответил(а) на ваше обращение:" in text_of(reply)
    assert "Ваша проблема решена?" in text_of(resolved) and "через 3 дня." in text_of(resolved)
    for message in (received, reply, resolved):
        for body in parts(message).values():
            assert english_left_in(body) == [], body
    [confirm] = re.findall(r"http://desk\.test(/c/[^\s\"]+/confirm)", text_of(resolved))
    status, html, _ = page(company.api, "GET", confirm)
    assert status == 200 and "Да, решена" in html and english_left_in(html) == []


def test_the_web_form_its_errors_and_the_portal_are_russian(company: Company) -> None:
    status, html, _ = page(company.api, "GET", f"/f/{company.intake_key}?lang=ru")
    assert status == 200 and '<html lang="ru">' in html and "Написать в Acme" in html
    assert english_left_in(html) == []
    bad = urlencode({"lang": "ru", "name": "Иван", "email": "нет", "subject": "Тема", "message": "Текст"})
    status, html, _ = page(company.api, "POST", f"/f/{company.intake_key}", bad)
    assert status == 422 and "Укажите адрес электронной почты" in html and english_left_in(html) == []
    good = urlencode(
        {"lang": "ru", "name": "Иван", "email": "ivan.form@example.com", "subject": "Тема", "message": "Т"}
    )
    status, _, headers = page(company.api, "POST", f"/f/{company.intake_key}", good)
    status, html, _ = page(company.api, "GET", headers["Location"].removeprefix("http://desk.test"))
    assert "Мы получили ваше обращение" in html and english_left_in(html) == []

    status, _, headers = page(
        company.api,
        "POST",
        f"/f/{company.intake_key}/requests",
        urlencode({"email": "ivan.form@example.com", "lang": "ru"}),
    )
    status, html, _ = page(company.api, "GET", headers["Location"].removeprefix("http://desk.test"))
    assert "Проверьте почту" in html and english_left_in(html) == []
    [mailed] = sent_mail("ivan.form@example.com")
    assert mailed["Subject"] == "Ваши обращения в Acme" and english_left_in(text_of(mailed)) == []

    [link] = re.findall(r"http://desk\.test(/my/[A-Za-z0-9_.\-]+)\?lang=ru", text_of(mailed))
    status, html, _ = page(company.api, "GET", f"{link}?lang=ru")  # the mailed link names the language
    assert status == 200 and "Показать мои обращения" in html and english_left_in(html) == []
    status, _, headers = page(company.api, "POST", link, urlencode({"lang": "ru"}))
    assert status == 303 and headers["Location"] == "http://desk.test/my?lang=ru"
    session = headers["Set-Cookie"].split(";")[0]
    listed = company.api.client.http.get("/my?lang=ru", headers={"Cookie": session})
    html = listed.body.decode()
    assert listed.status_code == 200 and "Тема" in html and "Часовой пояс: Вильнюс (GMT+02:00)" in html
    assert english_left_in(html) == []


def test_an_agent_who_chose_russian_gets_russian_mail(company: Company, client: Client) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")
    assert ada.call("PATCH", "/me/preferences", {"locale": "ru"})[1]["locale"] == "ru"
    opened = company.open_ticket("Принтер", "ru.agent@example.com")
    stream.step(opened["ticket_id"])
    ada.call("POST", "/tickets/next")
    stream.step(opened["ticket_id"])
    company.api.call("POST", f"/customer/tickets/{opened['link_token']}/messages", {"body": "Ну что?"}, token="")
    stream.step(opened["ticket_id"])
    [wrote] = [m for m in sent_mail("ada@example.com") if "Принтер" in m["Subject"]]
    assert "Ann пишет" in wrote["Subject"] and "написал(а) в обращении" in text_of(wrote)
    assert english_left_in(text_of(wrote)) == []
