"""Which language a reader gets (a stored locale, else the browser's Accept-Language, else English),
that a language is supported because its catalog is present, and that none of it is loaded when a
Lambda cold-starts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from chalicelib import i18n, pages
from chalicelib.i18n import catalogs, locales
from chalicelib.pages.customer_ticket import ticket_page

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stored", ["ru", "RU", "ru-RU", "ru_RU", " ru "])
def test_a_stored_locale_in_any_usual_spelling_selects_its_language(stored: str) -> None:
    assert i18n.locale_of(stored) == "ru"
    assert i18n.choose_locale(stored, "en") == "ru"


@pytest.mark.parametrize("stored", [None, "", "de", "xx-YY", "en-US"])
def test_an_unknown_or_missing_locale_falls_back_to_english(stored: str | None) -> None:
    assert i18n.locale_of(stored) == "en"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("de-DE,de;q=0.9,ru;q=0.8,en;q=0.5", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.8", "en"),
        ("en;q=0.4, ru;q=0.6", "ru"),
        ("ru;q=0, en", "en"),
        ("fr, de", "en"),
        ("*", "en"),
        ("", "en"),
        ("ru;q=abc, <script>", "ru"),
        (";;;,,,", "en"),
    ],
)
def test_without_a_stored_locale_the_accept_language_header_is_negotiated(header: str, chosen: str) -> None:
    assert i18n.choose_locale(None, header) == chosen
    assert i18n.choose_locale("de", header) == chosen  # an unsupported stored value does not count


def test_a_stored_locale_wins_over_the_browsers_header() -> None:
    assert i18n.choose_locale("en", "ru") == "en"
    assert i18n.choose_locale("ru", "en-US,en") == "ru"


def _clear_caches() -> None:
    locales.supported_locales.cache_clear()
    catalogs.translations.cache_clear()
    catalogs._translator.cache_clear()
    pages.environment.cache_clear()


@pytest.fixture
def with_lithuanian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The committed catalogs plus a Lithuanian one, compiled the way `make messages` compiles."""
    shutil.copytree(i18n.LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    catalog = Catalog(locale="lt")
    catalog.add("Send", "Siųsti")
    catalog.add(("%(num)s star", "%(num)s stars"), ("%(num)s žvaigždutė", "%(num)s žvaigždutės", "%(num)s žvaigždučių"))
    folder = tmp_path / "lt" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as compiled:
        write_mo(compiled, catalog)
    monkeypatch.setattr(locales, "LOCALE_DIR", tmp_path)
    _clear_caches()
    yield tmp_path
    monkeypatch.undo()
    _clear_caches()


def test_adding_a_language_is_adding_its_compiled_catalog(with_lithuanian: Path) -> None:
    assert i18n.supported_locales() == ("en", "lt", "ru")
    assert i18n.choose_locale(None, "lt-LT,lt;q=0.9,en;q=0.5") == "lt"
    assert i18n.locale_of("lt") == "lt"
    lt = i18n.translator("lt")
    assert [lt.ngettext("%(num)s star", "%(num)s stars", n) for n in (1, 2, 10)] == [
        "1 žvaigždutė",
        "2 žvaigždutės",
        "10 žvaigždučių",
    ]
    view = {"subject": "Spausdintuvas", "status": "open", "created_at": "2026-11-30T10:00:00Z", "messages": []}
    html = ticket_page({**view, "can_confirm": False, "can_reply": True}, "/c/x", locale="lt")
    assert '<html lang="lt">' in html and ">Siųsti</button>" in html
    assert "Write a reply" in html  # a message the catalog lacks shows in English, never as nothing


def test_importing_the_app_and_the_modules_that_render_loads_neither_babel_nor_jinja2() -> None:
    from bench.coldstart import lambda_environment

    renderers = "chalicelib.pages, chalicelib.pages.customer_ticket, chalicelib.tips.customer, chalicelib.tips.message"
    probe = f"import sys, json, app, {renderers}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=lambda_environment(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert {"chalicelib.pages", "chalicelib.i18n", "chalicelib.tips.message"} <= loaded
    assert not {name.split(".")[0] for name in loaded} & {"babel", "jinja2"}
