"""Type into a workbook in real LibreOffice, as a person does, and save it as xlsx.

Runs under Debian's /usr/bin/python3 (python3-uno lives there, not in the venv), so tests call it
as a subprocess:

    /usr/bin/python3 tests/lo_type.py --locale th-TH IN.xlsx OUT.xlsx "Sheet!C10=22/10/2563" ...

Each text is given to the cell as its local input (the `FormulaLocal` property): the locale's number
and date recognition and the cell's number format act as on the input line (it reproduces the typed
matrix of shared/LIBREOFFICE.md in th-TH and en-US), and a locked cell of a protected sheet refuses it
(`XCell.setFormula` would parse in English and ignore the protection). `--dispatch` types through the
input line itself (the cell selected, `.uno:EnterString` dispatched). The locale is written into a
fresh profile before soffice starts (changed later, LibreOffice ignores it for Thai digits).

Headless LibreOffice 7.4 here aborts (SIGABRT from a timer) about 0.36 s after the first entry typed
through the input line into a hidden document, unless the document is closed first (setting
`FormulaLocal` starts no such timer). So with `--dispatch` soffice types for a short while from the
first entry, saves and closes the document at once, and opens the saved file to go on; on a busy machine
saving alone can take longer than that. Either way, a soffice that dies before the file is saved is
replaced (its whole process group killed) and the same cells entered again (typed for half the time). Every soffice runs in its own process group, killed whole when its batch ends, so no
soffice.bin is left behind.
Prints a JSON report {"typed": [...], "refused": [...], "restarts": N}; exit 3 when a cell refused its
input, 2 when LibreOffice kept dying.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno
import unohelper
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.task import XInteractionHandler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from progress_xl.office import make_profile, soffice  # noqa: E402  (stdlib only: safe here)

BUDGET = 0.1         # seconds of typing for one document, from its first entry (it aborts at about 0.36 s;
                     # saving our workbook takes 0.2 s)
MAX_FAILURES = 30     # soffice deaths tolerated for one workbook (a loaded machine slows the save)


class Died(Exception):
    """soffice died (or its bridge dropped) before the batch was saved."""


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def start(profile: Path) -> tuple[subprocess.Popen, str]:
    pipe = f"px{uuid.uuid4().hex}"
    proc = subprocess.Popen([soffice(), "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                             "--nolockcheck", f"-env:UserInstallation={profile.resolve().as_uri()}",
                             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return proc, pipe


def kill(proc: subprocess.Popen) -> None:
    """The whole process group: soffice's launcher and soffice.bin."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def connect(pipe: str, proc, timeout: float = 60):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise Died(f"soffice did not start (exit {proc.poll()})")
            time.sleep(0.05)


def enter_local(doc, cells: list[tuple[str, str]]) -> list[tuple[str, dict]]:
    """Each text as the cell's local input (`FormulaLocal`): the locale's number and date recognition and
    the cell's format act as on the input line (the measured matrix of shared/LIBREOFFICE.md: under
    th-TH `22/10/2563` is the date 2563-10-22 CE, `๑๒๒,๘๐๐` is 122800; under en-US both stay text; a
    text cell keeps any text), and a locked cell of a protected sheet refuses it."""
    done = []
    for ref, text in cells:
        name, cell = ref.rsplit("!", 1)
        sheet = doc.Sheets.getByName(name.strip("'"))
        target = sheet.getCellRangeByName(cell)
        before = target.getFormula()
        if not (sheet.isProtected() and target.CellProtection.IsLocked):
            target.setPropertyValue("FormulaLocal", text)
        after = target.getFormula()
        refused = sheet.isProtected() and target.CellProtection.IsLocked and after == before
        done.append(("refused" if refused else "typed", {"cell": ref, "text": text, "stored": after}))
    return done


def type_cells(ctx, doc, cells: list[tuple[str, str]], budget: float) -> list[tuple[str, dict]]:
    """Type cells until `budget` seconds have passed since the first entry (at least one cell)."""
    controller = doc.getCurrentController()
    frame = controller.getFrame()
    dispatcher = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    sheets = {}
    for ref, _ in cells:                     # everything looked up before the first entry
        name = ref.rsplit("!", 1)[0].strip("'")
        sheets.setdefault(name, doc.Sheets.getByName(name))
    done, first = [], None
    for ref, text in cells:
        if first is not None and time.monotonic() - first > budget:
            break
        name, cell = ref.rsplit("!", 1)
        sheet = sheets[name.strip("'")]
        target = sheet.getCellRangeByName(cell)
        before = target.getFormula()
        if controller.getActiveSheet().Name != sheet.Name:
            controller.setActiveSheet(sheet)
        controller.select(target)
        dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (prop("StringName", text),))
        first = first or time.monotonic()
        after = target.getFormula()
        refused = sheet.isProtected() and target.CellProtection.IsLocked and after == before
        done.append(("refused" if refused else "typed", {"cell": ref, "text": text, "stored": after}))
    return done


