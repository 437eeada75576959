"""`chalice` with one addition: `@app.on_s3_event` on a bucket the merged template itself creates.

Chalice's SAM output refuses S3 events because CloudFormation cannot change the notifications of a
bucket that exists outside the stack. The mail bucket is created by the same stack (deploy/mail_in.py,
merged with --merge-template), which SAM's S3 event source supports: it adds the notification and the
invoke permission. So the function gets a SAM S3 event on `{"Ref": MAIL_BUCKET_ID}`; any other
bucket still fails as Chalice would.

    python -m deploy.chalice_cli package --stage dev --merge-template FILE OUT
"""

from __future__ import annotations

import sys
from typing import Any

MAIL_BUCKET_ID = "MailBucket"


def s3_event(self: Any, resource: Any, template: dict[str, Any]) -> None:
    from chalice.utils import to_cfn_resource_name

    if not str(resource.bucket).endswith("-mail"):
        raise NotImplementedError(f"only the mail bucket's events can be packaged, not {resource.bucket!r}")
    function_id = to_cfn_resource_name(resource.lambda_function.resource_name)
    properties: dict[str, Any] = {"Bucket": {"Ref": MAIL_BUCKET_ID}, "Events": list(resource.events)}
    rules = [
        {"Name": name, "Value": value} for name, value in (("prefix", resource.prefix), ("suffix", resource.suffix))
    ]
    rules = [rule for rule in rules if rule["Value"]]
    if rules:
        properties["Filter"] = {"S3Key": {"Rules": rules}}
    events = template["Resources"][function_id]["Properties"].setdefault("Events", {})
    events[f"{function_id}S3Event"] = {"Type": "S3", "Properties": properties}


def main() -> int:
    from chalice import package
    from chalice.cli import main as chalice_main

    package.SAMTemplateGenerator._generate_s3bucketnotification = s3_event  # type: ignore[method-assign]
    result: int = chalice_main()
    return result


if __name__ == "__main__":
    sys.exit(main())
