"""`python -m chalicelib.http.generate` (`make routes`): rewrite chalicelib/http/table.py from the routes'
declarations. The test suite fails while the committed table differs from what this would write."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from chalicelib.http.route import ENDPOINTS, Endpoint

VIEW_PACKAGES = ("chalicelib.api", "chalicelib.web")
TABLE = Path(__file__).with_name("table.py")
_START, _END = "ROUTES: tuple[RouteSpec, ...] = (\n", ")\n# fmt: on\n"


def import_views() -> list[Endpoint]:
    """Import every view module; returns every declared endpoint, in a stable order."""
    for package_name in VIEW_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__, f"{package_name}."):
            importlib.import_module(module.name)
    return sorted(ENDPOINTS.values(), key=lambda e: (e.path, e.method))


def table_text() -> str:
    current = TABLE.read_text()
    head, _, rest = current.partition(_START)
    _, _, tail = rest.partition(_END)
    lines = [
        f"    RouteSpec({e.method!r}, {e.path!r}, {e.module!r}, {tuple(e.content_types)!r}),\n".replace("'", '"')
        for e in import_views()
    ]
    return head + _START + "".join(lines) + _END + tail


def main() -> int:
    text = table_text()
    if TABLE.read_text() != text:
        TABLE.write_text(text)
        print(f"wrote {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
