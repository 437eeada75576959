"""Signing a person in for page tests: a session opened by the domain, sent as the browser would send it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from tests.functional.conftest import Company

COOKIE = "sd_session"  # the local stage's name (deployed stages use __Host-sd_session)


@dataclass
class Browser:
    """One browser: a session cookie, and form posts carrying the page's CSRF token."""

    client: Client
    secret: str | None = None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        sent = dict(headers or {})
        if self.secret:
            sent["Cookie"] = f"{COOKIE}={self.secret}"
        body = None
        if form is not None:
            from urllib.parse import urlencode

            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            body = urlencode(form)
        return getattr(self.client.http, method.lower())(path, headers=sent, body=body)

    def page(self, path: str) -> tuple[int, str, dict[str, str]]:
        response = self.request("GET", path)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        return response.status_code, text, dict(response.headers)


def sign_in(company: Company, employee_id: str | None = None, user_agent: str = "Test browser") -> Browser:
    from chalicelib import sessions
    from chalicelib.db.models import Company as CompanyModel
    from chalicelib.db.models import Employee

    employee = Employee.get(company.company_id, employee_id or company.manager_id)
    secret = sessions.open_session(employee, CompanyModel.get(company.company_id), user_agent)
    return Browser(company.api.client, secret)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)
