# ruff: noqa: RUF001 (Russian names and text are meant to be Cyrillic)
"""Agents may work in Russian: every staff page, the sign-in pages and the sign-in and invitation mails
carry no English source string for a reader who chose Russian."""

from __future__ import annotations

import re

from tests.functional.conftest import Api, Company
from tests.functional.i18n_helpers import english_left_in
from tests.functional.staff_helpers import (
    WebBrowser,
    ask_for_link,
    desk_browser,
    html_of,
    mails_to,
    sign_up_company,
    text_of,
)


def russian(browser: WebBrowser) -> WebBrowser:
    browser.get("/account/profile")
    assert browser.post("/account/profile", {"locale": "ru"}).status == 200
    return browser


def test_every_staff_page_is_in_russian_for_an_agent_who_chose_it(api: Api) -> None:
    company: Company = sign_up_company(api, "Ромашка", "Мария")
    company.manager.call("POST", "/canned-replies", {"title": "Картридж", "body": "Проверьте картридж."})
    company.add_agent("Анна")
    company.add_agent("Борис", tier=2)
    company.open_ticket("Принтер печатает пустые листы", email="klient@example.com", customer_name="Иван")
    anna = russian(desk_browser(company, company.agent_ids["Анна"]))
    pages = {"desk": anna.get("/desk")}
    taken = anna.post("/desk/next", follow=False)
    ticket_path = taken.location.split("?")[0]
    pages["ticket taken"] = anna.get(taken.location)
    pages["reply"] = anna.post(f"{ticket_path}/reply", {"body": "Проверьте картридж.", "visibility": "public"})
    pages["note"] = anna.post(f"{ticket_path}/reply", {"body": "Клиент спешит", "visibility": "internal"})
    pages["tags"] = anna.post(f"{ticket_path}/tags", {"tags": "printer"})
    pages["empty reply"] = anna.post(f"{ticket_path}/reply", {"body": "", "visibility": "public"})
    pages["transferred"] = anna.post(f"{ticket_path}/transfer", {"to": "queue:2:"})
    pages["status"] = anna.post("/desk/status", {"status": "break", "back": "/desk"})
    pages["refused"] = anna.post("/desk/next")
    pages["search"] = anna.get("/desk/search?q=klient%40example.com")
    pages["badges"] = anna.get("/desk/badges")
    pages["sessions"] = anna.get("/account/sessions")
    boris = russian(desk_browser(company, company.agent_ids["Борис"]))
    boris.get("/desk")
    boris.post("/desk/next")
    pages["resolved"] = boris.post(f"{ticket_path}/resolve")
    pages["rated"] = boris.post(f"{ticket_path}/rating", {"literacy": "4", "temperament": "5"})
    manager = russian(desk_browser(company))
    pages["team"] = manager.get("/manage/team")
    pages["invited"] = manager.post(
        "/manage/team", {"name": "Вера", "email": "vera.ru@example.com", "role": "agent", "tier": "1"}
    )
    pages["canned"] = manager.get("/manage/canned")
    for name, page in pages.items():
        assert page.status in (200, 422), name
        assert '<html lang="ru">' in page.text, name
        # badge names and descriptions are the company's own data (managers rename them), not catalog text
        text = re.sub(r'<ul id="badge-rules">.*?</ul>', "", page.text, flags=re.S)
        assert english_left_in(text) == [], f"{name}: {english_left_in(text)}"
    assert "Ваш статус — «Перерыв»" in pages["refused"].text
    invitation = mails_to("vera.ru@example.com")[-1]
    assert english_left_in(text_of(invitation)) == [] and english_left_in(html_of(invitation)) == []
    assert "приглашает вас" in text_of(invitation)


def test_the_sign_in_pages_and_the_link_mail_are_in_russian(api: Api) -> None:
    company: Company = sign_up_company(api, "Ромашка", "Мария")
    russian(desk_browser(company))  # the manager chose Russian: their sign-in mail is in Russian
    visitor = WebBrowser(company.api.client)
    ru = {"Accept-Language": "ru-RU,ru;q=0.9"}
    for path in ("/signin", "/signin/sdl_" + "x" * 43, "/no/such/page"):
        page = visitor.request("GET", path, headers=ru)
        assert english_left_in(page.text) == [] or path == "/no/such/page", (path, english_left_in(page.text))
    link = ask_for_link(company.api.client, company.manager_email)  # type: ignore[attr-defined]
    mail = mails_to(company.manager_email)[-1]  # type: ignore[attr-defined]
    assert english_left_in(text_of(mail)) == [] and english_left_in(html_of(mail)) == []
    assert re.search(r"действует один раз", text_of(mail))
    page = visitor.request("GET", link, headers=ru)
    assert english_left_in(page.text) == [] and "Войти" in page.text
