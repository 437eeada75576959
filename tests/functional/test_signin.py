"""Signing in by e-mail link, invitations, and who may create companies, through the real pages and routes."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from chalice.test import Client

from chalicelib import mail, ratelimit, signin
from chalicelib.clock import utcnow
from chalicelib.db.models import Employee
from chalicelib.ratelimit import RateCounter
from chalicelib.signin.models import SignInLink
from tests.functional.conftest import Api, Company, agent_address, sign_up
from tests.functional.staff_helpers import (
    WebBrowser,
    ask_for_link,
    desk_browser,
    html_of,
    mails_to,
    sign_in_with_link,
    sign_up_company,
    signin_links,
    text_of,
)

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def company(api: Api) -> Company:
    return sign_up_company(api)  # type: ignore[no-any-return]


def test_an_employee_asks_for_a_link_opens_it_and_is_signed_in_where_they_were_going(company: Company) -> None:
    client = company.api.client
    stranger = WebBrowser(client)
    answer = stranger.get("/account/sessions", follow=False)
    assert answer.status == 303 and answer.location == "/signin?next=/account/sessions"

    link = ask_for_link(client, company.manager_email, "/account/sessions")
    mail = mails_to(company.manager_email)[-1]
    assert mail.get_content_type() == "multipart/alternative"
    assert link in text_of(mail) and link in html_of(mail) and "15 minutes" in text_of(mail)

    browser = WebBrowser(client, user_agent="Laptop")
    page = browser.get(link)
    assert page.status == 200 and "Sign in to Acme" in page.text and "You are signing in as Mia" in page.text
    assert (
        page.headers["Referrer-Policy"] == "no-referrer"
        and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    )
    assert browser.get(link).status == 200  # opening the page (a mail scanner) does not use the link

    answer = browser.post(link, follow=False)
    assert answer.status == 303 and answer.location == "/account/sessions"
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith("sd_session=sds_") and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert browser.get("/account/sessions").status == 200


def test_the_answer_is_the_same_for_an_unknown_address_and_no_mail_is_sent(company: Company) -> None:
    browser = WebBrowser(company.api.client)
    browser.get("/signin")
    known = browser.post("/signin", {"email": company.manager_email})
    unknown = browser.post("/signin", {"email": "nobody@acme.test"})
    assert known.status == unknown.status == 200
    assert known.text.replace(company.manager_email, "X") == unknown.text.replace("nobody@acme.test", "X")
    assert mails_to("nobody@acme.test") == []


def test_a_bad_address_shows_the_form_again_with_an_error(company: Company) -> None:
    browser = WebBrowser(company.api.client)
    browser.get("/signin")
    answer = browser.post("/signin", {"email": "not an address"})
    assert answer.status == 422 and 'aria-invalid="true"' in answer.text and "name@example.com" in answer.text


def test_a_used_expired_or_forged_link_shows_a_friendly_page_and_changes_nothing(company: Company) -> None:
    from chalicelib import sessions

    client = company.api.client
    used = ask_for_link(client, company.manager_email)
    sign_in_with_link(client, used)
    expired = ask_for_link(client, company.manager_email)
    record = SignInLink.get(signin.hash_token(expired.rsplit("/", 1)[1]))
    record.update(actions=[SignInLink.expires_at.set(utcnow() - timedelta(seconds=1))])
    forged = used[:-4] + ("AAAA" if not used.endswith("AAAA") else "BBBB")
    before = len(sessions.of_employee(company.company_id, company.manager_id))
    for link in (used, expired, forged, "/signin/sdl_short", "/signin/" + "x" * 600):
        browser = WebBrowser(client)
        page = browser.get(link)
        assert page.status == 410 and "This sign-in link cannot be used" in page.text, link
        assert "/signin" in page.text and "Get a new sign-in link" in page.text
        browser.get("/signin")  # a form token of this visitor: the post is refused for the link, not the form
        answer = browser.post(link, follow=False)
        assert answer.status == 410 and "sd_session" not in browser.cookies, link
    assert len(sessions.of_employee(company.company_id, company.manager_id)) == before


def test_a_link_is_used_once_and_every_sign_in_gets_a_new_session_secret(company: Company) -> None:
    client = company.api.client
    link = ask_for_link(client, company.manager_email)
    browser = WebBrowser(client)
    browser.cookies["sd_session"] = "sds_planted-by-an-attacker-0000000000000"
    browser.get(link)
    assert browser.post(link, follow=False).status == 303
    first = browser.cookies["sd_session"]
    assert first != "sds_planted-by-an-attacker-0000000000000"
    again = WebBrowser(client)
    assert again.get(link).status == 410  # the same link a second time: refused
    again.get("/signin")
    assert again.post(link, follow=False).status == 410
    second = sign_in_with_link(client, ask_for_link(client, company.manager_email)).cookies["sd_session"]
    assert second != first


def test_the_sign_in_button_without_the_visitor_token_is_refused_and_the_link_still_works(company: Company) -> None:
    client = company.api.client
    link = ask_for_link(client, company.manager_email)
    attacker = WebBrowser(client)
    for form in ({}, {"csrf_token": "forged"}):
        answer = attacker.request("POST", link, form)
        assert answer.status == 403 and "did not come from this site" in answer.text
    other = WebBrowser(client)
    other.get("/signin")
    answer = attacker.request("POST", link, {"csrf_token": other.last_page.split('name="csrf_token" value="')[1][:43]})
    assert answer.status == 403  # another visitor's token does not pass without their cookie
    assert sign_in_with_link(client, link).get("/account/sessions").status == 200


def test_only_a_path_of_this_site_is_followed_after_signing_in(company: Company) -> None:
    client = company.api.client
    for wanted, landed in (
        ("//evil.test/x", "/desk"),
        ("https://evil.test/", "/desk"),
        ("/\\evil.test", "/desk"),
        ("/desk/badges", "/desk/badges"),
    ):
        browser = WebBrowser(client)
        browser.get("/signin")
        browser.post("/signin", {"email": company.manager_email, "next": wanted})
        link = signin_links(mails_to(company.manager_email)[-1])[0]
        browser.get(link)
        assert browser.post(link, follow=False).location == landed, wanted


def test_someone_in_two_companies_gets_one_mail_with_a_link_for_each(api: Api) -> None:
    first, second = sign_up(api, "Alpha"), sign_up(api, "Beta")
    for company in (first, second):
        status, _ = company.manager.call("POST", "/employees", {"name": "Sam", "email": "sam.both@example.com"})
        assert status == 201
    ask_for_link(api.client, "sam.both@example.com")
    mail = mails_to("sam.both@example.com")[-1]
    links = signin_links(mail)
    assert len(links) == 2 and "Alpha" in text_of(mail) and "Beta" in text_of(mail)
    companies = set()
    for link in links:
        page = WebBrowser(api.client).get(link)
        companies.add("Alpha" if "Sign in to Alpha" in page.text else "Beta" if "Sign in to Beta" in page.text else "?")
    assert companies == {"Alpha", "Beta"}


def test_asking_too_often_for_one_address_sends_no_more_mail_and_answers_the_same(company: Company) -> None:
    browser = WebBrowser(company.api.client)
    browser.get("/signin")
    sent_before = len(mails_to(company.manager_email))
    answers = [browser.post("/signin", {"email": company.manager_email}) for _ in range(7)]
    assert {a.status for a in answers} == {200}
    assert len(mails_to(company.manager_email)) - sent_before <= 5


def test_an_invitation_signs_the_new_employee_in_and_marks_them_joined(company: Company) -> None:
    status, body = company.manager.call("POST", "/employees", {"name": "Ada", "email": "ada.invited@example.com"})
    employee_id = body["employee"]["employee_id"]
    status, body = company.manager.call("POST", f"/employees/{employee_id}/invitation")
    assert status == 202, body
    mail = mails_to("ada.invited@example.com")[-1]
    assert "invited you to work on the service desk of Acme" in text_of(mail)
    link = signin_links(mail)[0]
    browser = WebBrowser(company.api.client)
    assert "Join Acme" in browser.get(link).text
    assert browser.post(link, follow=False).status == 303
    assert Employee.get(company.company_id, employee_id).joined_at is not None
    status, body = company.manager.call("POST", f"/employees/{employee_id}/invitation")
    assert status == 409 and body["type"] == "/problems/joined"


def test_a_deactivated_employee_cannot_use_a_link_they_were_sent(company: Company) -> None:
    name = f"Bea{secrets.token_hex(3)}"  # an address of hers alone: one mail carries a link per company
    company.add_agent(name)
    link = ask_for_link(company.api.client, agent_address(name))
    assert company.manager.call("DELETE", f"/employees/{company.agent_ids[name]}")[0] == 200
    browser = WebBrowser(company.api.client)
    assert browser.get(link).status == 410
    browser.get("/signin")
    assert browser.post(link, follow=False).status == 410


def test_the_root_sends_strangers_to_sign_in_and_signed_in_people_to_their_workspace(company: Company) -> None:
    browser = WebBrowser(company.api.client)
    assert browser.get("/", follow=False).location == "/signin"
    signed_in = sign_in_with_link(company.api.client, ask_for_link(company.api.client, company.manager_email))
    assert signed_in.get("/", follow=False).location == "/desk"


# ---------------------------------------------------------------- who may create companies


@pytest.fixture
def closed_client(tmp_path: Path, client: Client) -> Iterator[Client]:
    """The app with the stage's SIGNUP_MODE closed and a small sign-up limit (a copy of .chalice/config.json)."""
    import app

    (tmp_path / ".chalice").mkdir()
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    config["stages"]["local"]["environment_variables"]["SIGNUP_MODE"] = "closed"
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config))
    with Client(app.app, stage_name="local", project_dir=str(tmp_path)) as closed:
        yield closed
    shutil.rmtree(tmp_path / ".chalice")


