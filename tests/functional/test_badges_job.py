"""The badge job through its entry points (the manager's run route and the hourly schedule invoked as
Lambda invokes it): a day of work done through the API, ties, reruns, a resumed run, holding and
history, disabled, renamed and custom badges, levels never lost, and who sees what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from chalice.test import Client

from chalicelib.badges import job
from chalicelib.badges.models import AWARD, BadgeRecord, Standing
from tests.functional.badges_helpers import (  # noqa: F401 (fixture)
    at_local,
    run,
    seed,
    today,
    tomorrow_fixture,
    winners,
)
from tests.functional.conftest import Company, sign_up
from tests.functional.events import scheduled_event


def ok(result: tuple[int, object]) -> object:
    status, body = result
    assert status < 300, body
    return body


def test_a_day_of_work_through_the_api_awards_the_badges_it_earned(company: Company, tomorrow: date) -> None:
    ada, bob = company.add_agent("Ada"), company.add_agent("Bob")
    t1 = company.open_ticket("Printer", "p1@example.com")["ticket_id"]
    t2 = company.open_ticket("Chat about billing", "p2@example.com", channel="chat")["ticket_id"]
    t3 = company.open_ticket("Password", "p3@example.com")["ticket_id"]
    t4 = company.open_ticket("Invoice", "p4@example.com")["ticket_id"]
    assert ok(ada.call("POST", "/tickets/next"))["ticket_id"] == t1  # type: ignore[index]
    assert ok(bob.call("POST", "/tickets/next"))["ticket_id"] == t2  # type: ignore[index]
    ok(ada.call("POST", f"/tickets/{t1}/messages", {"body": "x" * 300}))
    ok(bob.call("POST", f"/tickets/{t2}/messages", {"body": "Hi! Looking at it."}))
    ok(bob.call("POST", f"/tickets/{t2}/messages", {"body": "Done."}))
    # Ada tags one ticket three times (3 tags, 1 ticket); Bob tags two tickets once each
    for tag in ("billing", "urgent", "vip"):
        ok(ada.call("POST", f"/tickets/{t1}/tags", {"tags": [tag]}))
    ok(bob.call("POST", f"/tickets/{t3}/tags", {"tags": ["login"]}))
    ok(bob.call("POST", f"/tickets/{t4}/tags", {"tags": ["money"]}))
    # T1 goes back and forth: Ada transfers it twice, but it is one ticket
    ok(ada.call("POST", f"/tickets/{t1}/transfer", {"to_agent_id": company.agent_ids["Bob"]}))
    ok(bob.call("POST", f"/tickets/{t1}/transfer", {"to_agent_id": company.agent_ids["Ada"]}))
    ok(ada.call("POST", f"/tickets/{t1}/transfer", {"to_agent_id": company.agent_ids["Bob"]}))
    ok(bob.call("POST", f"/tickets/{t2}/transfer", {"to_agent_id": company.agent_ids["Ada"]}))
    ok(ada.call("POST", f"/tickets/{t2}/resolve"))
    ok(bob.call("POST", f"/tickets/{t1}/resolve"))
    assert ok(ada.call("POST", "/tickets/next"))["ticket_id"] == t3  # type: ignore[index]
    ok(ada.call("POST", f"/tickets/{t3}/resolve"))
    ok(bob.call("POST", f"/tickets/{t1}/calls", {"duration_seconds": 300}))
    ok(ada.call("POST", f"/tickets/{t3}/calls", {"duration_seconds": 120}))
    for _ in range(2):
        ok(bob.call("PUT", "/me/status", {"status": "break"}))
        ok(bob.call("PUT", "/me/status", {"status": "online"}))
    ok(ada.call("PUT", "/me/status", {"status": "break"}))
    ok(ada.call("PUT", "/me/status", {"status": "online"}))

    summary = run(company, tomorrow)
    won = winners(summary, company)
    assert won["novelist"] == ("Ada", 300)
    assert won["traffic_controller"] == ("Bob", 2)  # T1 and T2; Ada's two transfers of T1 count once
    assert won["tagger"] == ("Bob", 2)  # two tickets beat three tags on one ticket
    assert won["cleaner"] == ("Ada", 2)
    assert won["talker"] == ("Bob", 300)
    assert won["coffee"] == ("Bob", 2)
    assert won["chatty"][0] == "Ada"  # resolved the chat (3 messages)
    assert won["speedy_gonzales"][0] == "Bob"  # first reply to the chat
    assert {"siesta", "rewarded", "rebel_without_a_cause", "inspector"} <= set(summary["no_winner"])


def test_a_tie_goes_to_more_activity_then_the_holder_then_a_lot_that_reruns_the_same(
    company: Company, tomorrow: date
) -> None:
    for name in ("Ada", "Bob", "Cy"):
        company.add_agent(name, online=False)
    day1, day2 = tomorrow - timedelta(days=1), tomorrow
    # Speedy Gonzales: same 20 s average, but Bob answered two chats and Ada one
    seed(company, "Ada", day1, {"chat_first_responses": 1, "chat_first_response_seconds": 20})
    seed(company, "Bob", day1, {"chat_first_responses": 2, "chat_first_response_seconds": 40})
    # Novelist: Ada and Cy both wrote 400 characters (same activity): a lot decides
    seed(company, "Ada", day1, extremes={"longest_reply": 400})
    seed(company, "Cy", day1, extremes={"longest_reply": 400})
    first = winners(run(company, day1), company)
    assert first["speedy_gonzales"] == ("Bob", 20)
    drawn = first["novelist"][0]
    assert drawn in ("Ada", "Cy")
    other = "Cy" if drawn == "Ada" else "Ada"
    # the next day they tie again: the holder keeps the badge, whoever the lot would pick
    seed(company, other, day2, extremes={"longest_reply": 250})
    seed(company, drawn, day2, extremes={"longest_reply": 250})
    second = run(company, day2)
    assert winners(second, company)["novelist"] == (drawn, 250)
    assert second["awards"]["novelist"]["tie"] is True


def test_running_a_day_twice_or_resuming_an_interrupted_run_awards_each_badge_once(
    company: Company, tomorrow: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    company.add_agent("Ada", online=False)
    company.add_agent("Bob", online=False)
    seed(company, "Ada", tomorrow, {"replies": 3, "breaks": 2, "online_seconds": 600}, extremes={"longest_reply": 80})
    seed(
        company,
        "Bob",
        tomorrow,
        {"replies": 1, "rewards": 2},
        {"resolved_tickets": ["t1"]},
        extremes={"longest_call": 60},
    )
    real_award = job._award
    calls = {"n": 0}

    def award_then_time_out(run_state: object, outcome: object) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise TimeoutError("Lambda timed out")
        return real_award(run_state, outcome)  # type: ignore[arg-type]

    monkeypatch.setattr(job, "_award", award_then_time_out)
    with pytest.raises(TimeoutError):
        job.run_day(company.company_id, tomorrow)  # the interrupted invocation
    monkeypatch.setattr(job, "_award", real_award)
    assert BadgeRecord.get(company.company_id, f"run#{tomorrow.isoformat()}").status == "started"

    resumed = run(company, tomorrow)
    again = run(company, tomorrow)
    assert again["rerun"] is True and again["awards"] == resumed["awards"]
    assert set(resumed["awards"]) == {
        "novelist",
        "coffee",
        "four_leaf_clover",
        "rewarded",
        "cleaner",
        "talker",
        "hardworking",
    }
    awards = list(BadgeRecord.query(company.company_id, BadgeRecord.record.startswith(AWARD)))
    assert len(awards) == 7
    standings = {s.employee_id: s for s in Standing.query(company.company_id)}
    for employee_id, standing in standings.items():
        mine = [a for a in awards if a.employee_id == employee_id]
        assert sum(standing.badges_won.values()) == len(mine)
        assert standing.points == sum(int(a.points) for a in mine)
    ada = standings[company.agent_ids["Ada"]]
    assert ada.totals["replies"] == 3 and ada.totals["breaks"] == 2  # counted once despite three runs


def test_a_badge_is_held_until_someone_else_wins_it_and_history_is_kept(company: Company, tomorrow: date) -> None:
    company.add_agent("Ada", online=False)
    company.add_agent("Bob", online=False)
    d1, d2, d3 = (tomorrow - timedelta(days=n) for n in (2, 1, 0))
    seed(company, "Ada", d1, extremes={"longest_call": 100})
    run(company, d1)
    run(company, d2)  # nobody called: Ada keeps Talker
    board = ok(company.manager.call("GET", "/leaderboard"))
    ada_row = next(r for r in board["agents"] if r["name"] == "Ada")  # type: ignore[index]
    [talker] = [b for b in ada_row["current_badges"] if b["key"] == "talker"]
    assert talker["since"] == d1.isoformat() and talker["figure"] == 100
    seed(company, "Bob", d3, extremes={"longest_call": 50})
    run(company, d3)
    board = ok(company.manager.call("GET", "/leaderboard"))
    rows = {r["name"]: r for r in board["agents"]}  # type: ignore[index]
    assert "talker" not in [b["key"] for b in rows["Ada"]["current_badges"]]
    assert [b["key"] for b in rows["Bob"]["current_badges"]] == ["talker"]
    assert rows["Ada"]["badges_won"] == {"talker": 1} and rows["Bob"]["badges_won"] == {"talker": 1}
    history = [
        (a.day, a.employee_id) for a in BadgeRecord.query(company.company_id, BadgeRecord.record.startswith(AWARD))
    ]
    assert history == [(d1.isoformat(), company.agent_ids["Ada"]), (d3.isoformat(), company.agent_ids["Bob"])]
    # evaluating an older day again later never takes the badge back from the newer holder
    run(company, d1)
    rows = {r["name"]: r for r in ok(company.manager.call("GET", "/leaderboard"))["agents"]}  # type: ignore[index]
    assert [b["key"] for b in rows["Bob"]["current_badges"]] == ["talker"]


def test_a_manager_disables_renames_rewindows_and_adds_badges(company: Company, tomorrow: date) -> None:
    ada = company.add_agent("Ada", online=False)
    company.add_agent("Bob", online=False)
    manager = company.manager
    assert ok(manager.call("PATCH", "/badges/rules", {"key": "coffee", "enabled": False}))["enabled"] is False
    renamed = ok(manager.call("PATCH", "/badges/rules", {"key": "novelist", "name": "Tolstoy", "min_value": 500}))
    assert renamed["name"] == "Tolstoy" and renamed["min_value"] == 500  # type: ignore[index]
    ok(manager.call("PATCH", "/badges/rules", {"key": "talker", "window": "7d"}))
    added = ok(
        manager.call(
            "POST",
            "/badges/rules",
            {"key": "note_taker", "name": "Note taker", "metric": "notes", "window": "yesterday"},
        )
    )
    assert added["custom"] is True  # type: ignore[index]
    status, problem = manager.call("POST", "/badges/rules", {"key": "bad", "name": "Bad", "metric": "password"})
    assert status == 422 and "recorded metric" in problem["errors"][0]["message"]
    status, problem = manager.call("PATCH", "/badges/rules", {"key": "no_such_badge", "name": "X"})
    assert status == 404
    assert ada.call("PATCH", "/badges/rules", {"key": "coffee", "enabled": True})[0] == 403

    seed(company, "Ada", tomorrow, {"breaks": 9, "notes": 4}, extremes={"longest_reply": 499})
    seed(company, "Bob", tomorrow, {"notes": 2}, extremes={"longest_reply": 520})
    seed(company, "Ada", tomorrow - timedelta(days=3), extremes={"longest_call": 900})
    summary = run(company, tomorrow)
    won = winners(summary, company)
    assert "coffee" not in won and "coffee" not in summary["no_winner"]  # disabled: not evaluated
    assert won["novelist"] == ("Bob", 520)  # Ada's 499 is under the new minimum
    assert won["talker"] == ("Ada", 900)  # the 7-day window reaches back
    assert won["note_taker"] == ("Ada", 4)
    board = ok(ada.call("GET", "/leaderboard"))
    bob_row = next(r for r in board["agents"] if r["name"] == "Bob")  # type: ignore[index]
    assert [b["name"] for b in bob_row["current_badges"]] == ["Tolstoy"]
    rules = {r["key"]: r for r in ok(ada.call("GET", "/badges/rules"))["badges"]}  # type: ignore[index]
    assert rules["coffee"]["enabled"] is False and rules["note_taker"]["metric"] == "notes"


def test_level_formulas_are_checked_when_saved_and_a_level_reached_is_never_lost(
    company: Company, tomorrow: date
) -> None:
    ada = company.add_agent("Ada", online=False)
    manager = company.manager
    levels = ok(manager.call("GET", "/badges/levels"))["levels"]  # type: ignore[index]
    assert len(levels) == 12 and levels[-1]["name"] == "King of customer service"
    bad = [{"name": lv["name"], "formula": lv["formula"]} for lv in levels]
    bad[4]["formula"] = "answers >= 10 &&& chats > 1"
    bad[7]["formula"] = "import os"
    status, problem = manager.call("PUT", "/badges/levels", {"levels": bad})
    assert status == 422
    assert {e["field"] for e in problem["errors"]} == {"levels.4.formula", "levels.7.formula"}
    assert "unexpected character '&' at position 17" in problem["errors"][0]["message"]
    assert ok(manager.call("GET", "/badges/levels"))["levels"] == levels  # nothing saved
    assert ada.call("PUT", "/badges/levels", {"levels": bad})[0] == 403

    easy = [{"name": f"L{n}", "formula": f"answers >= {n * 5} && rewards >= 0"} for n in range(12)]
    ok(manager.call("PUT", "/badges/levels", {"levels": easy}))
    seed(company, "Ada", tomorrow - timedelta(days=1), {"replies": 12})
    run(company, tomorrow - timedelta(days=1))
    me = next(r for r in ok(ada.call("GET", "/leaderboard"))["agents"] if r["name"] == "Ada")  # type: ignore[index]
    assert (me["level"], me["level_name"]) == (3, "L2")
    harder = [{"name": f"L{n}", "formula": f"answers >= {n * 500}"} for n in range(12)]
    ok(manager.call("PUT", "/badges/levels", {"levels": harder}))
    seed(company, "Ada", tomorrow, {"replies": 1})
    run(company, tomorrow)
    me = next(r for r in ok(ada.call("GET", "/leaderboard"))["agents"] if r["name"] == "Ada")  # type: ignore[index]
    assert (me["level"], me["level_name"], me["totals"]["replies"]) == (3, "L2", 13)  # kept: the new formulas say 1


def test_agents_see_each_others_badges_and_only_managers_see_the_rest(company: Company, tomorrow: date) -> None:
    ada = company.add_agent("Ada", online=False)
    company.add_agent("Bob", online=False)
    seed(company, "Bob", tomorrow, {"breaks": 3}, extremes={"longest_reply": 100})
    run(company, tomorrow)
    rows = {r["name"]: r for r in ok(ada.call("GET", "/leaderboard"))["agents"]}  # type: ignore[index]
    assert {b["key"] for b in rows["Bob"]["current_badges"]} == {"novelist", "coffee"}
    assert rows["Bob"]["badges_won"] == {"novelist": 1, "coffee": 1}
    assert not {"points", "level", "totals"} & set(rows["Bob"])
    assert all("figure" not in b for b in rows["Bob"]["current_badges"])
    assert {"points", "level", "level_name"} <= set(rows["Ada"])
    managers = {r["name"]: r for r in ok(company.manager.call("GET", "/leaderboard"))["agents"]}  # type: ignore[index]
    assert managers["Bob"]["points"] == 10 - 5 and managers["Bob"]["totals"]["breaks"] == 3
    assert company.manager.call("POST", "/badges/runs", {"date": today().isoformat()}, token=ada.token)[0] == 403


def test_only_a_finished_day_can_be_run_by_hand(company: Company) -> None:
    for day in (today(), today() + timedelta(days=1), today() - timedelta(days=61)):
        status, problem = company.manager.call("POST", "/badges/runs", {"date": day.isoformat()})
        assert status == 422 and problem["errors"][0]["field"] == "date"


def test_the_hourly_schedule_evaluates_yesterday_once_after_local_midnight(api: object, client: Client) -> None:
    company = sign_up(api, "Scheduled")  # type: ignore[arg-type]
    company.add_agent("Ada", online=False)
    yesterday = today() - timedelta(days=1)
    seed(company, "Ada", yesterday, {"breaks": 1})
    noon = scheduled_event(at_local(today(), 12))
    assert client.lambda_.invoke("award_badges", noon).payload["failed"] == 0
    marker = f"run#{yesterday.isoformat()}"
    with pytest.raises(BadgeRecord.DoesNotExist):  # outside the first hours of the local day: not evaluated
        BadgeRecord.get(company.company_id, marker)
    early = scheduled_event(at_local(today(), 1, 5))
    first = client.lambda_.invoke("award_badges", early).payload
    second = client.lambda_.invoke("award_badges", early).payload  # EventBridge delivering twice
    assert first["failed"] == second["failed"] == 0 and first["evaluated"] >= 1
    assert BadgeRecord.get(company.company_id, marker).status == "done"
    awards = list(BadgeRecord.query(company.company_id, BadgeRecord.record.startswith(AWARD)))
    assert [(a.badge, a.employee_id) for a in awards] == [("coffee", company.agent_ids["Ada"])]
    assert Standing.get(company.company_id, company.agent_ids["Ada"]).points == -5
