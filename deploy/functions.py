"""The Lambda functions of app.py and the tables of the catalog, as the deploy template sees them.

Everything is read from code: functions from the Chalice app's routes and event sources, stream
subscriptions from each handler's stream ARN, tables from chalicelib.db.catalog.ALL_MODELS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.app import Chalice, DynamoDBEventConfig, S3EventConfig, SNSEventConfig
from chalice.utils import to_cfn_resource_name
from pynamodb.models import Model

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_DIR / ".chalice" / "config.json"
POLICIES_DIR = PROJECT_DIR / "policies"
API_HANDLER = "api_handler"
DEPLOYED_STAGES = ("dev", "prod")


class DeployError(Exception):
    """Something the template cannot be made from: a missing declaration, an unknown table."""


@dataclass(frozen=True)
class Function:
    name: str  # Chalice's name: the handler's, or "api_handler" for all routes
    logical_id: str  # the function's resource in Chalice's SAM output
    stream_table: str | None = None  # short name of the table whose stream it reads
    batch_size: int | None = None
    starting_position: str | None = None
    asynchronous: bool = False  # invoked by S3 or SNS: retried by Lambda, then kept in its failure queue

    @property
    def role_id(self) -> str:
        return "ApiHandlerRole" if self.name == API_HANDLER else f"{self.logical_id}Role"

    @property
    def event_source_id(self) -> str:
        return f"{self.logical_id}DynamodbEventSource"

    @property
    def log_group_id(self) -> str:
        return f"{to_cfn_resource_name(self.name)}LogGroup"

    @property
    def failure_queue_id(self) -> str:
        return f"{self.logical_id}FailureQueue"

    @property
    def policy_file(self) -> Path:
        return POLICIES_DIR / f"{self.name}.json"


def load_app() -> Chalice:
    import app

    return app.app


def models() -> tuple[type[Model], ...]:
    from chalicelib.db.catalog import ALL_MODELS

    return ALL_MODELS


def short_name(model: type[Model]) -> str:
    return str(model.Meta.short_name)  # type: ignore[attr-defined]


def table_logical_id(short: str) -> str:
    return f"{to_cfn_resource_name(short)}Table"


def model_by_short_name() -> dict[str, type[Model]]:
    return {short_name(model): model for model in models()}


def table_of_stream(stream_arn: str) -> str:
    """The catalog's short name of the table a stream ARN belongs to (fails loudly if none)."""
    table_name = stream_arn.split(":table/", 1)[-1].split("/stream/", 1)[0]
    for model in models():
        if model.Meta.table_name == table_name:
            return short_name(model)
    raise DeployError(f"stream {stream_arn} is not the stream of any table in chalicelib/db/catalog.py")


def functions(app: Chalice | None = None) -> list[Function]:
    """Every Lambda function `chalice package` makes of the app, in a stable order."""
    app = app or load_app()
    found: list[Function] = []
    if app.routes:
        found.append(Function(API_HANDLER, "APIHandler"))
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig):
            found.append(
                Function(
                    source.name,
                    to_cfn_resource_name(source.name),
                    stream_table=table_of_stream(source.stream_arn),
                    batch_size=source.batch_size,
                    starting_position=source.starting_position,
                )
            )
        else:
            asynchronous = isinstance(source, S3EventConfig | SNSEventConfig)
            found.append(Function(source.name, to_cfn_resource_name(source.name), asynchronous=asynchronous))
    names = [f.name for f in found]
    if len(set(names)) != len(names):
        raise DeployError(f"two functions share a name: {sorted(names)}")
    return sorted(found, key=lambda f: f.name)


def chalice_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(CONFIG_FILE.read_text())
    return config


def stage_environment(stage: str) -> dict[str, str]:
    """The stage's variables as .chalice/config.json sets them (the local stack reads them the same way)."""
    from devstack.environment import stage_variables

    if stage not in chalice_config()["stages"]:
        raise DeployError(f"no stage {stage!r} in .chalice/config.json")
    return stage_variables(stage)
