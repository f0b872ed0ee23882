"""Headless LibreOffice: convert (re-save, recalculate, render to PDF) in a fresh profile.

Facts from shared/LIBREOFFICE.md: LibreOffice does not recalculate xlsx on load unless the
profile says so (OOXMLRecalcMode=0); the locale that parses typed input must be in the profile
before soffice starts; each run gets its own profile so runs can go in parallel.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>en-US</value></prop></item>
</oor:items>
"""


class OfficeError(RuntimeError):
    pass


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def make_profile(directory: Path, locale: str = "en-US") -> Path:
    """A fresh LibreOffice user profile that recalculates on load and parses input as `locale`."""
    user = Path(directory) / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_XCU.format(locale=locale), encoding="utf-8")
    return Path(directory)


def convert(files: list[Path], fmt: str, outdir: Path, *, profile: Path | None = None,
            timeout: float = 600) -> list[Path]:
    """Convert `files` with one soffice process; returns the outputs in the same order."""
    exe = soffice()
    if not exe:
        raise OfficeError("LibreOffice (soffice) is not installed")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="px-lo-") as tmp:
        profile = profile or make_profile(Path(tmp) / "profile")
        target = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf:calc_pdf_Export"}.get(fmt, fmt)
        cmd = [exe, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
               "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
        run = _run(cmd, timeout)
    suffix = "." + fmt.split(":")[0]
    outputs = [outdir / (Path(f).stem + suffix) for f in files]
    missing = [str(p) for p in outputs if not p.is_file()]
    if missing:
        raise OfficeError(f"soffice did not write {missing[:3]} (exit {run.returncode}): {run.stderr[-400:]}")
    return outputs


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run soffice in its own process group and end the whole group afterwards: the `soffice` script
    starts `soffice.bin`, which a time-out of the script alone would leave running."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
