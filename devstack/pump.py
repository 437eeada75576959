"""A stream pump standing in for Lambda's DynamoDB event source mapping.

For each `@app.on_dynamodb_record` handler it reads its table's stream from moto and calls the
handler with Lambda's event shape, in order per shard, batch size and starting position honoured.
Like Lambda with ReportBatchItemFailures: an exception retries the whole batch; reported item
failures resume from the lowest failed record (earlier ones are checkpointed); after the retry
limit the records that failed go to the dead letters (logged, listed by the control API), never
dropped silently. `replay` re-delivers a table's stream from a sequence number (or from the start),
so a redelivery can be rehearsed against the running handlers. Checkpoints live in memory.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

logger = logging.getLogger("devstack.pump")

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class Subscription:
    name: str
    handler: Handler
    table_name: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"


@dataclass
class LambdaContext:
    """What handlers may read from Lambda's context object."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class ShardState:
    checkpoint: str | None = None  # last sequence number handled
    attempts: int = 0
    retry_at: float = 0.0
    replay_at: str | None = None  # deliver again from this sequence number (itself included)


@dataclass
class DeadLetter:
    subscription: str
    shard_id: str
    sequence_numbers: list[str]  # exactly the records that failed on the last attempt
    reason: str


def table_of(stream_arn: str) -> str:
    """`arn:aws:dynamodb:region:acct:table/<name>/stream/<label>` -> `<name>`."""
    return stream_arn.split(":table/", 1)[1].split("/stream/", 1)[0]


