"""Agents rate customers over HTTP; the karma stream handler, invoked as Lambda invokes it with records
built from the stored ratings, keeps each customer's karma: once per change, whatever the redelivery."""

from __future__ import annotations

from datetime import timedelta

from chalice.test import Client

from chalicelib.karma.models import CustomerRating
from tests.functional.conftest import Company
from tests.functional.events import stream_record
from tests.functional.karma_helpers import (
    deliver,
    handled_ticket,
    karma_item,
    karma_of,
    rate,
    sequence,
    stored_rating,
)


def snapshot(company: Company, email: str) -> tuple:
    karma = karma_item(company, email)
    assert karma is not None
    return (karma.ratings, karma.weight, karma.literacy_sum, karma.temperament_sum, karma.as_of)


def test_a_rating_given_over_http_reaches_the_customers_karma_through_the_stream(
    company: Company, client: Client
) -> None:
    company.add_agent("Ada")
    rated = rate(company, client, "Ada", "kim@example.com", literacy=5, temperament=1, note="Shouted, knew the fix")
    karma = karma_of(company.manager, rated.ticket_id)
    assert karma["ratings"] == 1
    assert karma["literacy"] == 3.5 and karma["temperament"] == 2.5  # pulled toward 3 by the prior
    assert karma["temperament_class"] is None and karma["literate"] is False  # one rating flips nobody
    status, listed = company.agents["Ada"].call("GET", f"/tickets/{rated.ticket_id}/customer-ratings")
    assert status == 200
    assert [(r["literacy"], r["temperament"], r["note"]) for r in listed["ratings"]] == [
        (5, 1, "Shouted, knew the fix")
    ]


def test_the_same_record_delivered_three_times_leaves_the_karma_as_after_the_first(
    company: Company, client: Client
) -> None:
    company.add_agent("Ada")
    rated = rate(company, client, "Ada", "lee@example.com", literacy=4, temperament=2)
    first = karma_item(company, "lee@example.com")
    assert first is not None
    for _ in range(3):
        assert deliver(client, rated.record) == {"batchItemFailures": []}
    again = karma_item(company, "lee@example.com")
    assert again is not None
    assert again.revision == first.revision and snapshot(company, "lee@example.com")[0] == 1
    assert again.applied.as_dict() == first.applied.as_dict()


def test_an_old_record_redelivered_after_a_correction_changes_nothing(company: Company, client: Client) -> None:
    company.add_agent("Ada")
    rated = rate(company, client, "Ada", "mo@example.com", literacy=2, temperament=2)
    status, body = company.agents["Ada"].call("PATCH", f"/tickets/{rated.ticket_id}/customer-rating", {"literacy": 5})
    assert status == 200 and body["literacy"] == 5 and body["version"] == 2
    corrected = stored_rating(company, "mo@example.com", rated.ticket_id, company.agent_ids["Ada"])
    assert deliver(client, stream_record(sequence(), corrected, rated.rating)) == {"batchItemFailures": []}
    after_correction = snapshot(company, "mo@example.com")
    assert karma_of(company.manager, rated.ticket_id)["literacy"] == 3.5
    assert deliver(client, rated.record) == {"batchItemFailures": []}  # the version-1 record, late
    assert snapshot(company, "mo@example.com") == after_correction


def test_voiding_a_rating_restores_the_karma_from_before_it(company: Company, client: Client) -> None:
    company.add_agent("Ada")
    email = "nia@example.com"
    first = rate(company, client, "Ada", email, literacy=4, temperament=4)
    before = snapshot(company, email)
    second = rate(company, client, "Ada", email, literacy=1, temperament=1)
    assert snapshot(company, email) != before
    status, body = company.manager.call(
        "POST", f"/tickets/{second.ticket_id}/customer-ratings/{company.agent_ids['Ada']}/void"
    )
    assert status == 200 and body["status"] == "voided" and body["voided_by"] == company.manager_id
    voided = stored_rating(company, email, second.ticket_id, company.agent_ids["Ada"])
    assert deliver(client, stream_record(sequence(), voided, second.rating)) == {"batchItemFailures": []}
    assert snapshot(company, email) == before
    karma = karma_of(company.manager, first.ticket_id)
    assert karma["ratings"] == 1 and karma["voided_ratings"] == 1
    # voiding again changes nothing
    assert (
        company.manager.call("POST", f"/tickets/{second.ticket_id}/customer-ratings/{company.agent_ids['Ada']}/void")[0]
        == 200
    )
    assert stored_rating(company, email, second.ticket_id, company.agent_ids["Ada"]).version == voided.version