class Quiet(unohelper.Base, XInteractionHandler):
    """Answers nothing: without an interaction handler of its own, a hidden load of our workbooks
    sometimes comes back empty."""

    def handle(self, request):
        pass


class Office:
    """One soffice (restarted when it dies) that opens, types into, saves and closes documents."""

    def __init__(self, profile: Path):
        self.profile, self.proc, self.desktop, self.ctx = profile, None, None, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        if self.proc is not None:
            kill(self.proc)
        self.proc = self.desktop = self.ctx = None

    def ready(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self.proc, pipe = start(self.profile)
            self.ctx = connect(pipe, self.proc)
            self.desktop = self.ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)

    def batch(self, src: Path, dst: Path, cells: list[tuple[str, str]], budget: float | None) -> list[tuple[str, dict]]:
        """Open `src`, type what fits in `budget`, save to `dst` and close at once (before the abort's
        timer fires: a closed document takes it with it); raises Died."""
        try:
            self.ready()
            doc = self.desktop.loadComponentFromURL(src.resolve().as_uri(), "_blank", 0, (
                prop("Hidden", True), prop("MacroExecutionMode", 0), prop("UpdateDocMode", 0),
                prop("InteractionHandler", Quiet())))
            if doc is None:
                raise Died("the document did not open")
            if budget is None:
                done = enter_local(doc, cells)
                doc.calculateAll()
            else:
                done = type_cells(self.ctx, doc, cells, budget) if cells else []
            doc.storeToURL(dst.resolve().as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
            return done
        except Died:
            self.stop()
            raise
        except Exception as exc:  # noqa: BLE001 - the bridge drops in many ways when soffice aborts
            self.stop()
            if type(exc).__module__.startswith(("uno", "com.sun.star")) or "URP" in str(exc) or "bridge" in str(exc):
                raise Died(str(exc)) from None
            raise


def run(src: Path, dst: Path, cells: list[tuple[str, str]], locale: str, budget: float | None) -> dict:
    report = {"typed": [], "refused": [], "restarts": 0, "documents": 0}
    with tempfile.TemporaryDirectory(prefix="px-type-") as tmp:
        current, pending, wait = Path(tmp) / "step0.xlsx", list(cells), budget
        shutil.copyfile(src, current)
        with Office(make_profile(Path(tmp) / "profile", locale)) as office:
            while True:
                saved = Path(tmp) / f"step{report['documents'] + 1}.xlsx"
                try:
                    done = office.batch(current, saved, pending, wait)
                except Died as exc:
                    print(f"soffice died ({exc}); {len(pending)} cells to go, {wait:.3f} s", file=sys.stderr)
                    report["restarts"] += 1
                    if report["restarts"] > MAX_FAILURES:
                        report["error"] = "LibreOffice kept dying"
                        return report
                    wait = None if wait is None else wait / 2      # the same cells again, for less time
                    continue
                wait = budget
                report["documents"] += 1
                for kind, entry in done:
                    report[kind].append(entry)
                current, pending = saved, pending[len(done):]
                if not pending:
                    break
        shutil.copyfile(current, dst)
    return report


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--locale", default="th-TH")
    ap.add_argument("--dispatch", action="store_true",
                    help="type through the input line (.uno:EnterString), a short while per document")
    ap.add_argument("--budget", type=float, default=BUDGET, help="seconds of typing for one document")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("cells", nargs="*", help="SHEET!CELL=TEXT")
    ap.add_argument("--cells-json", help="a JSON file: [[\"SHEET!CELL\", \"TEXT\"], ...] (long texts)")
    args = ap.parse_args()
    cells = [tuple(item.split("=", 1)) for item in args.cells]
    if args.cells_json:
        cells += [tuple(x) for x in json.loads(Path(args.cells_json).read_text(encoding="utf-8"))]
    report = run(Path(args.src), Path(args.dst), cells, args.locale, args.budget if args.dispatch else None)
    print(json.dumps(report, ensure_ascii=False))
    if "error" in report:
        return 2
    return 3 if report["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