def lambda_record(record: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """moto's record (through boto3) in Lambda's shape: epoch-number timestamps, the source ARN."""
    converted = dict(record)
    images = dict(record["dynamodb"])
    created = images.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        images["ApproximateCreationDateTime"] = created.timestamp()
    converted["dynamodb"] = images
    converted.setdefault("eventSource", "aws:dynamodb")
    converted.setdefault("eventVersion", "1.1")
    converted.setdefault("awsRegion", region)
    converted["eventSourceARN"] = stream_arn
    return converted


class StreamPump:
    def __init__(
        self,
        subscriptions: list[Subscription],
        dynamodb: Any,
        streams: Any,
        region: str,
        max_attempts: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self.subscriptions = subscriptions
        self._dynamodb = dynamodb
        self._streams = streams
        self._region = region
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.state: dict[tuple[str, str], ShardState] = {}
        self.dead_letters: list[DeadLetter] = []
        self.delivered = 0
        self._lock = threading.Lock()  # one delivery round at a time (poller thread vs. drain())

    def _stream_arn(self, table_name: str) -> str | None:
        table = self._dynamodb.describe_table(TableName=table_name)["Table"]
        arn: str | None = table.get("LatestStreamArn")
        return arn

    def pump_once(self) -> int:
        """One round over every subscription and shard; returns the records handled successfully."""
        with self._lock:
            handled = 0
            for subscription in self.subscriptions:
                stream_arn = self._stream_arn(subscription.table_name)
                if not stream_arn:
                    continue
                shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
                for shard in shards:
                    handled += self._pump_shard(subscription, stream_arn, shard["ShardId"])
            return handled

    def drain(self, rounds: int = 50, stop: threading.Event | None = None) -> int:
        """Deliver until nothing is pending (or retries are waiting); returns records handled."""
        total = 0
        for _ in range(rounds):
            if stop is not None and stop.is_set():
                break
            dead_before = len(self.dead_letters)
            count = self.pump_once()
            total += count
            moved = count > 0 or len(self.dead_letters) > dead_before
            waiting = any(s.attempts and s.retry_at > time.monotonic() for s in self.state.values())
            if not moved and not waiting:
                break
            if not moved:
                time.sleep(self.backoff_seconds)
        return total

    def subscribers_of(self, table_name: str) -> list[str]:
        return [s.name for s in self.subscriptions if s.table_name == table_name]

    def replay(self, table_name: str, sequence_number: str | None = None) -> list[str]:
        """Deliver `table_name`'s stream again to every handler subscribed to it, from `sequence_number`
        (included) or from the start of the stream; returns the subscriptions rewound. The records are
        delivered by the next rounds (`drain()`), with the usual retries and dead letters."""
        with self._lock:
            rewound = []
            for subscription in self.subscriptions:
                if subscription.table_name != table_name:
                    continue
                stream_arn = self._stream_arn(table_name)
                if not stream_arn:
                    continue
                shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
                for shard in shards:
                    # moto keeps one shard per table; a sequence number names a record of that shard
                    first = shard["SequenceNumberRange"]["StartingSequenceNumber"]
                    if sequence_number is not None and int(sequence_number) < int(first):
                        raise ValueError(f"sequence number {sequence_number} is before the stream's first, {first}")
                    self.state[(subscription.name, shard["ShardId"])] = ShardState(replay_at=sequence_number)
                rewound.append(subscription.name)
            logger.info("replaying %s from %s to %s", table_name, sequence_number or "the start", rewound)
            return rewound

    def _iterator(self, subscription: Subscription, stream_arn: str, shard_id: str, state: ShardState) -> str:
        if state.replay_at is not None:
            kwargs = {"ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": state.replay_at}
        elif state.checkpoint is not None:
            kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": state.checkpoint}
        else:
            kwargs = {"ShardIteratorType": "TRIM_HORIZON"}
        response = self._streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **kwargs)
        iterator: str = response["ShardIterator"]
        return iterator

    def _pump_shard(self, subscription: Subscription, stream_arn: str, shard_id: str) -> int:
        key = (subscription.name, shard_id)
        state = self.state.get(key)
        if state is None:
            state = self.state[key] = ShardState()
            if subscription.starting_position == "LATEST":
                state.checkpoint = self._last_sequence(subscription, stream_arn, shard_id, state)
        if state.attempts and time.monotonic() < state.retry_at:
            return 0
        iterator = self._iterator(subscription, stream_arn, shard_id, state)
        records = self._streams.get_records(ShardIterator=iterator, Limit=subscription.batch_size)["Records"]
        if not records:
            return 0
        batch = [lambda_record(r, stream_arn, self._region) for r in records]
        return self._deliver(subscription, shard_id, state, batch)

    def _last_sequence(
        self, subscription: Subscription, stream_arn: str, shard_id: str, state: ShardState
    ) -> str | None:
        """For LATEST: skip what is already in the stream when the pump first sees the shard."""
        last = None
        while True:
            iterator = self._iterator(subscription, stream_arn, shard_id, ShardState(checkpoint=last))
            records = self._streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
            if not records:
                return last
            last = records[-1]["dynamodb"]["SequenceNumber"]

    def _deliver(
        self, subscription: Subscription, shard_id: str, state: ShardState, batch: list[dict[str, Any]]
    ) -> int:
        sequences = [r["dynamodb"]["SequenceNumber"] for r in batch]
        try:
            result = subscription.handler({"Records": batch}, LambdaContext(subscription.name))
        except Exception as error:
            logger.exception("%s failed on a batch of %d records", subscription.name, len(batch))
            return self._failed(subscription, shard_id, state, sequences, sequences, f"{type(error).__name__}: {error}")
        failures = []
        if isinstance(result, Mapping):
            failures = [str(f.get("itemIdentifier")) for f in result.get("batchItemFailures") or []]
        if not failures:
            self._checkpoint(state, sequences[-1])
            state.attempts = 0
            self.delivered += len(batch)
            return len(batch)
        # Resume from the lowest failed record: everything before it is done.
        first_failed = min(sequences.index(f) if f in sequences else 0 for f in failures)
        if first_failed > 0:
            self._checkpoint(state, sequences[first_failed - 1])
            self.delivered += first_failed
        failed = [s for s in sequences if s in failures] or sequences[first_failed:]
        return first_failed + self._failed(
            subscription, shard_id, state, sequences[first_failed:], failed, f"reported item failures: {failures}"
        )

    @staticmethod
    def _checkpoint(state: ShardState, sequence: str) -> None:
        state.checkpoint, state.replay_at = sequence, None

    def _failed(
        self,
        subscription: Subscription,
        shard_id: str,
        state: ShardState,
        sequences: list[str],
        failed: list[str],
        why: str,
    ) -> int:
        """`sequences` were delivered in this attempt from the first failure on, `failed` of them failed."""
        state.attempts += 1
        if state.attempts < self.max_attempts:
            state.retry_at = time.monotonic() + self.backoff_seconds * 2 ** (state.attempts - 1)
            return 0
        letter = DeadLetter(subscription.name, shard_id, failed, why)
        self.dead_letters.append(letter)
        logger.error("DEAD LETTER after %d attempts: %s", state.attempts, letter)
        self._checkpoint(state, sequences[-1])
        state.attempts = 0
        # the records after the first failure were handled in this last attempt (only `failed` were not)
        self.delivered += len(sequences) - len(failed)
        return len(sequences) - len(failed)

    def run(self, stop: threading.Event, interval: float = 0.2) -> None:
        while not stop.is_set():
            try:
                self.pump_once()
            except Exception:
                logger.exception("stream pump round failed")
            stop.wait(interval)

    def status(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "subscriptions": [s.name for s in self.subscriptions],
            "checkpoints": {f"{name}/{shard}": s.checkpoint for (name, shard), s in self.state.items()},
            "dead_letters": [letter.__dict__ for letter in self.dead_letters],
        }
