"""The demo is the whole monthly cycle through e-mail: what `make demo` runs (issues 6 and 7)."""
from __future__ import annotations

import email
import email.policy
import json

from progress_xl.cli import main
from progress_xl.ledger import Ledger


def test_demo_cycle_through_mail(tmp_path, runner, projects):
    out = tmp_path / "demo"
    res = runner.invoke(main, ["demo", "--out", str(out), "--months", "2"])
    assert res.exit_code == 0, res.output
    master = out / "months" / "02" / "master_2564_02.xlsx"
    assert f"master workbook: {master.resolve()}" in res.output and master.is_file()

    kickoff = sorted((out / "outbox" / "00" / "kickoff").glob("*.eml"))
    assert len(kickoff) == len({p.agency_code for p in projects})

    for month in (1, 2):
        mail = sorted((out / "mail" / f"2564-{month:02d}").glob("*.eml"))
        inbox = out / "inbox" / f"2564-{month:02d}"
        provenance = json.loads((inbox / ".provenance.json").read_text(encoding="utf-8"))
        ids = {email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Message-ID"] for p in mail}
        # every message's workbooks reached the inbox, and every file there says which message brought it
        assert {meta["message_id"] for meta in provenance.values()} == ids
        assert sorted(provenance) == sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))
        with Ledger(out / "ledger.sqlite") as ledger:
            stored = ledger.submissions(2564, month)
        assert {s.name for s in stored} == set(provenance)
        assert all(s.message_id and s.sender and s.received_at for s in stored)
        reminders = list((out / "outbox" / f"{month:02d}" / "reminder").glob("*.eml"))
        returned = list((out / "outbox" / f"{month:02d}" / "returned").glob("*.eml"))
        assert reminders and returned
