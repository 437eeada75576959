"""E-mail in, as CloudFormation: the mail bucket (private, encrypted, raw mail expiring), its policy
for SES, the receipt rule set and rule that store mail for the inbound domain in it, the SNS topic SES
publishes bounces and complaints to, and the failure settings of the two functions that read them.

`receive_mail`'s S3 event is written by deploy/chalice_cli.py (Chalice's SAM output has none); this
module merges everything else into the template deploy/template.py makes (`extend`).

Names are built from parameters, never from the resources' own attributes, so the functions' roles
and variables can name the bucket without a dependency cycle (bucket -> notification -> permission
-> function -> role -> bucket).
"""

from __future__ import annotations

from typing import Any

from deploy.chalice_cli import MAIL_BUCKET_ID
from deploy.functions import Function

MAIL_BUCKET_NAME = "${MailBucketPrefix}-${AWS::AccountId}-${AWS::Region}"
RULE_SET_NAME = "${AWS::StackName}-inbound"
RULE_NAME = "${AWS::StackName}-store-mail"
RAW_MAIL_DAYS = 7
QUARANTINE_DAYS = 30
ASYNC_RETRY_ATTEMPTS = 2  # Lambda's own retries of an S3 or SNS invocation that failed
ASYNC_MAXIMUM_EVENT_AGE_SECONDS = 6 * 60 * 60
FAILURE_RETENTION_SECONDS = 14 * 24 * 60 * 60
FEEDBACK_TOPIC_ID = "MailFeedbackTopic"


def bucket_arn(path: str = "") -> dict[str, Any]:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{MAIL_BUCKET_NAME}{path}"}


def parameters(environment: dict[str, str]) -> dict[str, Any]:
    domain = environment["MAIL_FROM"].rpartition("@")[2]
    return {
        "InboundMailDomain": {
            "Type": "String",
            "Default": environment.get("MAIL_INBOUND_DOMAIN") or f"in.{domain}",
            "AllowedPattern": r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
            "Description": "The domain SES receives mail for (its MX record points at SES; README 'E-mail in')",
        },
        "MailBucketPrefix": {
            "Type": "String",
            "Default": f"{environment['TABLE_PREFIX']}-mail",
            "AllowedPattern": r"^[a-z0-9][a-z0-9-]{2,28}$",
            "Description": "Start of the mail bucket's name (account id and region are appended)",
        },
        "RawMailRetentionDays": {
            "Type": "Number",
            "Default": RAW_MAIL_DAYS,
            "MinValue": 1,
            "MaxValue": 365,
            "Description": "Days raw incoming mail is kept in the bucket (tickets and attachments stay)",
        },
    }


def _bucket() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",  # attachments are customers' data, like the tables
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": {"Fn::Sub": MAIL_BUCKET_NAME},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "RawMailExpires",
                        "Status": "Enabled",
                        "Prefix": "inbound/",
                        "ExpirationInDays": {"Ref": "RawMailRetentionDays"},
                    },
                    {
                        "Id": "QuarantineExpires",
                        "Status": "Enabled",
                        "Prefix": "quarantine/",
                        "ExpirationInDays": QUARANTINE_DAYS,
                    },
                    {
                        "Id": "AbortUploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                ]
            },
        },
    }


def _bucket_policy() -> dict[str, Any]:
    ses = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
    rule_arn = f"{ses}:receipt-rule-set/{RULE_SET_NAME}:receipt-rule/{RULE_NAME}"
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": MAIL_BUCKET_ID},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "SesStoresIncomingMail",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": bucket_arn("/inbound/*"),
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {"aws:SourceArn": {"Fn::Sub": rule_arn}},
                        },
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket_arn(), bucket_arn("/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _receipt_rule() -> dict[str, Any]:
    return {
        "Type": "AWS::SES::ReceiptRule",
        "DependsOn": ["MailBucketPolicy"],  # SES checks it may write to the bucket when the rule is made
        "Properties": {
            "RuleSetName": {"Ref": "MailReceiptRuleSet"},
            "Rule": {
                "Name": {"Fn::Sub": RULE_NAME},
                "Enabled": True,
                "ScanEnabled": True,  # spam and virus verdicts in X-SES-Spam-Verdict / X-SES-Virus-Verdict
                "TlsPolicy": "Optional",
                "Recipients": [{"Ref": "InboundMailDomain"}],
                "Actions": [{"S3Action": {"BucketName": {"Ref": MAIL_BUCKET_ID}, "ObjectKeyPrefix": "inbound/"}}],
            },
        },
    }


def _feedback_topic(topic_name: str) -> dict[str, Any]:
    return {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic_name}}


