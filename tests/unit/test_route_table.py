"""The light route table app.py registers at cold start, and what a cold `import app` may load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import tests.conftest  # noqa: F401
from chalicelib.http import generate
from chalicelib.http.table import ROUTES

PROJECT = Path(__file__).resolve().parents[2]
HEAVY = ("pydantic", "jinja2", "pynamodb", "boto3", "botocore", "babel", "requests", "itsdangerous")
LIGHT_CHALICELIB = {
    "chalicelib",
    "chalicelib.http",
    "chalicelib.http.dispatch",
    "chalicelib.http.responses",
    "chalicelib.http.table",
    "chalicelib.observability",
    "chalicelib.settings",
}


def test_the_committed_route_table_is_what_the_declarations_generate() -> None:
    assert generate.TABLE.read_text() == generate.table_text(), "run `make routes` and commit chalicelib/http/table.py"


def test_every_route_of_the_table_has_its_declaration_in_the_module_it_names() -> None:
    declared = {(e.method, e.path): e for e in generate.import_views()}
    for spec in ROUTES:
        endpoint = declared[(spec.method, spec.path)]
        assert endpoint.module == spec.module and endpoint.content_types == spec.content_types


def test_a_cold_import_of_the_app_loads_no_capability_module_schema_template_or_model() -> None:
    script = "import sys, json; seen = set(sys.modules); import app; print(json.dumps(sorted(set(sys.modules) - seen)))"
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded = json.loads(output)
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    ours = {m for m in loaded if m.split(".")[0] == "chalicelib"}
    assert heavy == [], f"a cold import of app.py loads {heavy}"
    assert ours <= LIGHT_CHALICELIB, f"a cold import of app.py loads {sorted(ours - LIGHT_CHALICELIB)}"


def test_the_app_registers_every_route_of_the_table_with_chalice() -> None:
    import app

    registered = {(method, path) for path, methods in app.app.routes.items() for method in methods}
    assert registered == {(spec.method, spec.path) for spec in ROUTES}


def handler_imports() -> dict[str, set[str]]:
    """What each function app.py declares imports in its body (stream, schedule, S3 and SNS handlers)."""
    import ast

    tree = ast.parse((PROJECT / "app.py").read_text())
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = {
                inner.module for inner in ast.walk(node) if isinstance(inner, ast.ImportFrom) and inner.module
            }
    return found


def test_every_function_of_the_app_imports_its_code_in_its_body_and_a_cold_import_loads_none_of_it() -> None:
    import app

    handlers = handler_imports()
    assert set(handlers) <= set(app.app.handler_map) and len(handlers) >= 9
    assert all(handlers.values()), "every stream, schedule, S3 and SNS handler imports its code inside its body"
    script = "import sys, json; import app; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded = set(json.loads(output))
    early = {name: sorted(modules & loaded) for name, modules in handlers.items() if modules & loaded}
    assert early == {}, f"a cold import of app.py already loads these handlers' code: {early}"
