"""Cold start: `import app` in a fresh interpreter, against a bare `import chalice, boto3`, and the size
of the Lambda package.

    .venv/bin/python -m bench.coldstart [--runs 9] [--package] [--json out.json]

Each run starts a new interpreter with the environment a Lambda of the local stage gets (endpoints
that nothing answers: importing must not call anything), alternating app and reference so both see
the same noise; the ratio of the medians is what is reported. Byte-code caches are warmed first, as
they are in a deployed package's import after the first.

`import app` registers every route from a light table and imports a route's module on its first
request (chalicelib/http/dispatch.py), so the first request of a cold container also pays for its
route's module: measured the same way for the agents' ticket routes (`import app` then the module
of take-next, replies and the rest), with `-X importtime` listing what that module brings beyond
the reference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIMED = "import time; t = time.perf_counter(); {imports}; print(time.perf_counter() - t)"
APP = "import app"
REFERENCE = "import chalice, boto3"
FIRST_REQUEST = "import app; import chalicelib.api.tickets"  # what the first ticket request adds to the cold start


def lambda_environment() -> dict[str, str]:
    from devstack.environment import local_environment

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.update(local_environment("http://127.0.0.1:9", "http://127.0.0.1:9", {"APP_SECRET": "bench"}))
    env["AWS_LAMBDA_FUNCTION_NAME"] = "api_handler"
    return env


def _time_import(imports: str, env: dict[str, str]) -> float:
    output = subprocess.run(
        [sys.executable, "-c", TIMED.format(imports=imports)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def import_costs(env: dict[str, str], top: int = 12) -> list[dict[str, Any]]:
    """What `import app` with the ticket routes' module loads beyond the reference, by top-level package
    and its own import time."""

    def self_times(imports: str) -> dict[str, int]:
        stderr = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", imports],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        costs: dict[str, int] = {}
        for line in stderr.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if not line.startswith("import time:") or len(parts) != 3 or not parts[0].strip().isdigit():
                continue
            package = parts[2].strip().split(".")[0]
            costs[package] = costs.get(package, 0) + int(parts[0])
        return costs

    app, reference = self_times(FIRST_REQUEST), self_times(REFERENCE)
    extra = {name: round((us - reference.get(name, 0)) / 1000, 1) for name, us in app.items()}
    heaviest = sorted((name for name, ms in extra.items() if ms >= 1), key=lambda name: -extra[name])[:top]
    return [{"package": name, "ms": extra[name]} for name in heaviest]


def package_size() -> dict[str, Any]:
    """deployment.zip of the dev stage, built offline by the deploy tooling (`make package`)."""
    from deploy.__main__ import package

    with tempfile.TemporaryDirectory() as out:
        package("dev", Path(out), lint=False)
        zipped = Path(out) / "package" / "deployment.zip"
        return {"zip_bytes": zipped.stat().st_size, "zip_mb": round(zipped.stat().st_size / 2**20, 1)}


def run(runs: int, with_package: bool) -> dict[str, Any]:
    env = lambda_environment()
    for imports in (APP, REFERENCE, FIRST_REQUEST):  # warm byte-code caches
        _time_import(imports, env)
    app_times, reference_times, first_times = [], [], []
    for _ in range(runs):
        app_times.append(_time_import(APP, env))
        reference_times.append(_time_import(REFERENCE, env))
        first_times.append(_time_import(FIRST_REQUEST, env))
    app_median, reference_median = statistics.median(app_times), statistics.median(reference_times)
    first_median = statistics.median(first_times)
    result: dict[str, Any] = {
        "runs": runs,
        "import_app_ms": round(app_median * 1000, 1),
        "import_chalice_boto3_ms": round(reference_median * 1000, 1),
        "ratio": round(app_median / reference_median, 2),
        "first_ticket_request_imports_ms": round(first_median * 1000, 1),
        "first_ticket_request_ratio": round(first_median / reference_median, 2),
        "heaviest_extra_imports": import_costs(env),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if with_package:
        result.update(package_size())
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--package", action="store_true", help="also build the dev package and size its zip")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.runs, args.package)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
