"""`python -m deploy policies|check|template|package|deploy|redrive` (see README "Deploy")."""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from deploy.functions import (
    CONFIG_FILE,
    DEPLOYED_STAGES,
    POLICIES_DIR,
    PROJECT_DIR,
    DeployError,
    chalice_config,
    functions,
    stage_environment,
)

DEFAULT_LAMBDA = {
    "lambda_memory_size": 256,
    "lambda_timeout": 60,
    "environment_variables": {"POWERTOOLS_LOG_LEVEL": "INFO"},
}
# Variables the deploy tooling itself must not pass on: the local stack's endpoints and this
# process's test settings. Only the stage's own variables reach `chalice package`.
DUMMY_KEYS = ("testing", "")


def policy_path(name: str) -> str:
    return f"../policies/{name}.json"


def expected_policies() -> dict[Path, str]:
    from deploy.policies import policy_document, render

    return {function.policy_file: render(policy_document(function)) for function in functions()}


def expected_config() -> dict[str, Any]:
    """config.json with an entry (own policy file) for every function in every deployed stage."""
    config = chalice_config()
    for stage in DEPLOYED_STAGES:
        settings = config["stages"][stage]
        settings["autogen_policy"] = False
        per_function = settings.setdefault("lambda_functions", {})
        for function in functions():
            entry = per_function.setdefault(function.name, copy.deepcopy(DEFAULT_LAMBDA))
            entry["iam_policy_file"] = policy_path(function.name)
    return config


def drift() -> list[str]:
    """What `make policies` would change; empty when the committed files are current."""
    problems = []
    for path, text in expected_policies().items():
        if not path.exists() or path.read_text() != text:
            problems.append(f"{path.relative_to(PROJECT_DIR)} is missing or out of date")
    known = {path.name for path in expected_policies()}
    problems += [
        f"policies/{path.name} belongs to no function" for path in POLICIES_DIR.glob("*.json") if path.name not in known
    ]
    if expected_config() != chalice_config():
        problems.append(".chalice/config.json lacks lambda_functions entries (own iam_policy_file) for some functions")
    return problems


def write_policies() -> None:
    POLICIES_DIR.mkdir(exist_ok=True)
    expected = expected_policies()
    for path, text in expected.items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(PROJECT_DIR)}")
    for path in POLICIES_DIR.glob("*.json"):
        if path not in expected:
            path.unlink()
            print(f"removed {path.relative_to(PROJECT_DIR)}")
    config = expected_config()
    if config != chalice_config():
        CONFIG_FILE.write_text(json.dumps(config, indent=2) + "\n")
        print("updated .chalice/config.json")


def packaging_environment(stage: str) -> dict[str, str]:
    """A clean environment for `chalice package`: the stage's variables, a dummy region, no endpoints."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        {
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    env.update(stage_environment(stage))
    return env


def write_template(stage: str, path: Path) -> Path:
    from deploy.template import merge_template

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merge_template(stage), indent=2) + "\n")
    return path


def package(stage: str, out: Path, lint: bool = True) -> Path:
    problems = drift()
    if problems:
        raise DeployError("; ".join(problems) + ": run `make policies` and commit the result")
    merge = write_template(stage, out / "merge-template.json")
    target = out / "package"
    if target.exists():
        shutil.rmtree(target)
    chalice = [sys.executable, "-m", "deploy.chalice_cli"]  # chalice, plus S3 events on the mail bucket
    subprocess.run(
        [*chalice, "package", "--stage", stage, "--merge-template", str(merge), str(target)],
        cwd=PROJECT_DIR,
        env=packaging_environment(stage),
        check=True,
    )
    template = target / "sam.json"
    if lint:
        cfn_lint = Path(sys.executable).with_name("cfn-lint")
        subprocess.run([str(cfn_lint), "--", str(template)], check=True, cwd=PROJECT_DIR)
    print(
        f"packaged {stage}: {template.relative_to(PROJECT_DIR) if template.is_relative_to(PROJECT_DIR) else template}"
    )
    return template


def deploy(stage: str, out: Path, bucket: str, stack: str, overrides: list[str]) -> None:
    """`aws cloudformation package` + `deploy` with the caller's real AWS credentials."""
    template = out / "package" / "sam.json"
    if not template.exists():
        raise DeployError(f"{template} does not exist: run `make package STAGE={stage}` first")
    env = dict(os.environ)
    if env.get("AWS_ACCESS_KEY_ID") in DUMMY_KEYS:  # the Makefile's offline dummies must not shadow a profile
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(key, None)
    env.pop("AWS_EC2_METADATA_DISABLED", None)
    packaged = out / "packaged.json"
    subprocess.run(
        [
            "aws",
            "cloudformation",
            "package",
            "--template-file",
            str(template),
            "--s3-bucket",
            bucket,
            "--use-json",
            "--output-template-file",
            str(packaged),
        ],
        env=env,
        check=True,
    )
    subprocess.run(
        [
            "aws",
            "cloudformation",
            "deploy",
            "--template-file",
            str(packaged),
            "--stack-name",
            stack,
            "--capabilities",
            "CAPABILITY_IAM",
            "CAPABILITY_AUTO_EXPAND",
            "--no-fail-on-empty-changeset",
            *(["--parameter-overrides", *overrides] if overrides else []),
        ],
        env=env,
        check=True,
    )
    subprocess.run(
        [
            "aws",
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            stack,
            "--query",
            "Stacks[0].Outputs",
            "--output",
            "table",
        ],
        env=env,
        check=True,
    )


