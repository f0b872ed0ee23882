"""click's own messages in Thai with the English beside, whatever the locale (`LANG=C` included).

click translates through the standard library: each of its modules does `from gettext import
gettext as _` (and `ngettext`), which looks a message up in the process's default domain for the
languages of LANGUAGE/LC_ALL/LC_MESSAGES/LANG, and stops at `C`. A bilingual message is not a
language choice, so neither `gettext.install` (it binds the builtins' `_`, which click does not call)
nor `textdomain`/`bindtextdomain` (still chosen by the locale) would do. `install()` points the `_`
and `ngettext` names of click's modules at our catalogue instead: nothing else in the process, its
environment or its child processes (LibreOffice) changes. The catalogue is
`th/LC_MESSAGES/click.po`, compiled to `click.mo` by `python -m progress_xl.locale` (babel, a test
dependency); a test checks that the `.mo` is the `.po` compiled and covers every message of the
installed click.
"""
from __future__ import annotations

import gettext
import importlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOMAIN = "click"
#: click's modules that translate (those that exist in this click version and on this platform)
CLICK_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.decorators",
                 "click.formatting", "click.termui", "click.utils", "click.shell_completion", "click._termui_impl",
                 "click.testing")


def catalogue() -> gettext.GNUTranslations:
    return gettext.translation(DOMAIN, localedir=HERE, languages=["th"])


def install() -> gettext.GNUTranslations:
    """Route click's messages through the Thai/English catalogue (idempotent)."""
    thai = catalogue()
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:         # a platform-only module (none of these today; _winconsole is left out)
            continue
        if callable(getattr(module, "_", None)):
            setattr(module, "_", thai.gettext)
        if callable(getattr(module, "ngettext", None)):
            setattr(module, "ngettext", thai.ngettext)
    return thai


def compile_catalogue(po: Path = HERE / "th" / "LC_MESSAGES" / f"{DOMAIN}.po") -> bytes:
    """The .mo bytes of the .po (babel: a test and development dependency, not needed to run)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="th")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()

