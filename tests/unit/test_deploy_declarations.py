"""The deploy declarations against the code: every function and table declared, the committed policies
and .chalice/config.json generated from the declarations, and the stages kept apart."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from chalicelib.permissions import FUNCTIONS, table_of
from chalicelib.secrets import SECRETS
from deploy import __main__ as cli
from deploy.functions import DEPLOYED_STAGES, POLICIES_DIR, chalice_config, functions, model_by_short_name
from deploy.template import LOCAL_ONLY_VARIABLES


def test_every_function_of_the_app_has_a_permissions_declaration() -> None:
    missing = sorted({f.name for f in functions()} - set(FUNCTIONS))
    assert not missing, f"declare these functions in chalicelib/permissions.py FUNCTIONS: {missing}"


def test_every_declaration_belongs_to_a_function_of_the_app() -> None:
    stale = sorted(set(FUNCTIONS) - {f.name for f in functions()})
    assert not stale, f"chalicelib/permissions.py declares functions app.py does not have: {stale}"


def test_every_table_of_the_catalog_is_used_by_some_function() -> None:
    used = {table_of(resource) for access in FUNCTIONS.values() for resource in access.tables}
    used |= {f.stream_table for f in functions() if f.stream_table}
    unused = sorted(set(model_by_short_name()) - used)
    assert not unused, f"no function is declared to use these tables (chalicelib/permissions.py): {unused}"


def test_every_declared_table_index_and_secret_exists() -> None:
    models = model_by_short_name()
    for name, access in FUNCTIONS.items():
        for resource in access.tables:
            table, _, rest = resource.partition("/")
            assert table in models, f"{name}: table {table!r} is not in chalicelib/db/catalog.py"
            if rest:
                kind, _, index = rest.partition("/")
                assert kind == "index", f"{name}: {resource!r} is neither a table nor '<table>/index/<name>'"
                indexes = {i.Meta.index_name for i in models[table]._indexes.values()}  # type: ignore[attr-defined]
                assert index in indexes, f"{name}: {table} has no index {index!r} (it has {sorted(indexes)})"
        assert set(access.secrets) <= set(SECRETS), f"{name}: unknown secrets {set(access.secrets) - set(SECRETS)}"


def test_the_committed_policies_and_chalice_config_are_generated_from_the_declarations() -> None:
    assert cli.drift() == [], "run `make policies` and commit policies/ and .chalice/config.json"


def _resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def test_no_policy_grants_anything_on_a_wildcard_resource() -> None:
    for path in sorted(POLICIES_DIR.glob("*.json")):
        for statement in json.loads(path.read_text())["Statement"]:
            assert statement["Effect"] == "Allow"
            assert "NotResource" not in statement and "NotAction" not in statement
            for action in statement["Action"]:
                assert "*" not in action, f"{path.name}: wildcard action {action}"
            for resource in _resources(statement):
                text = json.dumps(resource)
                assert resource != "*" and '"*"' not in text, f"{path.name}: {statement['Sid']} on *"
                if "*" in text and all(action.startswith("s3:") for action in statement["Action"]):
                    # the other pattern: objects under one key prefix of the mail bucket
                    assert re.search(r'-\$\{AWS::Region\}/[a-z]+/\*"\}$', text), text
                elif "*" in text:  # the one pattern: a table's own streams, for ListStreams
                    assert statement["Action"] == ["dynamodb:ListStreams"], f"{path.name}: {statement['Sid']}"
                    assert text.endswith('.Arn}/stream/*"}'), text


def test_each_deployed_function_has_its_own_policy_file_memory_and_timeout() -> None:
    config = chalice_config()
    for stage in DEPLOYED_STAGES:
        settings = config["stages"][stage]
        assert settings["autogen_policy"] is False
        for function in functions():
            entry = settings["lambda_functions"][function.name]
            assert entry["iam_policy_file"] == f"../policies/{function.name}.json"
            assert 128 <= entry["lambda_memory_size"] <= 3008 and 1 <= entry["lambda_timeout"] <= 900
            assert entry["environment_variables"]["POWERTOOLS_LOG_LEVEL"] in ("DEBUG", "INFO", "WARNING", "ERROR")
    api = config["stages"]["prod"]["lambda_functions"]["api_handler"]
    assert api["lambda_timeout"] <= 29, "API Gateway gives up after 29 seconds"


def _stage_variables(stage: str) -> dict[str, str]:
    from devstack.environment import stage_variables

    return stage_variables(stage)


def test_the_local_stage_has_no_deployed_settings() -> None:
    local = _stage_variables("local")
    assert "SECRETS_PATH" not in local, "the local stage must never read SSM"
    assert not any("arn:" in value for value in local.values())
    for stage in DEPLOYED_STAGES:
        assert local["TABLE_PREFIX"] != _stage_variables(stage)["TABLE_PREFIX"]
    assert "lambda_functions" not in chalice_config()["stages"]["local"]


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_deployed_stages_have_no_local_settings_and_their_own_names(stage: str) -> None:
    variables = _stage_variables(stage)
    assert not set(variables) & set(LOCAL_ONLY_VARIABLES), "endpoints and plain secrets are local-only"
    assert not any("127.0.0.1" in value or "localhost" in value or ".local" in value for value in variables.values())
    assert variables["STAGE"] == stage
    assert variables["TABLE_PREFIX"] == f"servicedesk-{stage}"
    assert variables["SECRETS_PATH"] == f"/servicedesk/{stage}"
