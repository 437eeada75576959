"""A browser for page tests through chalice.test.Client: it keeps the cookies it is given, posts forms
with the CSRF token of the page it last read, and reads sign-in links from the mail moto's SES accepted."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalice.test import Client

from devstack.moto import outbox

BASE = "http://desk.test"  # PUBLIC_BASE_URL of the test environment
SIGNIN_LINK = re.compile(r"http://desk\.test(/signin/sdl_[A-Za-z0-9_-]+)")


@dataclass
class Answer:
    status: int
    text: str
    headers: dict[str, str]

    @property
    def location(self) -> str:
        return self.headers.get("Location", "").removeprefix(BASE)


@dataclass
class WebBrowser:
    client: Client
    cookies: dict[str, str] = field(default_factory=dict)
    last_page: str = ""
    user_agent: str = "Test browser"

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            body = urlencode(form)
        response = getattr(self.client.http, method.lower())(path.removeprefix(BASE), headers=sent, body=body)
        for raw in _set_cookies(response.headers.get("Set-Cookie")):
            name, _, rest = raw.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in raw:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        text = response.body.decode() if isinstance(response.body, bytes) else (response.body or "")
        answer = Answer(response.status_code, text, dict(response.headers))
        if method == "GET" and answer.status == 200 and "text/html" in answer.headers.get("Content-Type", ""):
            self.last_page = text
        return answer

    def get(self, path: str, follow: bool = True) -> Answer:
        answer = self.request("GET", path)
        for _ in range(5):
            if not follow or answer.status not in (302, 303):
                break
            answer = self.request("GET", answer.location)
        return answer

    def post(self, path: str, form: dict[str, str] | None = None, csrf: bool = True, follow: bool = True) -> Answer:
        data = dict(form or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = csrf_token(self.last_page)
        answer = self.request("POST", path, data)
        if follow and answer.status in (302, 303):
            return self.get(answer.location)
        return answer


def _set_cookies(header: Any) -> list[str]:
    if not header:
        return []
    return list(header) if isinstance(header, list) else [header]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def mails_to(address: str) -> list[Message]:
    from chalicelib.mail import ascii_address

    wanted = ascii_address(address)  # SES takes an internationalised domain in its ASCII form
    found = []
    for message in outbox():
        if "raw_data" in message and wanted in message["destinations"]:
            found.append(email.message_from_string(message["raw_data"], policy=email.policy.default))
    return found


def text_of(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: Message) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def signin_links(message: Message) -> list[str]:
    return SIGNIN_LINK.findall(text_of(message))


def ask_for_link(client: Client, address: str, next_path: str = "") -> str:
    """Ask for a sign-in link on the sign-in page; the path of the link the newest mail carries."""
    browser = WebBrowser(client)
    browser.get("/signin" + (f"?next={next_path}" if next_path else ""))
    before = len(mails_to(address))
    answer = browser.post("/signin", {"email": address, "next": next_path})
    assert answer.status == 200, answer.text
    mails = mails_to(address)
    assert len(mails) == before + 1, f"no sign-in mail for {address}"
    return signin_links(mails[-1])[0]


def sign_in_with_link(client: Client, link_path: str, user_agent: str = "Test browser") -> WebBrowser:
    browser = WebBrowser(client, user_agent=user_agent)
    page = browser.get(link_path)
    assert page.status == 200, page.text
    answer = browser.post(link_path, follow=False)
    assert answer.status == 303, answer.text
    assert "sd_session" in browser.cookies
    return browser


def path_of(url: str) -> str:
    return urlsplit(url).path


def sign_up_company(api: Any, name: str = "Acme", manager: str = "Mia") -> Any:
    """A company whose manager has an address of their own (sign-in mails go by address, across companies)."""
    import secrets

    from tests.functional.conftest import Company

    # SES takes no non-ASCII local part (an internationalised domain is fine): the intake refuses it too
    local = manager.lower() if manager.isascii() else "m" + manager.encode().hex()[:10]
    address = f"{local}-{secrets.token_hex(4)}@{name.lower()}.test"
    status, body = api.call(
        "POST",
        "/companies",
        {
            "name": name,
            "manager_name": manager,
            "manager_email": address,
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    )
    assert status == 201, body
    company = Company(
        api,
        body["company"]["company_id"],
        body["company"]["intake_key"],
        api.as_(body["token"]),
        body["manager"]["employee_id"],
    )
    company.manager_email = address  # type: ignore[attr-defined]
    return company


def desk_browser(company: Any, employee_id: str | None = None, user_agent: str = "Test browser") -> WebBrowser:
    """A browser with a session of the employee (opened by the domain, as tests/functional/sessions_helpers)."""
    from tests.functional.sessions_helpers import sign_in

    signed = sign_in(company, employee_id, user_agent)
    return WebBrowser(company.api.client, {"sd_session": signed.secret or ""}, user_agent=user_agent)
