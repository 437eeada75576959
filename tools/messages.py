"""`make messages`: extract the text people read into the catalog template, update every language's
catalog from it and compile them, with Babel, as `pybabel extract / update / compile` would.

    .venv/bin/python -m tools.messages

Unlike the pybabel commands, a file is rewritten only when more than its creation date would change,
so running it twice (or on two branches) changes nothing: the catalogs (.pot, .po and the binary .mo)
differ between branches only where their text does. tests/unit/test_i18n_catalogs.py extracts with
`extract()` to check the committed template is current.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "babel.cfg"
LOCALE_DIR = ROOT / "chalicelib" / "i18n" / "locales"
TEMPLATE = LOCALE_DIR / "messages.pot"
COMMENT_TAG = "Translators:"
_CREATION_DATE = re.compile(rb'^"POT-Creation-Date: [^"]*"\n', re.MULTILINE)


def extract() -> Any:
    """A catalog template of every message babel.cfg's sources mark (a babel Catalog)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with CONFIG.open() as config:
        method_map, options_map = parse_mapping_cfg(config, str(CONFIG))
    template = Catalog(project="servicedesk", copyright_holder="the servicedesk team")
    found = extract_from_dir(str(ROOT), method_map, options_map, comment_tags=(COMMENT_TAG,), strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _serialised(catalog: Any) -> bytes:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=True, ignore_obsolete=True, include_lineno=False)
    return buffer.getvalue()


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Write unless the file already says the same (creation dates aside); True when written."""
    if path.exists() and _CREATION_DATE.sub(b"", path.read_bytes()) == _CREATION_DATE.sub(b"", content):
        return False
    path.write_bytes(content)
    return True


def _read_po(path: Path) -> Any:
    from babel.messages.pofile import read_po

    with path.open("rb") as file:
        return read_po(file)


def update(template: Any) -> list[str]:
    """Bring every language's .po to the template (new messages empty, changed ones fuzzy), compile
    it, and say how complete each is."""
    from babel.messages.mofile import write_mo

    report = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        catalog = _read_po(po_path)
        catalog.update(template, update_header_comment=False)
        _write_if_changed(po_path, _serialised(catalog))
        catalog = _read_po(po_path)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        _write_if_changed(po_path.with_suffix(".mo"), compiled.getvalue())
        messages = [m for m in catalog if m.id]
        done = sum(1 for m in messages if not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string]))
        problems = [f"  {m.id!r}: {'; '.join(map(str, errors))}" for m, errors in catalog.check()]
        report.append(f"{po_path.parents[1].name}: {done} of {len(messages)} messages translated")
        report.extend(problems)
    return report


def main() -> int:
    template = extract()
    _write_if_changed(TEMPLATE, _serialised(template))
    print(f"{TEMPLATE.relative_to(ROOT)}: {sum(1 for m in template if m.id)} messages")
    for line in update(template):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
