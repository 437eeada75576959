"""Redriving a stream handler's failure queue (`python -m deploy redrive`), against moto's SQS and the
tickets table's real stream, with the function invoked as Lambda invokes it: the batch a message
names is read back from the stream and handed to the handler again; the message goes once every
record is handled, and stays, with the reason, when the handler still fails or the message is not
a stream failure record. Redriving twice sends nothing twice."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib import mail
from chalicelib.db.models import Ticket
from deploy.redrive import redrive
from tests.conftest import MOTO_URL
from tests.functional.conftest import Company
from tests.functional.tips_helpers import close_ticket, sent_mail


@pytest.fixture
def aws(moto_server: None) -> dict[str, Any]:
    return {
        name: boto3.client(name, endpoint_url=MOTO_URL, region_name="us-east-1")
        for name in ("sqs", "dynamodb", "dynamodbstreams")
    }


@pytest.fixture
def queue(aws: dict[str, Any]) -> str:
    url: str = aws["sqs"].create_queue(QueueName=f"SendTipEmailFailureQueue-{secrets.token_hex(4)}")["QueueUrl"]
    return url


def closed_with_stream_batch(company: Company, aws: dict[str, Any], address: str) -> dict[str, Any]:
    """Close a ticket on confirmation; return the DDBStreamBatchInfo of the records it wrote."""
    arn = aws["dynamodb"].describe_table(TableName=Ticket.Meta.table_name)["Table"]["LatestStreamArn"]
    [shard] = aws["dynamodbstreams"].describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = aws["dynamodbstreams"].get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]
    close_ticket(company, email_address=address)
    records = aws["dynamodbstreams"].get_records(ShardIterator=iterator)["Records"]
    assert records and records[-1]["eventName"] == "MODIFY"
    return {
        "shardId": shard["ShardId"],
        "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
        "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
        "batchSize": len(records),
        "streamArn": arn,
    }


def failure_message(info: dict[str, Any]) -> str:
    """What Lambda sends a stream's on-failure destination."""
    return json.dumps(
        {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
            "version": "1.0",
            "DDBStreamBatchInfo": info,
        }
    )


def handler(client: Client) -> Callable[[dict[str, Any]], Any]:
    return lambda event: client.lambda_.invoke("send_tip_email", event).payload


def left_in(aws: dict[str, Any], queue: str) -> int:
    attributes = aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_failed_batch_is_read_back_from_the_stream_handled_once_and_its_message_deleted(
    company: Company, client: Client, aws: dict[str, Any], queue: str
) -> None:
    address = f"redrive-{secrets.token_hex(4)}@example.com"
    info = closed_with_stream_batch(company, aws, address)
    for _ in range(2):  # Lambda gave up twice on the same batch (e.g. two deployments)
        aws["sqs"].send_message(QueueUrl=queue, MessageBody=failure_message(info))

    outcome = redrive(queue, handler(client), aws["sqs"], aws["dynamodbstreams"])

    assert outcome.redriven == 2 and outcome.kept == {}
    assert outcome.records == 2 * info["batchSize"]
    assert len(sent_mail(address)) == 1  # the handler is idempotent: the second time sends nothing
    assert left_in(aws, queue) == 0


def test_a_batch_the_handler_still_fails_stays_with_the_reason_and_so_does_a_foreign_message(
    company: Company, client: Client, aws: dict[str, Any], queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"still-failing-{secrets.token_hex(4)}@example.com"
    info = closed_with_stream_batch(company, aws, address)
    aws["sqs"].send_message(QueueUrl=queue, MessageBody=failure_message(info))
    aws["sqs"].send_message(QueueUrl=queue, MessageBody='{"hello": "world"}')

    dry = redrive(queue, handler(client), aws["sqs"], aws["dynamodbstreams"], dry_run=True)
    assert dry.redriven == 0 and len(dry.kept) == 2
    assert any(f"{info['batchSize']} records would be handed" in why for why in dry.kept.values())
    assert sent_mail(address) == []
    for message in aws["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]:
        aws["sqs"].change_message_visibility(
            QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )

    def ses_down(message: mail.Mail) -> str:
        raise RuntimeError("SES is still down")

    monkeypatch.setattr(mail, "send", ses_down)
    outcome = redrive(queue, handler(client), aws["sqs"], aws["dynamodbstreams"])
    assert outcome.redriven == 0 and outcome.records == info["batchSize"]
    reasons = sorted(outcome.kept.values())
    assert reasons[0].startswith("not a DynamoDB stream failure record")
    assert reasons[1] == f"the function still fails records ['{info['endSequenceNumber']}']"
    assert left_in(aws, queue) == 2 and sent_mail(address) == []


class Stack:
    """describe_stacks as CloudFormation answers it for a deployed stack."""

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]}]}


def test_the_queue_and_function_are_found_from_the_stacks_outputs_and_only_for_stream_handlers() -> None:
    from deploy.functions import DeployError
    from deploy.redrive import stack_targets

    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/servicedesk-dev-SendTipEmailFailureQueue-AB12"
    stack = Stack({"SendTipEmailFailureQueue": url, "ApiUrl": "https://x"})
    assert stack_targets(stack, "servicedesk-dev", "send_tip_email") == (url, "servicedesk-dev-send_tip_email")
    with pytest.raises(DeployError, match="reads no stream; functions with failure queues: on_ticket_change"):
        stack_targets(stack, "servicedesk-dev", "award_badges")
    with pytest.raises(DeployError, match="has no output UpdateKarmaFailureQueue"):
        stack_targets(stack, "servicedesk-dev", "update_karma")


def test_redrive_refuses_the_offline_dummy_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    from deploy import __main__ as cli

    assert cli.main(["redrive", "--stack", "servicedesk-dev", "--function", "send_tip_email"]) == 2
    assert "redrive talks to real AWS" in capsys.readouterr().err
