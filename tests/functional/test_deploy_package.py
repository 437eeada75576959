"""`make package`, offline: the dev stage's merged SAM template is built by `chalice package` with the
generated merge template, passes cfn-lint, and is walked here: stream wiring and failure handling,
tables as the local stack creates them, roles exactly as declared, stage settings kept apart."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.permissions import FUNCTIONS
from chalicelib.secrets import SECRETS
from deploy import __main__ as cli
from deploy.functions import functions, model_by_short_name, table_logical_id
from deploy.template import (
    LOCAL_ONLY_VARIABLES,
    MAXIMUM_RECORD_AGE_SECONDS,
    MAXIMUM_RETRY_ATTEMPTS,
    merge_template,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Built once: `chalice package --stage dev --merge-template ...`, then cfn-lint (both must succeed)."""
    out = tmp_path_factory.mktemp("package-dev")
    path = cli.package("dev", out, lint=True)
    assert (path.parent / "deployment.zip").stat().st_size > 0
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _logical_to_table() -> dict[str, str]:
    return {table_logical_id(short): short for short in model_by_short_name()}


def test_the_dev_package_builds_and_passes_cfn_lint(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert {f.logical_id for f in functions()} <= set(template["Resources"])


def test_every_stream_handler_reads_its_tables_stream_with_bounded_retries_and_a_failure_queue(
    template: dict[str, Any],
) -> None:
    import app

    resources = template["Resources"]
    handlers = [source for source in app.app.event_sources if hasattr(source, "stream_arn")]
    assert handlers, "app.py has stream handlers"
    for source in handlers:
        table = source.stream_arn.split(":table/")[1].split("/stream/")[0]  # the table app.py subscribes to
        short = next(s for s, m in model_by_short_name().items() if m.Meta.table_name == table)
        function = next(f for f in functions() if f.name == source.name)
        events = resources[function.logical_id]["Properties"]["Events"]
        assert list(events) == [function.event_source_id]
        mapping = events[function.event_source_id]
        assert mapping["Type"] == "DynamoDB"
        props = mapping["Properties"]
        assert props["Stream"] == {"Fn::GetAtt": [table_logical_id(short), "StreamArn"]}
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 <= props["MaximumRetryAttempts"] == MAXIMUM_RETRY_ATTEMPTS <= 10
        assert 60 <= props["MaximumRecordAgeInSeconds"] == MAXIMUM_RECORD_AGE_SECONDS <= 86400
        assert props["BatchSize"] == source.batch_size and props["StartingPosition"] == source.starting_position
        queue = props["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"]
        assert resources[queue[0]]["Type"] == "AWS::SQS::Queue" and queue[1] == "Arn"
        stream = resources[table_logical_id(short)]["Properties"]["StreamSpecification"]
        assert stream["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def _describe(table_name: str) -> dict[str, Any]:
    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"])
    table: dict[str, Any] = client.describe_table(TableName=table_name)["Table"]
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    table["_ttl"] = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None
    return table


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((key["KeyType"], key["AttributeName"]) for key in schema)


def _projection(projection: dict[str, Any]) -> tuple[str, list[str]]:
    return projection["ProjectionType"], sorted(projection.get("NonKeyAttributes", []))


def test_every_table_is_in_the_template_as_the_local_stack_creates_it(
    template: dict[str, Any], moto_server: None
) -> None:
    """Compared with the tables PynamoDB created in moto from the same models, not with the generator."""
    resources = template["Resources"]
    templated = {k: v for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert set(templated) == {table_logical_id(short) for short in model_by_short_name()}
    for short, model in model_by_short_name().items():
        resource = templated[table_logical_id(short)]
        props = resource["Properties"]
        local = _describe(model.Meta.table_name)
        assert props["TableName"] == f"servicedesk-dev-{short}"
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert resource["DeletionPolicy"] == "Retain"
        assert _keys(props["KeySchema"]) == _keys(local["KeySchema"]), short
        assert props["KeySchema"][0]["KeyType"] == "HASH"
        definitions = {(d["AttributeName"], d["AttributeType"]) for d in props["AttributeDefinitions"]}
        assert definitions == {(d["AttributeName"], d["AttributeType"]) for d in local["AttributeDefinitions"]}
        ours = {
            i["IndexName"]: (_keys(i["KeySchema"]), _projection(i["Projection"]))
            for i in props.get("GlobalSecondaryIndexes", [])
        }
        theirs = {
            i["IndexName"]: (_keys(i["KeySchema"]), _projection(i["Projection"]))
            for i in local.get("GlobalSecondaryIndexes", [])
        }
        assert ours == theirs, short
        assert "LocalSecondaryIndexes" not in props and not local.get("LocalSecondaryIndexes")
        local_stream = local.get("StreamSpecification", {})
        view = local_stream.get("StreamViewType") if local_stream.get("StreamEnabled") else None
        assert props.get("StreamSpecification", {}).get("StreamViewType") == view, short
        assert props.get("TimeToLiveSpecification", {}).get("AttributeName") == local["_ttl"], short


def _decode(resource: Any, logical_to_table: dict[str, str]) -> str:
    """A policy resource back to the declaration's vocabulary."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical, attribute = resource["Fn::GetAtt"]
        if logical in logical_to_table:
            return logical_to_table[logical] + ("/stream" if attribute == "StreamArn" else "")
        return f"own:{logical}"
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = resource["Fn::Sub"] if isinstance(resource["Fn::Sub"], str) else resource["Fn::Sub"][0]
        for logical, short in logical_to_table.items():
            if text.startswith(f"${{{logical}.Arn}}/"):
                return short + "/" + text.split("/", 1)[1]
        if ":ssm:" in text:
            return "ssm:" + text.rsplit("/", 1)[1]
        if ":ses:" in text:
            return "ses:identity"
        if text.startswith("arn:${AWS::Partition}:s3:::${MailBucketPrefix}-${AWS::AccountId}-${AWS::Region}/"):
            return "s3:" + text.rsplit("}/", 1)[1].removesuffix("*")
    raise AssertionError(f"unexpected resource {resource!r}")


def _granted(role: dict[str, Any]) -> set[tuple[str, str]]:
    (policy,) = role["Properties"]["Policies"]
    logical_to_table = _logical_to_table()
    pairs = set()
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert resource != "*"
            for action in statement["Action"]:
                pairs.add((action, _decode(resource, logical_to_table)))
    return pairs


def test_every_role_grants_exactly_what_its_function_is_declared_to_do(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    parameter_of = {variable: name for variable, name in SECRETS.items()}
    for function in functions():
        access = FUNCTIONS[function.name]
        role_ref = resources[function.logical_id]["Properties"]["Role"]
        assert role_ref == {"Fn::GetAtt": [function.role_id, "Arn"]}, "each function has its own role"
        expected = {(f"dynamodb:{a}", resource) for resource, actions in access.tables.items() for a in actions}
        expected |= {
            ("logs:CreateLogStream", f"own:{function.log_group_id}"),
            ("logs:PutLogEvents", f"own:{function.log_group_id}"),
        }
        if function.stream_table:
            for action in ("DescribeStream", "GetRecords", "GetShardIterator"):
                expected.add((f"dynamodb:{action}", f"{function.stream_table}/stream"))
            expected.add(("dynamodb:ListStreams", f"{function.stream_table}/stream/*"))
            expected.add(("sqs:SendMessage", f"own:{function.failure_queue_id}"))
        if function.asynchronous:
            expected.add(("sqs:SendMessage", f"own:{function.failure_queue_id}"))
        expected |= {(f"s3:{a}", f"s3:{prefix}") for prefix, actions in access.mail_bucket.items() for a in actions}
        if access.send_mail:
            expected.add(("ses:SendRawEmail", "ses:identity"))
        expected |= {("ssm:GetParameter", f"ssm:{parameter_of[v]}") for v in access.secrets}
        assert _granted(resources[function.role_id]) == expected, function.name


def test_deployed_functions_get_their_stage_names_and_no_local_settings(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for function in functions():
        variables = resources[function.logical_id]["Properties"]["Environment"]["Variables"]
        assert variables["STAGE"] == "dev" and variables["TABLE_PREFIX"] == "servicedesk-dev"
        assert not set(variables) & set(LOCAL_ONLY_VARIABLES)
        assert variables["SECRETS_PATH"] == {"Ref": "SecretsPath"}
        assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"  # per function, from config.json's lambda_functions
        assert variables["TICKETS_STREAM_ARN"] == {"Fn::GetAtt": ["TicketsTable", "StreamArn"]}
        text = json.dumps(variables)
        assert "127.0.0.1" not in text and "000000000000" not in text and "test-secret" not in text
    assert template["Parameters"]["SecretsPath"]["Default"] == "/servicedesk/dev"


def test_outputs_give_the_api_url_and_the_tip_partners_webhook_url(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["ApiUrl"]["Value"]["Fn::Sub"].startswith("https://${RestAPI}.execute-api.")
    assert outputs["TipWebhookUrl"]["Value"]["Fn::Sub"].endswith("/api/tips/webhooks/partner")


def test_the_prod_template_names_only_prod_tables_and_secrets() -> None:
    merged = merge_template("prod")
    tables = [r for r in merged["Resources"].values() if r.get("Type") == "AWS::DynamoDB::Table"]
    assert tables and all(t["Properties"]["TableName"].startswith("servicedesk-prod-") for t in tables)
    assert merged["Parameters"]["SecretsPath"]["Default"] == "/servicedesk/prod"
    assert "servicedesk-dev" not in json.dumps(merged) and "servicedesk-local" not in json.dumps(merged)


def test_the_local_stage_cannot_be_packaged() -> None:
    from deploy.functions import DeployError

    with pytest.raises(DeployError):
        merge_template("local")


def test_packaging_sees_only_the_stages_own_variables() -> None:
    env = cli.packaging_environment("dev")
    assert env["STAGE"] == "dev" and env["TABLE_PREFIX"] == "servicedesk-dev"
    assert not set(env) & {"DYNAMODB_ENDPOINT", "SES_ENDPOINT", "APP_SECRET", "PUBLIC_BASE_URL"}
    assert Path(cli.PROJECT_DIR / ".chalice" / "config.json").exists()


# Alarms: every failure queue, every function and the API, to one topic


def _alarms(template: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(namespace, metric, dimensions as JSON) -> the alarm's properties."""
    found = {}
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::CloudWatch::Alarm":  # merge templates hold partial resources
            props = resource["Properties"]
            dimensions = json.dumps({d["Name"]: d["Value"] for d in props["Dimensions"]}, sort_keys=True)
            key = (props["Namespace"], props["MetricName"], dimensions)
            assert key not in found, f"two alarms watch {key}"
            found[key] = props
    return found


def _watching(alarms: dict[tuple[str, str, str], dict[str, Any]], namespace: str, metric: str, **dims: Any) -> Any:
    return alarms.get((namespace, metric, json.dumps(dims, sort_keys=True)))


def test_every_failure_queue_function_and_the_api_has_an_alarm_sent_to_one_topic(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    topics = [name for name, r in resources.items() if r["Type"] == "AWS::SNS::Topic"]
    alarms = _alarms(template)
    [topic] = {action["Ref"] for props in alarms.values() for action in props["AlarmActions"]}
    assert topic in topics  # one topic for every alarm (the other topic carries SES's mail feedback)
    for props in alarms.values():
        assert props["AlarmActions"] == [{"Ref": topic}] and props["OKActions"] == [{"Ref": topic}]
        assert props["ComparisonOperator"] == "GreaterThanThreshold" and props["Threshold"] == 0
        assert props["Period"] == 300 and props["EvaluationPeriods"] == 1
        assert props["TreatMissingData"] == "notBreaching" and props["AlarmDescription"]

    queues = [name for name, r in resources.items() if r["Type"] == "AWS::SQS::Queue"]
    assert {f.failure_queue_id for f in functions() if f.stream_table} <= set(queues)
    for queue in queues:
        props = _watching(
            alarms, "AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName={"Fn::GetAtt": [queue, "QueueName"]}
        )
        assert props is not None and props["Statistic"] == "Maximum", f"no alarm on {queue}"

    lambdas = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    assert {f.logical_id for f in functions()} == set(lambdas)
    for function in lambdas:
        for metric in ("Errors", "Throttles"):
            props = _watching(alarms, "AWS/Lambda", metric, FunctionName={"Ref": function})
            assert props is not None and props["Statistic"] == "Sum", f"no {metric} alarm on {function}"

    api = resources["RestAPI"]["Properties"]
    assert api["Name"] == api["DefinitionBody"]["info"]["title"] == {"Fn::Sub": "${AWS::StackName}"}
    assert _watching(alarms, "AWS/ApiGateway", "5XXError", ApiName=api["Name"], Stage=api["StageName"])

    # the product's own failure count, with the dimensions its EMF lines carry (service, stage)
    from chalicelib import observability

    props = _watching(
        alarms,
        observability.NAMESPACE,
        observability.TIP_REGISTRATION_ERRORS,
        service=observability.SERVICE,
        stage="dev",
    )
    assert props is not None and props["Statistic"] == "Sum"
    assert len(alarms) == len(queues) + 2 * len(lambdas) + 2  # nothing else, nothing twice


def test_the_alarm_email_is_a_parameter_and_no_subscription_exists_without_one(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["AlarmEmail"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("ops@acme.example") and not pattern.fullmatch("ops")
    [subscription] = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
    assert template["Outputs"]["AlarmTopic"]["Value"] == {"Ref": "AlarmTopic"}


def test_a_function_and_failure_queue_added_later_get_their_alarms_by_themselves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalice import Chalice, Rate

    import app as real_app
    from deploy import functions as deploy_functions

    grown = Chalice(app_name="servicedesk")
    grown.routes = real_app.app.routes
    grown.event_sources = list(real_app.app.event_sources)

    @grown.schedule(Rate(1, unit=Rate.DAYS), name="purge_old_things")
    def purge_old_things(event: Any) -> None: ...

    @grown.on_dynamodb_record(stream_arn=real_app.app.event_sources[0].stream_arn, name="mirror_tickets")
    def mirror_tickets(event: Any) -> None: ...

    monkeypatch.setattr(deploy_functions, "load_app", lambda: grown)
    merged = merge_template("dev")
    alarms = _alarms(merged)
    for logical_id in ("PurgeOldThings", "MirrorTickets"):
        for metric in ("Errors", "Throttles"):
            assert _watching(alarms, "AWS/Lambda", metric, FunctionName={"Ref": logical_id})
    queue = {"Fn::GetAtt": ["MirrorTicketsFailureQueue", "QueueName"]}
    assert _watching(alarms, "AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName=queue)
