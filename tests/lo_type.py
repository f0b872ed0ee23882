"""Type into a workbook in real LibreOffice, as a person does, and save it as xlsx.

Runs under Debian's /usr/bin/python3 (python3-uno lives there, not in the venv), so tests call it
as a subprocess:

    /usr/bin/python3 tests/lo_type.py --locale th-TH IN.xlsx OUT.xlsx "Sheet!C10=22/10/2563" ...

Each cell is selected through the controller and `.uno:EnterString` is dispatched: exactly what
typing into the input line and pressing Enter does, so the locale's number and date recognition
and the sheet protection act (`XCell.setFormula` would bypass both). The locale is written into a
fresh profile before soffice starts (changed later, LibreOffice ignores it for Thai digits).
Prints a JSON report {"typed": [...], "refused": [...]}; exit 3 when a cell refused its input.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from progress_xl.office import make_profile, soffice  # noqa: E402  (stdlib only: safe here)


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str, proc, timeout: float = 60):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"soffice did not start (exit {proc.poll()})")
            time.sleep(0.1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--locale", default="th-TH")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("cells", nargs="*", help="SHEET!CELL=TEXT")
    args = ap.parse_args()
    report = {"typed": [], "refused": []}
    with tempfile.TemporaryDirectory(prefix="px-type-") as tmp:
        profile = make_profile(Path(tmp) / "profile", args.locale)
        pipe = f"px{uuid.uuid4().hex}"
        proc = subprocess.Popen([soffice(), "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                                 "--nolockcheck", f"-env:UserInstallation={profile.resolve().as_uri()}",
                                 f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ctx = connect(pipe, proc)
            smgr = ctx.ServiceManager
            desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            doc = desktop.loadComponentFromURL(Path(args.src).resolve().as_uri(), "_blank", 0, (
                prop("Hidden", True), prop("MacroExecutionMode", 0), prop("UpdateDocMode", 0)))
            controller = doc.getCurrentController()
            frame = controller.getFrame()
            dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
            for item in args.cells:
                ref, text = item.split("=", 1)
                sheet_name, cell = ref.rsplit("!", 1)
                sheet = doc.Sheets.getByName(sheet_name.strip("'"))
                controller.setActiveSheet(sheet)
                target = sheet.getCellRangeByName(cell)
                before = target.getFormula()
                controller.select(target)
                dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (prop("StringName", text),))
                after = target.getFormula()
                refused = sheet.isProtected() and target.CellProtection.IsLocked and after == before
                report["refused" if refused else "typed"].append({"cell": ref, "text": text, "stored": after})
            doc.calculateAll()
            doc.storeToURL(Path(args.dst).resolve().as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
            try:
                desktop.terminate()
            except Exception:  # the bridge drops as soffice exits
                pass
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(json.dumps(report, ensure_ascii=False))
    return 3 if report["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
