"""The English catalogue: complete, compiled, and holding every string the templates use."""

from __future__ import annotations

import re
from pathlib import Path

import polib

import schildwacht

SRC = Path(schildwacht.__file__).parent
PO = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATE_STRING = re.compile(r"""{%\s*(?:translate|trans)\s+"([^"]+)"[^%]*%}""")


def test_every_string_is_translated() -> None:
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert untranslated == []


def test_compiled_catalogue_matches_source() -> None:
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO)) if e.translated()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(MO)) if e.msgid}
    assert compiled == source, "run `make messages` to compile the catalogue"


def test_template_strings_are_in_the_catalogue() -> None:
    msgids = {e.msgid for e in polib.pofile(str(PO))}
    missing = {
        f"{path.relative_to(SRC)}: {text}"
        for path in SRC.rglob("templates/**/*.html")
        for text in TEMPLATE_STRING.findall(path.read_text(encoding="utf-8"))
        if text not in msgids
    }
    assert not missing, sorted(missing)
