"""DynamoDB's data-plane calls sent directly: JSON in, JSON out, signed once, over botocore's HTTP session.

botocore spends about 0.4 ms of CPU on each DynamoDB call before and after the network: a dozen events
emitted through its handler tree, the endpoint rule set resolved again, the request walked against its
shape, headers kept as e-mail messages, SigV4 re-deriving its key. On a route that makes three calls that is
most of the app's own time. Yet DynamoDB's JSON protocol needs little: the parameters PynamoDB builds are
already the JSON body (binary values travel base64-encoded), the answer is already the result, and SigV4
for one POST to `/` is two hashes and an HMAC with a key that changes once a day.

So the DynamoDB client class botocore makes gets `DirectDataPlane` as its first base (through botocore's
`creating-client-class` event, `install()`), and the item operations take this path. What a deployed
function relies on stays botocore's: the credentials the client resolved (refreshed as botocore does),
its endpoint and HTTP session (connection pool, timeouts, proxies, TLS), its retry handler (standard mode,
the attempts PynamoDB configures, the retry quota, DynamoDB's CRC32 check), its modelled exception classes.
Anything else (CreateTable, DescribeTable, streams) is botocore's own call. tests/unit/test_dynamodb_client.py
compares the signature with botocore's SigV4 and the parsed answers and errors with botocore's; every
functional test talks to moto's server through this path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import zlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ChecksumError, NoCredentialsError

from chalicelib.db import prefetch

ITEM_OPERATIONS = frozenset(
    (
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    )
)
WRITES = frozenset(("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"))
_TARGET_PREFIX = "DynamoDB_20120810."
_CONTENT_TYPE = "application/x-amz-json-1.0"
_SERVICE = "dynamodb"
_TIMESTAMP = "%Y%m%dT%H%M%SZ"


def _encode_binary(value: Any) -> Any:
    """What json.dumps cannot write itself: binary attribute values go base64-encoded (as botocore's
    serializer sends a blob), sets as lists."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not a DynamoDB JSON value")


def _decode_binary(value: dict[str, Any]) -> dict[str, Any]:
    """json.loads' object hook: `{"B": "<base64>"}` and `{"BS": [...]}` become bytes, as botocore parses a
    blob. An item or map whose only attribute is named B holds a dict, never a string, so it is left."""
    if len(value) == 1:
        binary = value.get("B")
        if isinstance(binary, str):
            return {"B": base64.b64decode(binary)}
        binary_set = value.get("BS")
        if isinstance(binary_set, list) and all(isinstance(member, str) for member in binary_set):
            return {"BS": [base64.b64decode(member) for member in binary_set]}
    return value


_BINARY_VALUE = re.compile(rb'"BS?"\s*:\s*["\[]')  # where a binary value (or set) may start


def loads(body: bytes) -> Any:
    """DynamoDB's JSON as botocore would return it (the hook only runs when a binary value may be there)."""
    if _BINARY_VALUE.search(body):
        return json.loads(body, object_hook=_decode_binary)
    return json.loads(body)


def dumps(params: dict[str, Any]) -> bytes:
    return json.dumps(params, separators=(",", ":"), default=_encode_binary).encode()


@lru_cache(maxsize=8)
def _signing_key(secret_key: str, datestamp: str, region: str) -> bytes:
    """SigV4's derived key: the same for a day, so derived once a day rather than on every call."""
    key = hmac.new(f"AWS4{secret_key}".encode(), datestamp.encode(), hashlib.sha256).digest()
    for part in (region, _SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signed_headers(
    *,
    host: str,
    target: str,
    body: bytes,
    region: str,
    access_key: str,
    secret_key: str,
    token: str | None,
    now: datetime,
) -> dict[str, str]:
    """The headers of a SigV4-signed POST of `body` to DynamoDB's `/` (what botocore's SigV4Auth signs
    for the same request: every header but the user agent, names lower-cased and sorted)."""
    amz_date = now.strftime(_TIMESTAMP)
    datestamp = amz_date[:8]
    headers = {"content-type": _CONTENT_TYPE, "host": host, "x-amz-date": amz_date, "x-amz-target": target}
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    signed_names = ";".join(names)
    canonical = "\n".join(
        (
            "POST",
            "/",
            "",
            "".join(f"{name}:{headers[name]}\n" for name in names),
            signed_names,
            hashlib.sha256(body).hexdigest(),
        )
    )
    scope = f"{datestamp}/{region}/{_SERVICE}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(_signing_key(secret_key, datestamp, region), to_sign.encode(), hashlib.sha256).hexdigest()
    sent = {
        "Content-Type": _CONTENT_TYPE,
        "X-Amz-Date": amz_date,
        "X-Amz-Target": target,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed_names}, Signature={signature}"
        ),
    }
    if token:
        sent["X-Amz-Security-Token"] = token
    return sent