def redrive_queue(stack: str, function: str, dry_run: bool) -> dict[str, Any]:
    """`redrive` with the caller's real AWS credentials (never run by the tests)."""
    import boto3

    from deploy.redrive import lambda_invoker, redrive, stack_targets

    if os.environ.get("AWS_ACCESS_KEY_ID") == "testing":  # the Makefile's offline dummy
        raise DeployError("redrive talks to real AWS: run it outside make, with your own credentials")
    queue_url, function_name = stack_targets(boto3.client("cloudformation"), stack, function)
    invoke = lambda_invoker(boto3.client("lambda"), function_name)
    outcome = redrive(queue_url, invoke, boto3.client("sqs"), boto3.client("dynamodbstreams"), dry_run)
    return {"queue": queue_url, "function": function_name, **outcome.as_dict()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("policies", help="write policies/*.json and config.json entries from chalicelib/permissions.py")
    commands.add_parser("check", help="fail if policies/*.json or config.json are out of date")
    for name in ("template", "package", "deploy"):
        command = commands.add_parser(name)
        command.add_argument("--stage", default="dev", choices=DEPLOYED_STAGES)
        command.add_argument("--out", type=Path, default=None, help="build directory (default build/<stage>)")
        if name == "package":
            command.add_argument("--no-lint", action="store_true")
        if name == "deploy":
            command.add_argument("--bucket", required=True, help="S3 bucket for the code artefact")
            command.add_argument("--stack", default=None, help="stack name (default servicedesk-<stage>)")
            command.add_argument("overrides", nargs="*", help="Key=Value template parameters (PublicBaseUrl=...)")
    redrive = commands.add_parser("redrive", help="hand a stream handler's failure queue back to it (real AWS)")
    redrive.add_argument("--stack", required=True, help="the deployed stack, e.g. servicedesk-dev")
    redrive.add_argument("--function", required=True, help="the stream handler, e.g. send_tip_email")
    redrive.add_argument("--dry-run", action="store_true", help="read the records, invoke nothing, delete nothing")
    args = parser.parse_args(argv)
    try:
        if args.command == "redrive":
            print(json.dumps(redrive_queue(args.stack, args.function, args.dry_run), indent=2))
            return 0
        if args.command == "policies":
            write_policies()
        elif args.command == "check":
            problems = drift()
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1 if problems else 0
        else:
            out = args.out or PROJECT_DIR / "build" / args.stage
            if args.command == "template":
                print(write_template(args.stage, out / "merge-template.json"))
            elif args.command == "package":
                package(args.stage, out, lint=not args.no_lint)
            else:
                deploy(args.stage, out, args.bucket, args.stack or f"servicedesk-{args.stage}", args.overrides)
    except DeployError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