def test_a_closed_deployment_refuses_sign_up_and_its_first_manager_comes_from_the_command(
    closed_client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools import first_manager

    api = Api(closed_client)
    status, body = api.call("POST", "/companies", {"name": "Nope", "manager_name": "N", "manager_email": "n@nope.test"})
    assert status == 403 and body["type"] == "/problems/signup-closed"

    assert first_manager.main(["--company", "Initech", "--name", "Bill", "--email", "bill@initech.test"]) == 0
    printed = capsys.readouterr().out
    link = next(line for line in printed.splitlines() if line.startswith("http://desk.test/signin/"))
    browser = WebBrowser(closed_client)
    assert "Join Initech" in browser.get(link).text
    assert browser.post(link, follow=False).location == "/desk"
    assert browser.get("/account/sessions").status == 200
    assert WebBrowser(closed_client).get(link).status == 410  # one-time


def test_the_first_manager_command_refuses_bad_input_and_creates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from tools import first_manager

    code = first_manager.main(["--company", "X", "--name", "Y", "--email", "not-an-address", "--timezone", "Mars/Base"])
    assert code == 2
    errors = capsys.readouterr().err
    assert "manager_email" in errors and "timezone" in errors
    assert list(Employee.by_email.query("not-an-address")) == []


def test_open_sign_up_is_limited_per_ip(tmp_path: Path, client: Client) -> None:
    import app

    (tmp_path / ".chalice").mkdir()
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    config["stages"]["local"]["environment_variables"]["SIGNUPS_PER_IP_PER_HOUR"] = "0"
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config))
    with Client(app.app, stage_name="local", project_dir=str(tmp_path)) as limited:
        status, body = Api(limited).call(
            "POST", "/companies", {"name": "Spam", "manager_name": "S", "manager_email": "s@spam.test"}
        )
    assert status == 429 and body["type"] == "/problems/too-many-requests"


