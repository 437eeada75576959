"""One way to watch the AWS calls the app makes: botocore's own `_make_api_call`, and the DynamoDB client's
direct path for item operations (chalicelib/db/client.py), which does not pass through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

from chalicelib.db.client import DirectDataPlane

Call = Callable[[Any, str, dict[str, Any]], Any]
Wrapper = Callable[[Call, Any, str, dict[str, Any]], Any]


def wrap_api_calls(wrapper: Wrapper) -> Callable[[], None]:
    """Put `wrapper(call, client, operation, params)` around every AWS call (each seen once); returns
    what puts the originals back."""
    botocore_call = BaseClient._make_api_call
    direct_call = DirectDataPlane._make_api_call

    def through_botocore(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if isinstance(client, DirectDataPlane):  # the direct path's fallback: already wrapped there
            return botocore_call(client, operation, params)
        return wrapper(botocore_call, client, operation, params)

    def direct(client: Any, operation: str, params: dict[str, Any]) -> Any:
        return wrapper(direct_call, client, operation, params)

    BaseClient._make_api_call = through_botocore
    DirectDataPlane._make_api_call = direct  # type: ignore[method-assign,assignment]

    def undo() -> None:
        BaseClient._make_api_call = botocore_call
        DirectDataPlane._make_api_call = direct_call  # type: ignore[method-assign]

    return undo


@contextmanager
def wrapping_api_calls(wrapper: Wrapper) -> Iterator[None]:
    undo = wrap_api_calls(wrapper)
    try:
        yield
    finally:
        undo()
