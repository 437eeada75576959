"""The committed catalogs are complete and current: what the code and templates mark is exactly the
catalog template, every other language translates every message (plural forms included), and the
compiled catalogs the Lambda reads say what their .po files say. A failure names the messages and
says to run `make messages`."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from chalicelib import i18n
from tools import messages

TEMPLATE = i18n.LOCALE_DIR / "messages.pot"
CATALOGS = sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))

Key = tuple[str, str | None]  # (msgid, msgctxt)


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def keys(messages: list[Message]) -> set[Key]:
    return {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context) for m in messages if m.id}


def language(path: Path) -> str:
    return path.parents[1].name


def test_the_committed_catalog_template_holds_exactly_the_text_the_code_and_templates_mark() -> None:
    committed = keys(list(read(TEMPLATE)))
    marked = keys(list(messages.extract()))  # what `make messages` extracts now, with babel.cfg
    missing, stale = sorted(marked - committed, key=str), sorted(committed - marked, key=str)
    assert not missing, f"marked but not in messages.pot (run `make messages`): {missing}"
    assert not stale, f"in messages.pot but no longer marked anywhere (run `make messages`): {stale}"
    assert len(committed) > 50  # the pages, e-mail and chat texts are all there


def test_english_is_the_source_and_every_other_language_is_a_catalog_present() -> None:
    assert i18n.SOURCE_LOCALE == "en"
    assert not (i18n.LOCALE_DIR / "en").exists()  # the source language needs no catalog
    assert [language(path) for path in CATALOGS] == list(i18n.supported_locales()[1:])
    assert "ru" in i18n.supported_locales()


@pytest.mark.parametrize("path", CATALOGS, ids=language)
def test_every_language_translates_every_message_of_the_template(path: Path) -> None:
    catalog = read(path)
    assert keys(list(catalog)) == keys(list(read(TEMPLATE))), f"{path} is behind messages.pot: run `make messages`"
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(form and form.strip() for form in forms):
            untranslated.append(message.id)
    assert not untranslated, f"{language(path)}: untranslated or fuzzy messages: {untranslated}"


@pytest.mark.parametrize("path", CATALOGS, ids=language)
def test_every_language_has_its_plural_forms_and_keeps_each_messages_placeholders(path: Path) -> None:
    catalog = read(path)
    expected = get_plural(language(path))
    assert catalog.num_plurals == expected.num_plurals and catalog.plural_expr == expected.plural_expr
    for message in catalog:
        if message.pluralizable and message.id:
            assert len(message.string) == catalog.num_plurals, message.id
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert not problems, f"{language(path)}: {problems}"


@pytest.mark.parametrize("path", CATALOGS, ids=language)
def test_the_compiled_catalog_says_what_its_po_file_says(path: Path) -> None:
    compiled_path = path.with_suffix(".mo")
    assert compiled_path.exists(), f"{compiled_path} is missing: run `make messages`"
    with compiled_path.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    catalog = read(path)
    plural_form = gettext.c2py(catalog.plural_expr)
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            for n in (1, 2, 5, 21):
                form = plural_form(n)
                if message.context:
                    got = compiled.npgettext(message.context, singular, plural, n)
                else:
                    got = compiled.ngettext(singular, plural, n)
                assert got == message.string[form], f"{compiled_path} is stale for {message.id!r}: run `make messages`"
        else:
            got = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            assert got == message.string, f"{compiled_path} is stale for {message.id!r}: run `make messages`"
    assert compiled.info()["plural-forms"] == catalog.plural_forms
    assert compiled.info()["language"] == language(path)