def test_on_a_deployed_stage_the_cookies_are_secure_and_host_only(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from chalicelib import settings
    from chalicelib.web import signin as signin_pages

    link = ask_for_link(company.api.client, company.manager_email)
    deployed = dataclasses.replace(settings.get_settings(), stage="dev")
    monkeypatch.setattr(settings, "get_settings", lambda: deployed)
    monkeypatch.setattr(signin_pages, "get_settings", lambda: deployed)
    browser = WebBrowser(company.api.client)
    page = browser.get(link)
    visitor_cookie = page.headers["Set-Cookie"]
    assert visitor_cookie.startswith("__Host-sd_visitor=") and "Secure" in visitor_cookie and "Path=/" in visitor_cookie
    answer = browser.post(link, follow=False)
    session_cookie = answer.headers["Set-Cookie"]
    assert session_cookie.startswith("__Host-sd_session=sds_")
    assert all(part in session_cookie for part in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))
    assert "Domain=" not in session_cookie


def _links_of(company_id: str) -> list[SignInLink]:
    return [link for link in SignInLink.scan() if link.company_id == company_id]  # a test may Scan


def test_a_suppressed_address_gets_no_sign_in_mail_no_link_is_written_and_the_asking_still_counts(
    company: Company,
) -> None:
    name = f"Sue{secrets.token_hex(3)}"
    company.add_agent(name)
    mail.suppress(agent_address(name), "complaint")
    before = len(_links_of(company.company_id))
    browser = WebBrowser(company.api.client)
    browser.get("/signin")
    answers = [browser.post("/signin", {"email": agent_address(name)}) for _ in range(6)]
    assert {a.status for a in answers} == {200} and "Check your e-mail" in answers[0].text
    assert mails_to(agent_address(name)) == [] and len(_links_of(company.company_id)) == before
    counted = [c for c in RateCounter.scan() if c.counter_key.startswith(f"{ratelimit.SITE}#signin-address#")]
    assert 5 in {int(c.hits) for c in counted}  # five counted, the sixth refused


