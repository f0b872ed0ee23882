"""The demo is the whole monthly cycle through e-mail, in a workspace, a month per `progress-xl month`:
what `make demo` runs (issues 6 and 7; the coordinator's month)."""
from __future__ import annotations

import email
import email.policy
import json

from helpers import told

from progress_xl.cli import main
from progress_xl.fiscal import month_label
from progress_xl.issues import render
from progress_xl.ledger import Ledger


def test_demo_cycle_through_mail(tmp_path, runner, projects):
    out = tmp_path / "demo"
    res = runner.invoke(main, ["demo", "--out", str(out), "--months", "2"])
    assert res.exit_code == 0, res.output
    master = out / "months" / "2563-11" / "master_2564_02.xlsx"
    assert f"master workbook: {master.resolve()}" in res.output and master.is_file()
    assert (out / "progress_xl.toml").is_file()             # a workspace, as `progress-xl init` makes it

    kickoff = sorted((out / "outbox" / "kickoff").glob("*.eml"))
    assert len(kickoff) == len({p.agency_code for p in projects})
    lines = res.stdout.splitlines()                         # the narrative: a numbered line per step
    made = told("W038", workbooks=len(list((out / "workbooks").rglob("*.xlsx"))), agencies=len(kickoff))
    assert made.fullmatch(lines[1].removeprefix("1. ").removesuffix(f": {(out / 'outbox' / 'kickoff').resolve()}"))
    assert lines[4] == f"3. {' / '.join(render('W040'))} (cd {out} && progress-xl month '{month_label(2564, 2)}'):"
    assert told("W041", ledger=out / "ledger.sqlite").fullmatch(lines[-2].removeprefix("   "))
    assert not any("{" in line for line in lines)

    for month, period in ((1, "2563-10"), (2, "2563-11")):
        mail = sorted((out / "months" / period / "mail").glob("*.eml"))
        inbox = out / "months" / period / "inbox"
        provenance = json.loads((inbox / ".provenance.json").read_text(encoding="utf-8"))
        ids = {email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Message-ID"] for p in mail}
        # every message's workbooks reached the inbox, and every file there says which message brought it
        assert {meta["message_id"] for meta in provenance.values()} == ids
        ran = told("W039", mails=len(mail), new=len(provenance))
        assert ran.fullmatch(lines[1 + month].removeprefix(f"2.{month} $ progress-xl month {month_label(2564, month)}: "))
        assert sorted(provenance) == sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))
        with Ledger(out / "ledger.sqlite") as ledger:
            stored = ledger.submissions(2564, month)
        assert {s.name for s in stored} == set(provenance)
        assert all(s.message_id and s.sender and s.received_at for s in stored)
        # each month's letters in its own folder, named with its month: the next month overwrites nothing
        reminders = list((out / "months" / period / "outbox" / "reminder").glob(f"reminder_{period}_*.eml"))
        returned = list((out / "months" / period / "outbox" / "returned").glob(f"returned_{period}_*.eml"))
        assert reminders and returned
