"""Redrive a stream handler's failure queue once the cause is fixed and deployed.

Lambda's failure destination for a stream gets a description of each batch it gave up on, not the
records: `DDBStreamBatchInfo` names the stream, the shard and the first and last sequence numbers.
Each message's records are read back from the stream (DynamoDB keeps them 24 hours), handed to the
function again in Lambda's event shape, and the message is deleted once the function handled every
record. A message whose function still fails, or whose records left the stream, stays in the queue
and is reported. The handlers are idempotent: records of the batch that had been handled do nothing.

    python -m deploy redrive --stack servicedesk-dev --function send_tip_email [--dry-run]
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from devstack.pump import lambda_record

Invoke = Callable[[dict[str, Any]], Mapping[str, Any]]
VISIBILITY_SECONDS = 300  # a message being redriven stays hidden from a second redrive meanwhile
EMPTY_PAGES = 5  # GetRecords may answer empty pages before the records of an open shard


class RedriveError(Exception):
    """A message that cannot be redriven (its reason is reported; the message stays)."""


@dataclass
class Outcome:
    redriven: int = 0  # messages whose records were all handled (and were deleted)
    records: int = 0  # records handed to the function
    kept: dict[str, str] = field(default_factory=dict)  # message id -> why it stays

    def as_dict(self) -> dict[str, Any]:
        return {"redriven": self.redriven, "records": self.records, "kept": self.kept}


def batch_info(body: str) -> dict[str, Any]:
    try:
        info = json.loads(body)["DDBStreamBatchInfo"]
        for key in ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber"):
            if not isinstance(info[key], str):
                raise TypeError(key)
    except (ValueError, KeyError, TypeError):
        raise RedriveError("not a DynamoDB stream failure record (no DDBStreamBatchInfo)") from None
    return dict(info)


def stream_records(streams: Any, info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The batch's records, first to last sequence number, in Lambda's event shape."""
    arn, last = info["streamArn"], int(info["endSequenceNumber"])
    region = arn.split(":")[3]
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=arn,
            ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "TrimmedDataAccessException":
            raise RedriveError("its records have left the stream (kept 24 hours)") from None
        raise RedriveError(f"the stream refused: {code or error}") from None
    records: list[dict[str, Any]] = []
    empty = 0
    while iterator and empty < EMPTY_PAGES:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        empty = 0 if page["Records"] else empty + 1
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return records
            records.append(lambda_record(record, arn, region))
        if records and int(records[-1]["dynamodb"]["SequenceNumber"]) == last:
            return records
        iterator = page.get("NextShardIterator")
    if not records:
        raise RedriveError("none of its records could be read from the stream")
    return records


def redrive(queue_url: str, invoke: Invoke, sqs: Any, streams: Any, dry_run: bool = False) -> Outcome:
    """Hand every message's records to the function once; delete the messages fully handled. The
    messages kept are hidden while the run lasts (so each is tried once), then shown again."""
    outcome = Outcome()
    kept: list[str] = []
    try:
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=VISIBILITY_SECONDS, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return outcome
            for message in messages:
                try:
                    _redrive_one(message, invoke, streams, dry_run, outcome)
                except RedriveError as why:
                    outcome.kept[message["MessageId"]] = str(why)
                    kept.append(message["ReceiptHandle"])
                    continue
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                outcome.redriven += 1
    finally:
        for handle in kept:
            with contextlib.suppress(ClientError):
                sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)


def _redrive_one(message: Mapping[str, Any], invoke: Invoke, streams: Any, dry_run: bool, outcome: Outcome) -> None:
    records = stream_records(streams, batch_info(message["Body"]))
    if dry_run:
        raise RedriveError(f"dry run: {len(records)} records would be handed to the function")
    result = invoke({"Records": records})
    outcome.records += len(records)
    failures = [f.get("itemIdentifier") for f in result.get("batchItemFailures") or []]
    if failures:
        raise RedriveError(f"the function still fails records {failures}")


def lambda_invoker(client: Any, function_name: str) -> Invoke:
    """Invoke the deployed function synchronously; a function error keeps the message."""

    def invoke(event: dict[str, Any]) -> Mapping[str, Any]:
        response = client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise RedriveError(f"{function_name} failed: {json.dumps(payload)[:300]}")
        return payload if isinstance(payload, Mapping) else {}

    return invoke


def stack_targets(cloudformation: Any, stack: str, function: str) -> tuple[str, str]:
    """(failure queue URL, function name) of `function` in the deployed `stack`."""
    from deploy.functions import DeployError, functions

    found = {f.name: f for f in functions() if f.stream_table}
    if function not in found:
        raise DeployError(f"{function} reads no stream; functions with failure queues: {', '.join(sorted(found))}")
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    queues = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    queue_id = found[function].failure_queue_id
    if queue_id not in queues:
        raise DeployError(f"stack {stack} has no output {queue_id}: deploy this version first")
    return queues[queue_id], f"{stack}-{function}"
