"""moto's transactions with the light backup (devstack/moto.py): a cancelled transaction leaves every item and
the stream as they were, a successful one writes everything, as DynamoDB does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import tests.conftest  # noqa: F401  (dummy AWS environment)
from devstack.moto import MotoServer


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    server = MotoServer().start()
    yield boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1")
    server.stop()


def new_table(client: Any, with_range: bool) -> str:
    name = f"tx-{uuid.uuid4().hex[:8]}"
    schema = [{"AttributeName": "h", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "h", "AttributeType": "S"}]
    if with_range:
        schema.append({"AttributeName": "r", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "r", "AttributeType": "S"})
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=schema,
        AttributeDefinitions=attributes,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name


def stream_length(client: Any, table: str) -> int:
    streams = boto3.client("dynamodbstreams", endpoint_url=client.meta.endpoint_url, region_name="us-east-1")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return len(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"])


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(client: Any) -> None:
    plain, ranged = new_table(client, False), new_table(client, True)
    client.put_item(TableName=plain, Item={"h": {"S": "kept"}, "v": {"N": "1"}})
    client.put_item(TableName=ranged, Item={"h": {"S": "a"}, "r": {"S": "1"}, "v": {"N": "1"}})
    before = (stream_length(client, plain), stream_length(client, ranged))
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": plain, "Key": {"h": {"S": "kept"}}, "UpdateExpression": "SET v = :v",
                            "ExpressionAttributeValues": {":v": {"N": "2"}}}},
                {"Put": {"TableName": ranged, "Item": {"h": {"S": "a"}, "r": {"S": "2"}}}},
                {"Put": {"TableName": plain, "Item": {"h": {"S": "new"}}}},
                {"Put": {"TableName": ranged, "Item": {"h": {"S": "a"}, "r": {"S": "1"}},
                         "ConditionExpression": "attribute_not_exists(h)"}},
            ]
        )  # fmt: skip
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert client.get_item(TableName=plain, Key={"h": {"S": "kept"}})["Item"]["v"] == {"N": "1"}
    assert "Item" not in client.get_item(TableName=plain, Key={"h": {"S": "new"}})
    assert "Item" not in client.get_item(TableName=ranged, Key={"h": {"S": "a"}, "r": {"S": "2"}})
    assert client.get_item(TableName=ranged, Key={"h": {"S": "a"}, "r": {"S": "1"}})["Item"]["v"] == {"N": "1"}
    assert (stream_length(client, plain), stream_length(client, ranged)) == before


def test_a_successful_transaction_writes_every_item_once_with_its_stream_records(client: Any) -> None:
    plain = new_table(client, False)
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": plain, "Item": {"h": {"S": "one"}}}},
            {"Put": {"TableName": plain, "Item": {"h": {"S": "two"}, "n": {"N": "1"}}}},
        ]
    )  # fmt: skip
    client.transact_write_items(
        TransactItems=[
            {"Update": {"TableName": plain, "Key": {"h": {"S": "two"}}, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ]
    )  # fmt: skip
    assert client.get_item(TableName=plain, Key={"h": {"S": "two"}})["Item"]["n"] == {"N": "2"}
    assert "Item" in client.get_item(TableName=plain, Key={"h": {"S": "one"}})
    assert stream_length(client, plain) == 3


def test_the_fast_json_answers_are_what_motos_own_serializer_writes(client: Any) -> None:
    from devstack.moto import VERIFY_FAST_JSON

    VERIFY_FAST_JSON["differences"] = []
    VERIFY_FAST_JSON["on"] = True
    try:
        table = new_table(client, True)
        for n in range(3):
            client.put_item(
                TableName=table,
                Item={"h": {"S": "a"}, "r": {"S": str(n)}, "n": {"N": str(n)}, "l": {"L": [{"S": "x"}, {"NULL": True}]},
                      "m": {"M": {"b": {"BOOL": True}, "s": {"SS": ["p", "q"]}}}, "bin": {"B": b"\x00\x01"}},
            )  # fmt: skip
        client.get_item(TableName=table, Key={"h": {"S": "a"}, "r": {"S": "1"}})
        client.query(
            TableName=table,
            KeyConditionExpression="h = :h",
            ExpressionAttributeValues={":h": {"S": "a"}},
            Limit=2,
        )
        client.batch_get_item(RequestItems={table: {"Keys": [{"h": {"S": "a"}, "r": {"S": "0"}}]}})
        client.update_item(
            TableName=table,
            Key={"h": {"S": "a"}, "r": {"S": "0"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
        client.describe_table(TableName=table)
        stream_length(client, table)  # stream records carry a timestamp: the slow path writes them
    finally:
        VERIFY_FAST_JSON["on"] = False
    assert VERIFY_FAST_JSON["differences"] == []
