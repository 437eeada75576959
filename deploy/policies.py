"""One least-privilege IAM policy per function, made from chalicelib/permissions.py and the wiring.

The documents are stage-agnostic: tables, queues and log groups are named by their logical ids in
the merged template (Fn::GetAtt / Fn::Sub), the sender identity and the secrets' folder by the
template's parameters. `chalice package` copies each file into its function's role unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.utils import to_cfn_resource_name

from chalicelib.permissions import FUNCTIONS, Access, table_of
from chalicelib.secrets import SECRETS
from deploy.functions import DeployError, Function, model_by_short_name, table_logical_id
from deploy.mail_in import bucket_arn

STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
LOGS = ("logs:CreateLogStream", "logs:PutLogEvents")


def table_resource_arn(resource: str) -> dict[str, Any]:
    """ "tickets" -> the table's ARN; "tickets/index/queue" -> that index's ARN."""
    table = table_of(resource)
    if table not in model_by_short_name():
        raise DeployError(f"chalicelib/permissions.py names table {table!r}, which chalicelib/db/catalog.py lacks")
    logical = table_logical_id(table)
    if resource == table:
        return {"Fn::GetAtt": [logical, "Arn"]}
    return {"Fn::Sub": f"${{{logical}.Arn}}/{resource.split('/', 1)[1]}"}


def ses_identity_arns() -> list[dict[str, Any]]:
    prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
    domain = {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "MailFrom"}]}]}
    return [{"Fn::Sub": prefix + "${MailFrom}"}, {"Fn::Sub": [prefix + "${Domain}", {"Domain": domain}]}]


def secret_arn(variable: str) -> dict[str, Any]:
    if variable not in SECRETS:
        raise DeployError(f"unknown secret {variable!r}: chalicelib/secrets.py SECRETS lists the known ones")
    prefix = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SecretsPath}"
    return {"Fn::Sub": f"{prefix}/{SECRETS[variable]}"}


def declared(function: Function) -> Access:
    access = FUNCTIONS.get(function.name)
    if access is None:
        raise DeployError(
            f"function {function.name!r} of app.py has no declaration in chalicelib/permissions.py FUNCTIONS: "
            "declare the tables, indexes, mail and secrets its code uses, then run `make policies`"
        )
    return access


def _sid(*parts: str) -> str:
    return "".join(to_cfn_resource_name(part.replace("/", "_")) for part in parts)


def policy_document(function: Function) -> dict[str, Any]:
    access = declared(function)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": list(LOGS),
            "Resource": {"Fn::GetAtt": [function.log_group_id, "Arn"]},
        }
    ]
    for resource in sorted(access.tables):
        actions = sorted({f"dynamodb:{action}" for action in access.tables[resource]})
        statements.append(
            {
                "Sid": _sid("Data", resource),
                "Effect": "Allow",
                "Action": actions,
                "Resource": table_resource_arn(resource),
            }
        )
    if function.stream_table:
        logical = table_logical_id(function.stream_table)
        statements.append(
            {
                "Sid": _sid("Stream", function.stream_table),
                "Effect": "Allow",
                "Action": list(STREAM_READ),
                "Resource": {"Fn::GetAtt": [logical, "StreamArn"]},
            }
        )
        statements.append(
            {
                "Sid": _sid("ListStreams", function.stream_table),
                "Effect": "Allow",
                "Action": ["dynamodb:ListStreams"],
                "Resource": {"Fn::Sub": f"${{{logical}.Arn}}/stream/*"},
            }
        )
        statements.append(
            {
                "Sid": "FailedBatches",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": {"Fn::GetAtt": [function.failure_queue_id, "Arn"]},
            }
        )
    if function.asynchronous:
        statements.append(
            {
                "Sid": "FailedEvents",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": {"Fn::GetAtt": [function.failure_queue_id, "Arn"]},
            }
        )
    for prefix in sorted(access.mail_bucket):
        statements.append(
            {
                "Sid": _sid("Mail", prefix.strip("/")),
                "Effect": "Allow",
                "Action": sorted(f"s3:{action}" for action in access.mail_bucket[prefix]),
                "Resource": bucket_arn(f"/{prefix}*"),
            }
        )
    if access.send_mail:
        statements.append(
            {"Sid": "SendMail", "Effect": "Allow", "Action": ["ses:SendRawEmail"], "Resource": ses_identity_arns()}
        )
    if access.secrets:
        statements.append(
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [secret_arn(variable) for variable in sorted(access.secrets)],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"
