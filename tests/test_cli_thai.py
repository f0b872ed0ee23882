"""Thai on the command line (the coordinator's month, item 6): click's own messages in Thai with the
English beside whatever the locale, LANG=C included; help texts Thai first; the shipped catalogue is
its .po compiled and covers every message of the installed click."""
from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from progress_xl import locale as thai
from progress_xl.cli import main

PO = thai.HERE / "th" / "LC_MESSAGES" / "click.po"
MO = thai.HERE / "th" / "LC_MESSAGES" / "click.mo"
#: words click only puts inside another message's English half (`{name} {filename!r} does not exist.`
#: with name = "file") or uses as a metavar or a repr: a Thai word there would sit in the English.
ENGLISH_ONLY = {"file", "directory", "path", "d", "Choice({choices})"}
THAI = re.compile(r"[\u0e00-\u0e7f]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)s")


def click_messages() -> set:
    """Every message id of the installed click (singular, or (singular, plural))."""
    found = extract_from_dir(os.path.dirname(click.__file__), method_map=[("**.py", "python")],
                             keywords={"_": None, "ngettext": (1, 2)})
    return {msg for _, _, msg, _, _ in found}


def shipped() -> dict:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_click_message_has_its_thai():
    have = {m if isinstance(m, str) else m[0] for m in shipped()}
    wanted = {m if isinstance(m, str) else m[0] for m in click_messages()}
    assert wanted - ENGLISH_ONLY <= have, sorted(wanted - ENGLISH_ONLY - have)
    assert not have & ENGLISH_ONLY


def test_each_translation_is_thai_then_the_english_with_its_placeholders():
    for msgid, msgstr in shipped().items():
        pairs = zip(msgid, msgstr) if isinstance(msgid, tuple) else [(msgid, msgstr)]
        for english, text in pairs:
            th, sep, en = text.partition(" / ")
            assert sep and en == english, (english, text)            # the English beside, as click writes it
            assert THAI.search(th), text
            # the Thai half uses only placeholders the message has: formatting never raises
            assert set(PLACEHOLDER.findall(th)) <= set(PLACEHOLDER.findall(english)), text


def test_the_shipped_mo_is_the_po_compiled():
    """The .mo the program reads holds exactly the .po's messages (compared as gettext reads them, not
    as bytes: the compiler's own header differs between its versions)."""
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    expected = {}
    for msgid, msgstr in shipped().items():
        if isinstance(msgid, tuple):
            expected.update({(msgid[0], n): text for n, text in enumerate(msgstr)})
        else:
            expected[msgid] = msgstr
    assert {k: v for k, v in compiled.items() if k != ""} == expected, "run: .venv/bin/python -m progress_xl.locale"


def test_plural_messages_keep_the_english_plural():
    catalogue = thai.catalogue()
    one = catalogue.ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1)
    two = catalogue.ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 2)
    assert one.endswith("/ Option {name!r} requires an argument.") and two.endswith("requires {nargs} arguments.")


def run(args, lang: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(LANG=lang, LC_ALL=lang, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "progress_xl.cli", *args], capture_output=True, env=env,
                          cwd=Path(__file__).parent, timeout=120)


@pytest.mark.parametrize("lang", ["C", "en_US.UTF-8", "th_TH.UTF-8"])
def test_a_usage_error_in_thai_with_english_whatever_the_locale(lang):
    res = run(["consolidate", "--fy", "2026"], lang)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 2, err
    t = thai.catalogue().gettext
    inner = t("{value} is not in the range {range}.").format(value=2026, range="2500<=x<=2700")
    line = t("Error: {message}").format(message=t("Invalid value for {param_hint}: {message}").format(
        param_hint="'--fy'", message=inner))
    assert line in err.splitlines(), err
    assert line.startswith("ข้อผิดพลาด / Error: ค่าของ '--fy' ไม่ถูกต้อง / Invalid value for '--fy': ")
    assert t("Usage:") in err and "Traceback" not in err


@pytest.mark.parametrize("lang", ["C", "en_US.UTF-8"])
def test_help_in_thai_whatever_the_locale(lang):
    res = run(["--help"], lang)
    out = res.stdout.decode("utf-8")
    assert res.returncode == 0
    t = thai.catalogue().gettext
    for text in ("Usage:", "Options", "Commands", "Show this message and exit."):
        assert t(text) in out, text
    assert "ทั้งเดือนในคำสั่งเดียว / the whole month in one command" in out
    res = run(["month", "--help"], lang)
    assert "MONTH เขียนได้เช่น มี.ค. 2564" in res.stdout.decode("utf-8")


def test_missing_option_and_no_such_command(runner):
    t = thai.catalogue().gettext
    res = runner.invoke(main, ["outbox", "--fy", "2564"])
    assert res.exit_code == 2
    assert f"{t('Missing option')} '--register'" in res.stderr
    res = runner.invoke(main, ["mnth"])
    assert res.exit_code == 2 and t("No such command {name!r}.").format(name="mnth") in res.stderr


def test_every_command_and_option_helps_thai_first():
    """Help texts: Thai first, English beside, for every command and every option that has a help."""
    for name, command in main.commands.items():
        first = (command.short_help or command.help or "").strip()
        assert THAI.match(first), (name, first[:60])
        assert re.search(r"[A-Za-z]{3,}", command.help or ""), name
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                th, sep, en = text.partition(" / ")
                assert sep and THAI.search(th) and re.search(r"[A-Za-z]{3,}", en), (name, param.name)