def _feedback_topic_policy() -> dict[str, Any]:
    return {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": FEEDBACK_TOPIC_ID}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "SesPublishesFeedback",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": {"Ref": FEEDBACK_TOPIC_ID},
                        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                    }
                ],
            },
        },
    }


def _failure_settings(function: Function) -> dict[str, Any]:
    return {
        "MaximumRetryAttempts": ASYNC_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": ASYNC_MAXIMUM_EVENT_AGE_SECONDS,
        "DestinationConfig": {
            "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [function.failure_queue_id, "Arn"]}}
        },
    }


def extend(template: dict[str, Any], functions: list[Function], environment: dict[str, str]) -> None:
    """Add e-mail in to the merge template deploy/template.py has built."""
    resources, outputs = template["Resources"], template["Outputs"]
    template["Parameters"].update(parameters(environment))
    resources[MAIL_BUCKET_ID] = _bucket()
    resources["MailBucketPolicy"] = _bucket_policy()
    resources["MailReceiptRuleSet"] = {
        "Type": "AWS::SES::ReceiptRuleSet",
        "Properties": {"RuleSetName": {"Fn::Sub": RULE_SET_NAME}},
    }
    resources["MailReceiptRule"] = _receipt_rule()
    topic_name = f"{environment['TABLE_PREFIX']}-mail-feedback"  # chalicelib.settings.Settings.mail_feedback_topic
    resources[FEEDBACK_TOPIC_ID] = _feedback_topic(topic_name)
    resources["MailFeedbackTopicPolicy"] = _feedback_topic_policy()
    for function in functions:
        properties = resources[function.logical_id]["Properties"]
        variables = properties["Environment"]["Variables"]
        variables["MAIL_BUCKET"] = {"Fn::Sub": MAIL_BUCKET_NAME}
        variables["MAIL_INBOUND_DOMAIN"] = {"Ref": "InboundMailDomain"}
        if not function.asynchronous:
            continue
        properties["EventInvokeConfig"] = _failure_settings(function)
        resources[function.failure_queue_id] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {"MessageRetentionPeriod": FAILURE_RETENTION_SECONDS, "SqsManagedSseEnabled": True},
        }
        outputs[function.failure_queue_id] = {
            "Description": f"Events {function.name} gave up on after retries (inspect, fix, replay)",
            "Value": {"Ref": function.failure_queue_id},
        }
    feedback = next((f for f in functions if f.name == "mail_feedback"), None)
    if feedback is not None:  # Chalice subscribes it to the topic's ARN by name: the topic must exist first
        resources[feedback.logical_id]["DependsOn"].append(FEEDBACK_TOPIC_ID)
    outputs.update(
        {
            "MailBucketName": {"Description": "Incoming mail and attachments", "Value": {"Ref": MAIL_BUCKET_ID}},
            "InboundMailMx": {
                "Description": "MX record of the inbound mail domain",
                "Value": {"Fn::Sub": "${InboundMailDomain} MX 10 inbound-smtp.${AWS::Region}.amazonaws.com"},
            },
            "ReceiptRuleSetName": {
                "Description": "Activate it: aws ses set-active-receipt-rule-set --rule-set-name <this>",
                "Value": {"Ref": "MailReceiptRuleSet"},
            },
            "MailFeedbackTopicArn": {
                "Description": "aws ses set-identity-notification-topic ... --sns-topic <this> (Bounce, Complaint)",
                "Value": {"Ref": FEEDBACK_TOPIC_ID},
            },
        }
    )