def test_one_bad_record_is_reported_and_the_rest_of_the_batch_is_applied(company: Company, client: Client) -> None:
    company.add_agent("Ada")
    opened = handled_ticket(company, "Ada", "oz@example.com")
    status, _ = company.agents["Ada"].call(
        "POST", f"/tickets/{opened['ticket_id']}/customer-rating", {"literacy": 5, "temperament": 5}
    )
    assert status == 201
    good = stream_record("300", stored_rating(company, "oz@example.com", opened["ticket_id"], company.agent_ids["Ada"]))
    broken = stream_record(
        "200", stored_rating(company, "oz@example.com", opened["ticket_id"], company.agent_ids["Ada"])
    )
    broken["dynamodb"]["NewImage"] = {"customer_key": {"S": "x"}}  # not a rating image
    assert deliver(client, broken, good) == {"batchItemFailures": [{"itemIdentifier": "200"}]}
    assert karma_of(company.manager, opened["ticket_id"])["ratings"] == 1


def test_two_ratings_make_a_customer_difficult_and_three_high_literacy_ratings_make_them_literate(
    company: Company, client: Client
) -> None:
    company.add_agent("Ada")
    email = "pat@example.com"
    rated = [rate(company, client, "Ada", email, literacy=5, temperament=1) for _ in range(2)]
    karma = karma_of(company.agents["Ada"], rated[-1].ticket_id)
    assert karma["temperament_class"] == "difficult" and karma["literate"] is False
    rated.append(rate(company, client, "Ada", email, literacy=5, temperament=1))
    assert karma_of(company.agents["Ada"], rated[-1].ticket_id)["literate"] is True


def test_a_customer_may_be_rated_once_per_ticket_per_agent_and_only_by_who_handled_it(company: Company) -> None:
    ada, bob = company.add_agent("Ada"), company.add_agent("Bob", online=False)
    waiting = company.open_ticket("Still waiting", "quinn@example.com")
    rating = {"literacy": 3, "temperament": 3}
    status, body = company.manager.call("POST", f"/tickets/{waiting['ticket_id']}/customer-rating", rating)
    assert status == 409 and body["type"] == "/problems/bad-state"
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{waiting['ticket_id']}/resolve")
    assert ada.call("POST", f"/tickets/{waiting['ticket_id']}/customer-rating", rating)[0] == 201
    status, body = ada.call("POST", f"/tickets/{waiting['ticket_id']}/customer-rating", rating)
    assert status == 409 and body["type"] == "/problems/already-rated"
    status, body = bob.call("POST", f"/tickets/{waiting['ticket_id']}/customer-rating", rating)
    assert status == 403
    status, body = bob.call("PATCH", f"/tickets/{waiting['ticket_id']}/customer-rating", {"temperament": 1})
    assert status == 404  # only the author has a rating there to correct
    status, body = ada.call("POST", f"/tickets/{waiting['ticket_id']}/customer-ratings/{company.agent_ids['Ada']}/void")
    assert status == 403  # voiding is for managers
    status, body = ada.call(
        "POST", f"/tickets/{waiting['ticket_id']}/customer-rating", {"literacy": 6, "temperament": 0}
    )
    assert status == 422 and {e["field"] for e in body["errors"]} == {"literacy", "temperament"}


def test_a_rating_can_be_corrected_by_its_author_within_a_day_only(company: Company) -> None:
    ada = company.add_agent("Ada")
    opened = handled_ticket(company, "Ada", "rae@example.com")
    path = f"/tickets/{opened['ticket_id']}/customer-rating"
    assert ada.call("POST", path, {"literacy": 3, "temperament": 3, "note": "fine"})[0] == 201
    status, body = ada.call("PATCH", path, {"temperament": 5, "note": None})
    assert status == 200 and body["temperament"] == 5 and body["note"] is None and body["version"] == 2
    status, body = ada.call("PATCH", path, {"literacy": None})
    assert status == 422
    rating = stored_rating(company, "rae@example.com", opened["ticket_id"], company.agent_ids["Ada"])
    rating.update(actions=[CustomerRating.rated_at.set(rating.rated_at - timedelta(days=1, minutes=1))])
    status, body = ada.call("PATCH", path, {"temperament": 1})
    assert status == 409 and body["type"] == "/problems/correction-window-closed"
