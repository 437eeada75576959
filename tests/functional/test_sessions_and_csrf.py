"""Browser sessions and the single path every page for people takes: the session authenticator, CSRF
(fail closed), friendly error pages, sign-out and revocation, through the real routes."""

from __future__ import annotations

import re

from tests.functional.conftest import Api, Company, sign_up
from tests.functional.sessions_helpers import COOKIE, Browser, csrf_token, sign_in


def session_ids(html: str) -> list[str]:
    return re.findall(r'id="session-(ses_[^"]+)"', html)


def test_a_signed_in_person_sees_their_sessions_and_a_stranger_is_sent_to_sign_in(company: Company) -> None:
    browser = sign_in(company)
    status, html, headers = browser.page("/account/sessions")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "(this browser)" in html and len(session_ids(html)) == 1
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    for stranger in (Browser(company.api.client), Browser(company.api.client, "sds_forged-secret")):
        response = stranger.request("GET", "/account/sessions")
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/signin?next=/account/sessions")


def test_a_form_post_without_the_csrf_token_is_refused_with_a_page_and_changes_nothing(company: Company) -> None:
    browser = sign_in(company)
    other = sign_in(company, user_agent="Phone")
    html = browser.page("/account/sessions")[1]
    target = session_ids(html)[0]
    for form in ({}, {"csrf_token": "forged"}, {"csrf_token": csrf_token(html) + "x"}):
        response = browser.request("POST", f"/account/sessions/{target}/revoke", form=form)
        assert response.status_code == 403
        assert response.headers["Content-Type"].startswith("text/html")
        assert "did not come from this site" in response.body.decode()
    assert len(session_ids(browser.page("/account/sessions")[1])) == 2
    assert other.page("/account/sessions")[0] == 200


def test_the_csrf_token_of_one_session_does_not_pass_for_another(company: Company) -> None:
    browser, other = sign_in(company), sign_in(company, user_agent="Phone")
    token_of_other = csrf_token(other.page("/account/sessions")[1])
    response = browser.request("POST", "/signout", form={"csrf_token": token_of_other})
    assert response.status_code == 403
    assert browser.page("/account/sessions")[0] == 200


def test_signing_out_ends_the_session_and_the_old_cookie_no_longer_works(company: Company) -> None:
    browser = sign_in(company)
    token = csrf_token(browser.page("/account/sessions")[1])
    response = browser.request("POST", "/signout", form={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/signin")
    assert f"{COOKIE}=;" in response.headers["Set-Cookie"] and "Max-Age=0" in response.headers["Set-Cookie"]
    assert browser.request("GET", "/account/sessions").status_code == 303


def test_a_person_revokes_another_of_their_browsers(company: Company) -> None:
    laptop, phone = sign_in(company, user_agent="Laptop"), sign_in(company, user_agent="Phone")
    html = laptop.page("/account/sessions")[1]
    phone_row = re.search(r'id="session-(ses_[^"]+)">\s*<td>Phone', html)
    assert phone_row, html
    response = laptop.request(
        "POST", f"/account/sessions/{phone_row.group(1)}/revoke", form={"csrf_token": csrf_token(html)}
    )
    assert response.status_code == 303
    assert phone.request("GET", "/account/sessions").status_code == 303
    assert laptop.page("/account/sessions")[0] == 200


def test_nobody_revokes_a_session_of_another_company_or_employee(company: Company, api: Api) -> None:
    victim = sign_in(company)
    victim_session = session_ids(victim.page("/account/sessions")[1])[0]
    intruder = sign_in(sign_up(api, "Globex"))
    html = intruder.page("/account/sessions")[1]
    response = intruder.request(
        "POST", f"/account/sessions/{victim_session}/revoke", form={"csrf_token": csrf_token(html)}
    )
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    assert victim.page("/account/sessions")[0] == 200


def test_deactivating_an_employee_ends_their_sessions_at_once(company: Company) -> None:
    company.add_agent("Ada")
    agent = sign_in(company, company.agent_ids["Ada"])
    assert agent.page("/account/sessions")[0] == 200
    assert company.manager.call("DELETE", f"/employees/{company.agent_ids['Ada']}")[0] == 200
    assert agent.request("GET", "/account/sessions").status_code == 303


def test_a_role_change_reaches_open_sessions(company: Company) -> None:
    from chalicelib import sessions

    company.add_agent("Ada")
    agent_id = company.agent_ids["Ada"]
    browser = sign_in(company, agent_id)
    assert sessions.find(browser.secret).principal.role == "agent"
    assert company.manager.call("PATCH", f"/employees/{agent_id}", {"role": "manager", "tier": 2})[0] == 200
    principal = sessions.find(browser.secret).principal  # the session's next request
    assert (principal.role, principal.tier) == ("manager", 2)


def test_only_the_pulse_records_a_visit_and_a_desk_it_keeps_seen_outlives_the_idle_timeout(company: Company) -> None:
    from datetime import timedelta

    from chalicelib import sessions
    from chalicelib.sessions.models import Session

    company.add_agent("Ada")
    browser = sign_in(company, company.agent_ids["Ada"])
    record = Session.get(sessions.hash_secret(browser.secret or ""))

    def seen_ago(delta: timedelta) -> None:
        record.update(actions=[Session.last_seen_at.set(record.last_seen_at - delta)])

    seen_ago(sessions.IDLE - timedelta(minutes=1))  # a minute before the idle timeout
    before = Session.get(record.session_hash).last_seen_at
    assert browser.page("/desk")[0] == 200 and browser.page("/account/sessions")[0] == 200
    assert Session.get(record.session_hash).last_seen_at == before  # page reads never write
    assert browser.request("GET", "/desk/pulse?since=0").status_code in (200, 204)
    after = Session.get(record.session_hash).last_seen_at
    assert after > before + timedelta(hours=23)  # the pulse recorded the visit
    assert browser.request("GET", "/desk/pulse?since=0").status_code in (200, 204)
    assert Session.get(record.session_hash).last_seen_at == after  # and not again within TOUCH_EVERY

    record.refresh()
    seen_ago(sessions.IDLE + timedelta(minutes=1))  # nothing asked for a day: the session ended
    assert browser.request("GET", "/desk").status_code == 303
