"""axe-core (vendored from npm as tests/support/axe.min.js, MPL-2.0, with its version in the file's first
line) run inside a page by Playwright, and screenshots kept as test artefacts (build/test-artefacts/,
which CI keeps). The script is evaluated through the DevTools protocol, which the page's CSP does not
govern, so the page keeps its real policy while it is checked."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).with_name("axe.min.js")
ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artefacts"
WIDTHS = (1280, 390)
BLOCKING = ("serious", "critical")


@functools.cache
def axe_source() -> str:
    return AXE.read_text()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations of impact serious or critical on the page as it is now (WCAG 2.x A and AA rules
    and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"][:3]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} at {targets}")
    return "\n".join(lines)


def check_page(page: Page, name: str, folder: str = "staff") -> None:
    """At 1280 and 390 px: no serious or critical axe violation, no sideways scrolling, a screenshot kept."""
    original = page.viewport_size
    target = ARTEFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            violations = axe_violations(page)
            assert not violations, f"{name} at {width} px:\n{describe(violations)}"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} at {width} px scrolls sideways by {overflow} px"
            page.screenshot(path=str(target / f"{name}-{width}.png"), full_page=True)
    finally:
        if original:
            page.set_viewport_size(original)
