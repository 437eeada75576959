"""The public web form and the "my requests" portal as people meet them, in headless Chromium through the
whole local stack: English and Russian, 1280 and 390 px wide (axe-core finds nothing serious, nothing
scrolls sideways), with JavaScript disabled, the honeypot out of sight; and the README's embeddable form
on a company's own site, whose JSON intake answers CORS for the listed origin and not for another."""

# ruff: noqa: RUF001 (Russian text is meant to be Cyrillic)

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.accessibility import check_page
from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_widget(api: str, intake_key: str) -> str:
    """The README's embeddable form, pointed at this stack."""
    found = re.search(r"<!-- widget:start -->\n```html\n(.*?)```\n<!-- widget:end -->", README.read_text(), re.S)
    assert found is not None, "README.md lacks the embeddable form between widget markers"
    snippet = found.group(1)
    assert len(snippet.strip().splitlines()) <= 12
    return snippet.replace("https://desk.example.com", api).replace("YOUR_INTAKE_KEY", intake_key)


@contextmanager
def company_site(page: str) -> Iterator[int]:
    """A company's own web site on loopback, serving one page."""

    class Site(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = f"<!doctype html><html lang='en'><title>Shop</title><body>{page}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def mailbox(stack: Any, address: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = requests.get(
        f"{stack.control_url}/mailbox.json", params={"to": address}, timeout=30
    ).json()
    return found


def wait_for_mail(stack: Any, address: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        stack.drain()
        found = mailbox(stack, address)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail for {address}")
        time.sleep(0.3)


def test_the_web_form_the_portal_and_an_embedded_form_work_for_people(local_stack: Any) -> None:
    stack, api = local_stack, local_stack.api_url
    signup = requests.post(
        f"{api}/companies", json={"name": "Formy", "manager_name": "Mia", "manager_email": "mia@f.test"}, timeout=30
    ).json()
    intake, manager = signup["company"]["intake_key"], {"Authorization": f"Bearer {signup['token']}"}
    address = f"form-{int(time.time() * 1000)}@example.com"

    with chromium() as browser:
        # the pages as they are, in English and Russian, at both widths (axe runs in the page: JavaScript on)
        checked = browser.new_page()
        checked.goto(f"{api}/f/{intake}")
        assert checked.locator("h1").inner_text() == "Write to Formy"
        honeypot = checked.locator("#website").bounding_box()  # the honeypot stays out of sight and reach
        assert honeypot is not None and honeypot["x"] + honeypot["width"] <= 0
        assert checked.locator("#website").get_attribute("tabindex") == "-1"
        check_page(checked, "web-form-en", "customer")
        checked.click("#send")  # empty: the fields are marked, nothing is sent
        checked.wait_for_selector("#problems")
        assert checked.locator("[aria-invalid=true]").count() == 4
        check_page(checked, "web-form-errors", "customer")
        checked.goto(f"{api}/f/{intake}?lang=ru")
        assert checked.locator("h1").inner_text() == "Написать в Formy"
        check_page(checked, "web-form-ru", "customer")
        checked.goto(f"{api}/f/{intake}/requests")
        check_page(checked, "portal-request", "customer")

        # a customer without JavaScript on a phone: the Russian form, the portal, their ticket
        plain = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
        page = plain.new_page()
        page.goto(f"{api}/f/{intake}?lang=ru")
        page.fill("#name", "Иван")
        page.fill("#email", address)
        page.fill("#subject", "Не работает вход")
        page.fill("#message", "Пишет «доступ запрещён».")
        page.click("#send")
        page.wait_for_selector("#thanks")
        assert "Мы получили ваше обращение #" in page.content()
        [received] = wait_for_mail(stack, address, 1)
        assert "Не работает вход" in received["subject"] and "Мы получили ваше обращение" in received["text"]

        page.goto(f"{api}/f/{intake}/requests?lang=ru")
        page.fill("#email", address)
        page.click("#send")
        page.wait_for_selector("#sent")
        portal_mail = wait_for_mail(stack, address, 2)[0]
        [link] = [url for url in portal_mail["links"] if "/my/" in url]
        page.goto(link)
        page.click("#show")
        page.wait_for_selector("#requests")
        assert "Не работает вход" in page.locator("#requests").inner_text()
        for name in ("portal-sent", "portal-open", "portal-list"):  # the same pages, checked with JavaScript on
            url = {"portal-sent": f"{api}/f/{intake}/requests/sent", "portal-open": link, "portal-list": page.url}[name]
            checked.context.add_cookies(plain.cookies())
            checked.goto(url)
            check_page(checked, name, "customer")
        page.click("#requests a")
        page.wait_for_load_state()
        assert "Не работает вход" in page.locator("h1").inner_text()
        plain.close()

        # a company's own site with the README's form: CORS for the listed origin only
        with company_site(readme_widget(api, intake)) as port:
            allowed = f"http://127.0.0.1:{port}"
            requests.patch(f"{api}/company/settings", json={"cors_origins": [allowed]}, headers=manager, timeout=30)
            shop = browser.new_page()
            shop.goto(f"{allowed}/")
            shop.fill("[name=customer_name]", "Bo")
            shop.fill("[name=customer_email]", f"widget-{address}")
            shop.fill("[name=subject]", "From the shop")
            shop.fill("[name=body]", "Where is my order?")
            shop.click("button")
            shop.wait_for_function("document.getElementById('desk-result').textContent.length > 0")
            assert shop.locator("#desk-result").inner_text().startswith("Thank you")
            refused = browser.new_page()
            refused.goto(f"http://localhost:{port}/")  # the same site under a name the company did not list
            refused.fill("[name=customer_name]", "Eve")
            refused.fill("[name=customer_email]", f"eve-{address}")
            refused.fill("[name=subject]", "Spam")
            refused.fill("[name=body]", "Spam")
            refused.click("button")
            refused.wait_for_function("document.getElementById('desk-result').textContent.length > 0")
            assert refused.locator("#desk-result").inner_text().startswith("Sorry")
    tickets = requests.get(f"{api}/tickets", headers=manager, timeout=30).json()["tickets"]
    assert sorted(t["subject"] for t in tickets) == ["From the shop", "Не работает вход"]