def test_a_sign_in_request_refused_by_the_limit_writes_no_link(company: Company) -> None:
    browser = WebBrowser(company.api.client)
    browser.get("/signin")
    for _ in range(5):
        browser.post("/signin", {"email": company.manager_email})
    links = len(_links_of(company.company_id))
    mailed = len(mails_to(company.manager_email))
    assert browser.post("/signin", {"email": company.manager_email}).status == 200  # the same answer
    assert len(_links_of(company.company_id)) == links and len(mails_to(company.manager_email)) == mailed


def test_inviting_a_suppressed_address_is_refused_and_writes_nothing(company: Company) -> None:
    mail.suppress("bounced.invitee@example.com", "bounce")
    manager = desk_browser(company)
    manager.get("/manage/team")
    links = len(_links_of(company.company_id))
    form = {"name": "Bo", "email": "Bounced.Invitee@example.com", "role": "agent", "tier": "1"}
    answer = manager.post("/manage/team", form, follow=False)
    assert answer.status == 303 and answer.location.endswith("/manage/team?error=address-suppressed")
    shown = manager.get(answer.location)
    assert "Mail to this address bounced or was reported as spam" in shown.text
    assert [e for e in Employee.query(company.company_id) if e.email == "bounced.invitee@example.com"] == []
    assert len(_links_of(company.company_id)) == links and mails_to("bounced.invitee@example.com") == []

    invited = manager.post("/manage/team", {**form, "email": "fine.invitee@example.com"}, follow=False)
    assert invited.location.endswith("?notice=invited") and len(mails_to("fine.invitee@example.com")) == 1
    [employee] = [e for e in Employee.query(company.company_id) if e.email == "fine.invitee@example.com"]
    mail.suppress("fine.invitee@example.com", "complaint")  # then the invitee complained
    status, body = company.manager.call("POST", f"/employees/{employee.employee_id}/invitation")
    assert status == 409 and body["type"] == "/problems/address-suppressed"
    again = manager.post(f"/manage/team/{employee.employee_id}/invitation", {}, follow=False)
    assert again.location.endswith("?error=address-suppressed")
    assert len(_links_of(company.company_id)) == links + 1 and len(mails_to("fine.invitee@example.com")) == 1
