"""The English and Chinese catalogs are complete, compiled and in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def extracted() -> set[str]:
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords):
        if message:
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_catalog_is_complete_and_placeholders_match(lang):
    entries = [m for m in catalog(lang) if m.id]
    assert entries
    for message in entries:
        assert message.string, f"{lang}: no translation for {message.id!r}"
        assert "fuzzy" not in message.flags, message.id
        assert set(PLACEHOLDER.findall(message.id)) == set(
            PLACEHOLDER.findall(message.string)), message.id


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_compiled_catalog_matches_the_po_file(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    source = {m.id: m.string for m in catalog(lang) if m.id}
    assert compiled == source, "run: pybabel compile -d web/translations"


def test_every_string_in_the_code_is_in_the_catalog():
    missing = extracted() - {m.id for m in catalog("en") if m.id}
    assert not missing, f"run the commands in babel.cfg; missing: {sorted(missing)}"
