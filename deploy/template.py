"""The template merged into `chalice package --merge-template`: tables, stream wiring with failure
handling, failure queues, log groups, parameters for the stage's names, and outputs.

Chalice's SAM output supplies the functions, their roles (from policies/*.json) and the REST API;
this adds everything it cannot express. Lists in a merge replace Chalice's, dictionaries merge.
"""

from __future__ import annotations

from typing import Any

from deploy import alarms, gateway_responses
from deploy.functions import (
    API_HANDLER,
    DEPLOYED_STAGES,
    DeployError,
    Function,
    functions,
    models,
    short_name,
    stage_environment,
    table_logical_id,
)
from deploy.mail_in import extend as extend_mail_in
from deploy.tables import stream_view_type, table_resource

# Stream failure handling: a poison record is isolated by bisecting, retried a bounded number of
# times for a bounded age, then its batch's description goes to the function's failure queue.
MAXIMUM_RETRY_ATTEMPTS = 5
MAXIMUM_RECORD_AGE_SECONDS = 6 * 60 * 60
FAILURE_RETENTION_SECONDS = 14 * 24 * 60 * 60
LOG_RETENTION_DAYS = 30
# Variables only the local stage may have: endpoints of the local stack and plain secrets.
LOCAL_ONLY_VARIABLES = (
    "DYNAMODB_ENDPOINT",
    "SES_ENDPOINT",
    "S3_ENDPOINT",
    "APP_SECRET",
    "TIP_PARTNER_API_KEY",
    "TIP_WEBHOOK_SECRETS",
    "TELEGRAM_BOT_TOKEN",
    "POWERTOOLS_METRICS_DISABLED",
)
API_URL = "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api"
TIP_WEBHOOK_PATH = "/tips/webhooks/partner"


def _parameters(environment: dict[str, str]) -> dict[str, Any]:
    return {
        "MailFrom": {
            "Type": "String",
            "Default": environment["MAIL_FROM"],
            "AllowedPattern": r"^[^@\s]+@[^@\s]+$",
            "Description": "Sender address of all e-mail; it (or its domain) must be a verified SES identity",
        },
        "SecretsPath": {
            "Type": "String",
            "Default": environment["SECRETS_PATH"],
            "AllowedPattern": r"^/[A-Za-z0-9_./-]*[A-Za-z0-9_.-]$",
            "Description": "SSM folder of the SecureString secrets (app-secret, tip-partner-api-key, ...)",
        },
        "PublicBaseUrl": {
            "Type": "String",
            "AllowedPattern": r"^https://\S+[^/]$",
            "Description": "Where customers reach the desk (links in e-mails): a custom domain, or the ApiUrl output",
        },
        "TipPartnerApiUrl": {
            "Type": "String",
            "Default": "",
            "Description": "The tip partner's API base URL (empty: tips stay switched off)",
        },
    }


def _function_environment(stream_tables: list[str]) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "MAIL_FROM": {"Ref": "MailFrom"},
        "SECRETS_PATH": {"Ref": "SecretsPath"},
        "PUBLIC_BASE_URL": {"Ref": "PublicBaseUrl"},
        "TIP_PARTNER_API_URL": {"Ref": "TipPartnerApiUrl"},
    }
    for table in stream_tables:
        variables[f"{table.upper()}_STREAM_ARN"] = {"Fn::GetAtt": [table_logical_id(table), "StreamArn"]}
    return {"Variables": variables}


def _event_source(function: Function) -> dict[str, Any]:
    assert function.stream_table is not None
    return {
        "Properties": {
            "Stream": {"Fn::GetAtt": [table_logical_id(function.stream_table), "StreamArn"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": MAXIMUM_RETRY_ATTEMPTS,
            "MaximumRecordAgeInSeconds": MAXIMUM_RECORD_AGE_SECONDS,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [function.failure_queue_id, "Arn"]}}},
        }
    }


def merge_template(stage: str) -> dict[str, Any]:
    if stage not in DEPLOYED_STAGES:
        raise DeployError(f"stage {stage!r} is not deployed; deployed stages: {', '.join(DEPLOYED_STAGES)}")
    environment = stage_environment(stage)
    leaked = sorted(set(environment) & set(LOCAL_ONLY_VARIABLES))
    if leaked:
        raise DeployError(f"stage {stage} sets local-only variables {leaked} in .chalice/config.json")
    prefix = environment["TABLE_PREFIX"]
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {
        "ApiUrl": {"Description": "Base URL of the API (and of the customer pages)", "Value": {"Fn::Sub": API_URL}},
        "TipWebhookUrl": {
            "Description": "Give this URL to the tip partner for its webhooks",
            "Value": {"Fn::Sub": API_URL + TIP_WEBHOOK_PATH},
        },
    }
    for model in models():
        resources[table_logical_id(short_name(model))] = table_resource(model, prefix)
    stream_tables = sorted(short_name(model) for model in models() if stream_view_type(model))
    for function in functions():
        resources[function.log_group_id] = {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{function.name}"},
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
        properties: dict[str, Any] = {
            "FunctionName": {"Fn::Sub": f"${{AWS::StackName}}-{function.name}"},
            "Environment": _function_environment(stream_tables),
        }
        if function.stream_table:
            if function.stream_table not in stream_tables:
                raise DeployError(
                    f"{function.name} reads the stream of {function.stream_table}, whose model sets no stream_view_type"
                )
            properties["Events"] = {function.event_source_id: _event_source(function)}
            resources[function.failure_queue_id] = {
                "Type": "AWS::SQS::Queue",
                "Properties": {"MessageRetentionPeriod": FAILURE_RETENTION_SECONDS, "SqsManagedSseEnabled": True},
            }
            outputs[function.failure_queue_id] = {
                "Description": f"Batches {function.name} gave up on (inspect, fix, replay)",
                "Value": {"Ref": function.failure_queue_id},
            }
        resources[function.logical_id] = {"DependsOn": [function.log_group_id], "Properties": properties}
    if not any(function.name == API_HANDLER for function in functions()):
        del outputs["ApiUrl"], outputs["TipWebhookUrl"]
    else:
        resources.update(gateway_responses.resources())  # unknown paths: a page, not "Missing Authentication Token"
        resources[alarms.REST_API_ID] = alarms.rest_api_naming()
    template = {"Parameters": _parameters(environment), "Resources": resources, "Outputs": outputs}
    extend_mail_in(template, functions(), environment)
    # Alarms last: they watch every function and failure queue the template now has, mail-in's included.
    resources.update(alarms.resources(stage, functions(), resources))
    template["Parameters"] = {**template["Parameters"], **alarms.parameters()}
    template["Conditions"] = {**template.get("Conditions", {}), **alarms.conditions()}
    template["Outputs"] = {**template["Outputs"], **alarms.outputs()}
    return template
