"""CloudWatch alarms, so that nothing fails unseen, sent to one SNS topic.

Found from what the stack has, never listed by hand: every Lambda function of the app (Errors,
Throttles), every SQS queue of the merge template (a stream handler's failure queue holding
anything), the REST API (5XX answers), and the product's own failure metrics. A function or a
failure queue added later gets its alarms with the next `make package`.

The topic's e-mail subscription is the `AlarmEmail` parameter (none while it is empty); other
subscribers (chat, paging) can be added to the `AlarmTopic` output's ARN by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deploy.functions import API_HANDLER, Function, chalice_config

TOPIC_ID = "AlarmTopic"
SUBSCRIPTION_ID = "AlarmEmailSubscription"
CONDITION = "HasAlarmEmail"
REST_API_ID = "RestAPI"  # Chalice's SAM output
PERIOD_SECONDS = 300
SERVICE = "servicedesk"  # the `service` dimension of the product's metrics (chalicelib/observability.py)
# The product's own metrics (namespace ServiceDesk) that mean something failed; each alarms when > 0.
PRODUCT_FAILURE_METRICS = {
    "TipRegistrationErrors": "A tip partner registration broke in an unexpected way (not the partner being "
    "down): the retry job logged it, counted it on the registration and moved on. Read the job's log.",
}


def parameters() -> dict[str, Any]:
    return {
        "AlarmEmail": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": r"^$|^[^@\s]+@[^@\s]+$",
            "Description": "Who gets the alarms by e-mail (confirm the subscription mail AWS sends); empty: no e-mail",
        }
    }


def conditions() -> dict[str, Any]:
    return {CONDITION: {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}}


def outputs() -> dict[str, Any]:
    return {
        TOPIC_ID: {
            "Description": "SNS topic every alarm is sent to (subscribe more endpoints here)",
            "Value": {"Ref": TOPIC_ID},
        }
    }


def resources(stage: str, functions: list[Function], merged: Mapping[str, Any]) -> dict[str, Any]:
    """The topic, its subscription and every alarm, for the stage's functions and for the queues and
    API among `merged` (the merge template's resources so far)."""
    found: dict[str, Any] = {
        TOPIC_ID: {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": {"Fn::Sub": "${AWS::StackName} alarms"}},
        },
        SUBSCRIPTION_ID: {
            "Type": "AWS::SNS::Subscription",
            "Condition": CONDITION,
            "Properties": {"Protocol": "email", "TopicArn": {"Ref": TOPIC_ID}, "Endpoint": {"Ref": "AlarmEmail"}},
        },
    }
    for function in functions:
        found[f"{function.logical_id}ErrorsAlarm"] = _alarm(
            f"{function.name}-errors",
            f"{function.name} raised errors: invocations failed (a stream batch is retried, then kept in its "
            "failure queue; a schedule or an API call failed). Read its log group.",
            "AWS/Lambda",
            "Errors",
            {"FunctionName": {"Ref": function.logical_id}},
        )
        found[f"{function.logical_id}ThrottlesAlarm"] = _alarm(
            f"{function.name}-throttles",
            f"{function.name} was throttled: the account's or the function's concurrency was used up, "
            "so invocations waited or were refused.",
            "AWS/Lambda",
            "Throttles",
            {"FunctionName": {"Ref": function.logical_id}},
        )
    for logical_id, resource in sorted(merged.items()):
        if resource.get("Type") == "AWS::SQS::Queue":
            found[f"{logical_id}Alarm"] = _alarm(
                f"{logical_id}-not-empty",
                f"{logical_id} holds records a handler gave up on after its retries: they were not "
                "processed. Inspect, fix, replay them, then empty the queue (README, Deploy).",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": {"Fn::GetAtt": [logical_id, "QueueName"]}},
                statistic="Maximum",
            )
    if any(function.name == API_HANDLER for function in functions):
        found["Api5xxAlarm"] = _alarm(
            "api-5xx",
            "The REST API answered 5xx: a route failed (the product never answers 500 on purpose) or "
            "API Gateway could not reach the function.",
            "AWS/ApiGateway",
            "5XXError",
            {"ApiName": api_name(), "Stage": api_stage(stage)},
        )
    for metric, meaning in PRODUCT_FAILURE_METRICS.items():
        found[f"{metric}Alarm"] = _alarm(metric, meaning, "ServiceDesk", metric, {"service": SERVICE, "stage": stage})
    return found


def rest_api_naming() -> dict[str, Any]:
    """Name the REST API after the stack (Chalice names it after the app, the same in every stage's
    stack), so the 5xx alarm's ApiName dimension is this stack's API."""
    return {"Properties": {"Name": api_name(), "DefinitionBody": {"info": {"title": api_name()}}}}


def api_name() -> dict[str, Any]:
    return {"Fn::Sub": "${AWS::StackName}"}


def api_stage(stage: str) -> str:
    config = chalice_config()
    stage_config = config["stages"].get(stage, {})
    return str(stage_config.get("api_gateway_stage") or config.get("api_gateway_stage") or "api")


def _alarm(
    name: str,
    meaning: str,
    namespace: str,
    metric: str,
    dimensions: Mapping[str, Any],
    statistic: str = "Sum",
) -> dict[str, Any]:
    """Alarms as soon as one 5-minute period holds anything; quiet (not "insufficient data") without data."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": f"${{AWS::StackName}}-{name}"},
            "AlarmDescription": meaning,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions.items()],
            "Statistic": statistic,
            "Period": PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": TOPIC_ID}],
            "OKActions": [{"Ref": TOPIC_ID}],
        },
    }