def _host(url: str) -> str:
    """The Host header botocore signs: the URL's host, with its port unless it is the scheme's default."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


class DirectDataPlane:
    """The first base of botocore's DynamoDB client class: item operations sent directly (see above)."""

    _direct: tuple[str, str, str] | None = None  # (url, host, region), found at the first call

    def _make_api_call(self, operation_name: str, api_params: dict[str, Any]) -> Any:
        if operation_name not in ITEM_OPERATIONS:
            return super()._make_api_call(operation_name, api_params)  # type: ignore[misc]
        if operation_name in WRITES:
            prefetch.forget()  # nothing read before a write is served after it
        client: Any = self
        if self._direct is None:
            url = client.meta.endpoint_url.rstrip("/") + "/"
            self._direct = (url, _host(url), client.meta.region_name)
        url, host, region = self._direct
        body = dumps(api_params)
        target = _TARGET_PREFIX + operation_name
        request_dict: dict[str, Any] = {"context": {}, "url_path": "/", "method": "POST", "body": body}
        attempts = 1
        while True:
            credentials = client._request_signer._credentials
            if credentials is None:
                raise NoCredentialsError()
            frozen = credentials.get_frozen_credentials()
            headers = signed_headers(
                host=host,
                target=target,
                body=body,
                region=region,
                access_key=frozen.access_key,
                secret_key=frozen.secret_key,
                token=frozen.token,
                now=datetime.now(UTC),
            )
            request = AWSPreparedRequest("POST", url, headers, body, False, {})
            response = None
            caught: Exception | None = None
            try:
                response = client._endpoint.http_session.send(request)
            except Exception as error:  # botocore's HTTP errors; its retry handler decides which are transient
                caught = error
            if response is not None and response.status_code == 200:
                content = response.content
                checksum = response.headers.get("x-amz-crc32")
                if checksum is None or zlib.crc32(content) & 0xFFFFFFFF == int(checksum):
                    if attempts > 1:  # give back the retry quota the retries took, as botocore does
                        client.meta.events.emit(
                            f"after-call.dynamodb.{operation_name}",
                            http_response=response,
                            parsed={},
                            model=client.meta.service_model.operation_model(operation_name),
                            context=request_dict["context"],
                        )
                    return loads(content)
            parsed = self._parsed(response)
            if self._retry_delay(operation_name, attempts, request_dict, response, parsed, caught):
                attempts += 1
                continue
            if caught is not None:
                raise caught
            assert response is not None and parsed is not None  # sent without an exception: an answer
            if response.status_code == 200:  # the checksum never matched
                checksum = response.headers["x-amz-crc32"]
                raise ChecksumError(
                    checksum_type="crc32",
                    expected_checksum=checksum,
                    actual_checksum=zlib.crc32(response.content) & 0xFFFFFFFF,
                )
            parsed["ResponseMetadata"]["RetryAttempts"] = attempts - 1
            code = parsed["Error"]["Code"]
            raise client.exceptions.from_code(code)(parsed, operation_name)

    @staticmethod
    def _parsed(response: Any) -> dict[str, Any] | None:
        """An answer other than a clean 200 as botocore's JSON parser gives an error: Error (the code
        without its namespace, the message), the error's modelled members (message, CancellationReasons,
        Item) as they came, and ResponseMetadata."""
        if response is None:
            return None
        try:
            fields = loads(response.content) if response.content else {}
        except ValueError:
            fields = {}
        if not isinstance(fields, dict):
            fields = {}
        code = str(fields.pop("__type", response.status_code)).split(":", 1)[0].rsplit("#", 1)[-1]
        message = fields.get("message", fields.get("Message", ""))
        headers = {name.lower(): value for name, value in response.headers.items()}
        metadata = {
            "RequestId": headers.get("x-amzn-requestid", ""),
            "HTTPStatusCode": response.status_code,
            "HTTPHeaders": headers,
        }
        return {"Error": {"Message": message, "Code": code}, **fields, "ResponseMetadata": metadata}

    def _retry_delay(
        self,
        operation_name: str,
        attempts: int,
        request_dict: dict[str, Any],
        response: Any,
        parsed: dict[str, Any] | None,
        caught: Exception | None,
    ) -> bool:
        """Ask the client's own retry handler (standard mode: transient and throttling errors, CRC32, the
        quota, the attempts PynamoDB configured); sleep as it says and say whether to try again."""
        client: Any = self
        operation = client.meta.service_model.operation_model(operation_name)
        answers = client.meta.events.emit(
            f"needs-retry.dynamodb.{operation_name}",
            response=None if response is None else (response, parsed),
            endpoint=client._endpoint,
            operation=operation,
            attempts=attempts,
            caught_exception=caught,
            request_dict=request_dict,
        )
        delay = next((answer for _, answer in answers if answer is not None), None)
        if delay is None or delay is False:
            return False
        time.sleep(delay)
        return True


def _add_direct_base(base_classes: list[type], **_: Any) -> None:
    if DirectDataPlane not in base_classes:
        base_classes.insert(0, DirectDataPlane)


def install() -> None:
    """Every DynamoDB client botocore makes from now on sends item operations directly (idempotent)."""
    from botocore import handlers

    entry = ("creating-client-class.dynamodb", _add_direct_base)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)
