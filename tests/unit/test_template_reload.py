"""Templates are read once per process when deployed (a package never changes), and re-read when edited
under the local stack, which sets TEMPLATES_RELOAD."""

from __future__ import annotations

import pytest

from chalicelib import pages


@pytest.mark.parametrize(("setting", "reloads"), [(None, False), ("1", True)])
def test_templates_are_checked_for_edits_only_under_the_local_stack(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, reloads: bool
) -> None:
    if setting is None:
        monkeypatch.delenv("TEMPLATES_RELOAD", raising=False)
    else:
        monkeypatch.setenv("TEMPLATES_RELOAD", setting)
    pages.environment.cache_clear()
    try:
        assert pages.environment("en").auto_reload is reloads
    finally:
        pages.environment.cache_clear()


def test_the_local_stack_sets_it() -> None:
    from devstack.environment import local_environment

    assert local_environment("http://moto", "http://api")["TEMPLATES_RELOAD"] == "1"
