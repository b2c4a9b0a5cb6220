"""The message catalogues: every text people read, collected from the sources (`_()`, `N_()`,
`ngettext()`, `pgettext()` in sim/, ui/ and app.py) and from the registry of names that cross
layers (labels translated where they are shown), merged into sim/locale/LANG/LC_MESSAGES/sim.po
and compiled to sim.mo.

    python -m sim.messages          # `make messages`: update the .po files, compile the .mo files
    python -m sim.messages --check  # exit 1 if a text has no translation or a .mo is stale
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from .i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("sim", "ui", "app.py")
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
PROJECT = "outage-drill-sim"


def registry_labels() -> list[str]:
    """Labels defined as data (KPIs, unit kinds, readiness levels), translated where shown."""
    from . import labels

    return list(dict.fromkeys(labels.registry_msgids()))


def template():
    """A catalogue of every message in the sources and the registry (English, untranslated)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file

    catalog = Catalog(project=PROJECT, domain=DOMAIN, charset="utf-8")
    found = []
    for source in SOURCES:
        path = ROOT / source
        if path.is_dir():
            for filename, lineno, message, comments, context in extract_from_dir(
                path, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            ):
                found.append((f"{source}/{filename}", lineno, message, comments, context))
        else:
            for lineno, message, comments, context in extract_from_file(
                "python", path, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            ):
                found.append((source, lineno, message, comments, context))
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for label in registry_labels():
        if label not in catalog:
            catalog.add(label, None, [("sim/labels.py", 0)])
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def read_po(lang: str):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po as babel_read_po

    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project=PROJECT, domain=DOMAIN)
    with path.open("rb") as f:
        return babel_read_po(f, locale=lang, domain=DOMAIN)


FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
"""The catalogues' header dates: fixed, so that two people's updates do not conflict on them."""


def po_bytes(catalog) -> bytes:
    from babel.messages.pofile import write_po

    catalog.creation_date = FIXED_DATE
    catalog.revision_date = FIXED_DATE
    out = io.BytesIO()
    write_po(out, catalog, width=100, no_location=True, sort_output=True, omit_header=False,
             include_previous=False, ignore_obsolete=True)
    return out.getvalue()


def mo_bytes(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def missing(lang: str, tmpl=None) -> list[str]:
    """Messages of the sources with no translation (or a fuzzy one) in `lang`'s catalogue."""
    tmpl = tmpl if tmpl is not None else template()
    po = read_po(lang)
    out = []
    for m in tmpl:
        if not m.id:
            continue
        t = po.get(m.id, context=m.context)
        strings = t.string if t is not None else None
        done = t is not None and not t.fuzzy and (
            all(strings) if isinstance(strings, tuple | list) else bool(strings)
        )
        if not done:
            out.append(m.id if isinstance(m.id, str) else m.id[0])
    return out


def update() -> list[str]:
    """Merge the sources' messages into every translated language's .po and compile its .mo;
    returns what still lacks a translation."""
    tmpl = template()
    still = []
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        po = read_po(lang)
        po.update(tmpl, no_fuzzy_matching=True, update_header_comment=False)
        po.obsolete.clear()
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(po_bytes(po))
        mo_path(lang).write_bytes(mo_bytes(read_po(lang)))
        still += [f"{lang}: {m}" for m in missing(lang, tmpl)]
    return still


def stale() -> list[str]:
    """Languages whose compiled .mo does not hold what their .po says."""
    out = []
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        path = mo_path(lang)
        if not path.exists() or path.read_bytes() != mo_bytes(read_po(lang)):
            out.append(lang)
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = [f"{lang}: {m}" for lang in LANGUAGES if lang != DEFAULT for m in missing(lang)]
        problems += [f"{lang}: {mo_path(lang)} is older than its .po; run `make messages`" for lang in stale()]
        for p in problems:
            print(p)
        return 1 if problems else 0
    still = update()
    for m in still:
        print(f"no translation: {m}")
    print(f"updated {', '.join(str(po_path(lang).relative_to(ROOT)) for lang in LANGUAGES if lang != DEFAULT)}"
          f"; {len(still)} message(s) without a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
