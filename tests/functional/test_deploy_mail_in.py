"""E-mail in, in the packaged dev template (`make package`, cfn-lint clean): the mail bucket and its
policy for SES, the receipt rule set and rule, the S3 event and SNS subscription of the two functions,
their failure settings, and their least-privilege roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.inbound import storage
from chalicelib.permissions import FUNCTIONS
from deploy import __main__ as cli
from deploy import mail_in
from deploy.functions import functions

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
BUCKET_NAME = {"Fn::Sub": mail_in.MAIL_BUCKET_NAME}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = cli.package("dev", tmp_path_factory.mktemp("package-mail"), lint=True)  # cfn-lint must pass
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _function(name: str) -> Any:
    return next(f for f in functions() if f.name == name)


def test_the_mail_bucket_is_private_encrypted_and_lets_raw_mail_expire(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["MailBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket" and bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["BucketName"] == BUCKET_NAME
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["RawMailExpires"]["Prefix"] == storage.INBOUND
    assert rules["RawMailExpires"]["ExpirationInDays"] == {"Ref": "RawMailRetentionDays"}
    assert rules["QuarantineExpires"]["Prefix"] == storage.QUARANTINE
    assert all(rule.get("Prefix") != storage.ATTACHMENTS for rule in rules.values())  # files stay with tickets
    assert template["Parameters"]["RawMailRetentionDays"]["Default"] == mail_in.RAW_MAIL_DAYS


def test_only_ses_may_write_raw_mail_and_only_for_this_stacks_rule_over_tls(template: dict[str, Any]) -> None:
    policy = template["Resources"]["MailBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "MailBucket"}
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    ses = statements["SesStoresIncomingMail"]
    assert ses["Principal"] == {"Service": "ses.amazonaws.com"} and ses["Action"] == "s3:PutObject"
    assert ses["Resource"]["Fn::Sub"].endswith("/inbound/*")
    assert ses["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ses["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"].endswith(
        f"receipt-rule-set/{mail_in.RULE_SET_NAME}:receipt-rule/{mail_in.RULE_NAME}"
    )
    assert statements["TlsOnly"]["Effect"] == "Deny"


def test_the_receipt_rule_stores_the_inbound_domains_mail_with_scanning_after_the_bucket_policy(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    assert resources["MailReceiptRuleSet"]["Type"] == "AWS::SES::ReceiptRuleSet"
    rule = resources["MailReceiptRule"]
    assert rule["Type"] == "AWS::SES::ReceiptRule" and "MailBucketPolicy" in rule["DependsOn"]
    props = rule["Properties"]
    assert props["RuleSetName"] == {"Ref": "MailReceiptRuleSet"}
    assert props["Rule"]["Recipients"] == [{"Ref": "InboundMailDomain"}]
    assert props["Rule"]["Enabled"] is True and props["Rule"]["ScanEnabled"] is True
    assert props["Rule"]["Actions"] == [
        {"S3Action": {"BucketName": {"Ref": "MailBucket"}, "ObjectKeyPrefix": "inbound/"}}
    ]
    assert template["Parameters"]["InboundMailDomain"]["Default"] == "in.example.com"
    assert "ReceiptRuleSetName" in template["Outputs"] and "InboundMailMx" in template["Outputs"]


def test_receive_mail_runs_on_new_inbound_objects_and_failed_events_go_to_its_queue(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    function = _function("receive_mail")
    assert function.asynchronous
    props = resources[function.logical_id]["Properties"]
    (event,) = props["Events"].values()
    assert event["Type"] == "S3" and event["Properties"]["Bucket"] == {"Ref": "MailBucket"}
    assert event["Properties"]["Events"] == ["s3:ObjectCreated:*"]
    assert event["Properties"]["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "inbound/"}]
    failure = props["EventInvokeConfig"]
    assert failure["MaximumRetryAttempts"] == mail_in.ASYNC_RETRY_ATTEMPTS
    assert failure["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [function.failure_queue_id, "Arn"]
    }
    assert resources[function.failure_queue_id]["Type"] == "AWS::SQS::Queue"
    assert props["Environment"]["Variables"]["MAIL_BUCKET"] == BUCKET_NAME  # by name: no dependency cycle
    assert props["Environment"]["Variables"]["MAIL_INBOUND_DOMAIN"] == {"Ref": "InboundMailDomain"}


def test_mail_feedback_hears_the_stacks_topic_which_ses_may_publish_to(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    function = _function("mail_feedback")
    props = resources[function.logical_id]["Properties"]
    (event,) = props["Events"].values()
    assert event["Type"] == "SNS"
    topic = resources[mail_in.FEEDBACK_TOPIC_ID]
    assert event["Properties"]["Topic"]["Fn::Sub"].endswith(":" + topic["Properties"]["TopicName"])
    assert mail_in.FEEDBACK_TOPIC_ID in resources[function.logical_id]["DependsOn"]
    assert props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    (statement,) = resources["MailFeedbackTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"} and statement["Action"] == "sns:Publish"


def test_the_mail_functions_may_touch_only_their_key_prefixes_of_the_bucket(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    granted: dict[str, set[tuple[str, str]]] = {}
    for name in ("receive_mail", "api_handler", "mail_feedback"):
        function = _function(name)
        (policy,) = resources[function.role_id]["Properties"]["Policies"]
        granted[name] = {
            (action, statement["Resource"]["Fn::Sub"].rsplit("/", 2)[-2] + "/")
            for statement in policy["PolicyDocument"]["Statement"]
            for action in statement["Action"]
            if action.startswith("s3:")
        }
    assert granted["receive_mail"] == {
        ("s3:GetObject", "inbound/"),
        ("s3:PutObject", "attachments/"),
        ("s3:PutObject", "quarantine/"),
    }
    assert granted["api_handler"] == {("s3:GetObject", "attachments/")}  # presigned links only
    assert granted["mail_feedback"] == set()
    assert FUNCTIONS["mail_feedback"].tables == {"mail_suppressions": ("PutItem",)}
