"""The stream pump on its own: a throwaway table on an in-process moto server, fake handlers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

import tests.conftest  # noqa: F401  (dummy AWS environment)
from devstack.moto import MotoServer
from devstack.pump import StreamPump, Subscription


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def table(moto: MotoServer) -> tuple[Any, str]:
    client = boto3.client("dynamodb", endpoint_url=moto.url, region_name="us-east-1")
    name = f"pump-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return client, name


def pump_for(moto: MotoServer, subscription: Subscription, **kwargs: Any) -> StreamPump:
    return StreamPump(
        [subscription],
        boto3.client("dynamodb", endpoint_url=moto.url, region_name="us-east-1"),
        boto3.client("dynamodbstreams", endpoint_url=moto.url, region_name="us-east-1"),
        "us-east-1",
        **kwargs,
    )


def put(client: Any, table: str, key: str, value: int) -> None:
    client.put_item(TableName=table, Item={"k": {"S": key}, "v": {"N": str(value)}})


def test_records_reach_the_handler_once_in_order_with_lambdas_event_shape(
    moto: MotoServer, table: tuple[Any, str]
) -> None:
    client, name = table
    seen: list[dict[str, Any]] = []
    pump = pump_for(moto, Subscription("h", lambda event, _ctx: seen.extend(event["Records"]), name, batch_size=2))
    for value in range(5):
        put(client, name, "a", value)
    pump.drain()
    pump.drain()
    assert [int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in seen] == [0, 1, 2, 3, 4]
    first = seen[0]
    assert first["eventName"] == "INSERT" and seen[1]["eventName"] == "MODIFY"
    assert (
        first["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:")
        and f"table/{name}/stream/" in first["eventSourceARN"]
    )
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)
    assert {"SequenceNumber", "SizeBytes", "StreamViewType", "Keys"} <= set(first["dynamodb"])
    assert seen[1]["dynamodb"]["OldImage"]["v"]["N"] == "0"


def test_a_failing_batch_is_retried_then_dead_lettered_and_the_stream_moves_on(
    moto: MotoServer, table: tuple[Any, str]
) -> None:
    client, name = table
    calls: list[int] = []

    def handler(event: dict[str, Any], _ctx: Any) -> None:
        values = [int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in event["Records"]]
        calls.append(values[0])
        if 1 in values:
            raise RuntimeError("poison")

    pump = pump_for(moto, Subscription("h", handler, name, batch_size=1), max_attempts=3, backoff_seconds=0.01)
    for value in range(3):
        put(client, name, f"k{value}", value)
    pump.drain()
    assert calls == [0, 1, 1, 1, 2]  # the poison record tried 3 times, then the stream moved on
    assert len(pump.dead_letters) == 1 and "poison" in pump.dead_letters[0].reason


def test_reported_item_failures_resume_from_the_failed_record_without_resending_earlier_ones(
    moto: MotoServer, table: tuple[Any, str]
) -> None:
    client, name = table
    deliveries: list[list[int]] = []
    failed_once = set()

    def handler(event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
        records = event["Records"]
        deliveries.append([int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in records])
        for record in records:
            value = int(record["dynamodb"]["NewImage"]["v"]["N"])
            if value == 2 and value not in failed_once:
                failed_once.add(value)
                return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
        return {"batchItemFailures": []}

    pump = pump_for(moto, Subscription("h", handler, name, batch_size=10), backoff_seconds=0.01)
    for value in range(5):
        put(client, name, f"k{value}", value)
    pump.drain()
    assert deliveries == [[0, 1, 2, 3, 4], [2, 3, 4]]
    assert pump.dead_letters == []


def test_latest_starting_position_skips_what_was_already_in_the_stream(
    moto: MotoServer, table: tuple[Any, str]
) -> None:
    client, name = table
    put(client, name, "old", 1)
    seen: list[int] = []
    pump = pump_for(
        moto,
        Subscription(
            "h",
            lambda e, _c: seen.extend(int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in e["Records"]),
            name,
            starting_position="LATEST",
        ),
    )
    pump.drain()
    put(client, name, "new", 2)
    pump.drain()
    assert seen == [2]


def values_of(event: dict[str, Any]) -> list[int]:
    return [int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in event["Records"]]


def test_dead_letters_list_exactly_the_records_that_failed_not_the_ones_handled_after_them(
    moto: MotoServer, table: tuple[Any, str]
) -> None:
    client, name = table
    handled: list[int] = []

    def handler(event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            value = int(record["dynamodb"]["NewImage"]["v"]["N"])
            if value == 1:
                failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
            else:
                handled.append(value)
        return {"batchItemFailures": failures}

    pump = pump_for(moto, Subscription("h", handler, name, batch_size=10), max_attempts=3, backoff_seconds=0.01)
    for value in range(4):
        put(client, name, f"k{value}", value)
    pump.drain()
    sequences = {
        int(r["dynamodb"]["NewImage"]["v"]["N"]): r["dynamodb"]["SequenceNumber"] for r in read_stream(moto, name)
    }
    [letter] = pump.dead_letters
    assert letter.sequence_numbers == [sequences[1]]  # not 2 and 3, which were handled
    assert set(handled) == {0, 2, 3}
    assert pump.delivered == 3
    put(client, name, "k4", 4)
    pump.drain()
    assert handled[-1] == 4 and len(pump.dead_letters) == 1  # the stream moved on past the dead letter


def read_stream(moto: MotoServer, name: str) -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", endpoint_url=moto.url, region_name="us-east-1")
    streams = boto3.client("dynamodbstreams", endpoint_url=moto.url, region_name="us-east-1")
    arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return records


def test_a_replay_delivers_the_stream_again_from_a_sequence_number_or_from_the_start_then_carries_on(
    moto: MotoServer, table: tuple[Any, str]
) -> None:
    client, name = table
    batches: list[list[int]] = []
    pump = pump_for(moto, Subscription("h", lambda event, _ctx: batches.append(values_of(event)), name))
    for value in range(5):
        put(client, name, f"k{value}", value)
    pump.drain()
    assert batches == [[0, 1, 2, 3, 4]]

    third = read_stream(moto, name)[2]["dynamodb"]["SequenceNumber"]
    assert pump.replay(name, third) == ["h"]
    assert pump.drain() == 3
    assert batches[-1] == [2, 3, 4]  # from the record named, itself included

    assert pump.replay(name) == ["h"]
    pump.drain()
    assert batches[-1] == [0, 1, 2, 3, 4]

    put(client, name, "k5", 5)
    pump.drain()
    assert batches[-1] == [5]  # after a replay the pump goes on from where the replay ended
    assert pump.replay("another-table") == []
    with pytest.raises(ValueError, match="before the stream's first"):
        pump.replay(name, "1")
