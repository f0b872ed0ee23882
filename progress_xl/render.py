"""What a reader of a printed workbook sees go wrong: render workbooks through LibreOffice to PDF
and PNG, and count words printed over other words and `###` cells in the PDF.

A word printed over another is text that overflows its cell into a neighbour's text, a label cut by
the next cell (LibreOffice clips it, but the whole word is still drawn under the neighbour) or two
wrapped lines squeezed into a row too low for them; `###` is a number wider than its column.
Both are read from poppler's `pdftotext -bbox-layout` (one box per word). `problems(pdf)` is the
check every renderable output is held to (the master, the board, the agency's workbooks).

    python -m progress_xl.render OUTDIR FILE.xlsx|FILE.pdf...   one PNG per page (70 dpi), a line per file
"""
from __future__ import annotations

import glob
import re
import shutil
import subprocess
import sys
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from defusedxml.ElementTree import fromstring

from .office import OfficeError, convert

XHTML = "{http://www.w3.org/1999/xhtml}"
COVERED = 0.25        # a pair overprints when they share more than this part of the smaller word's box
HASHES = re.compile(r"#{3,}")
DPI = 70


class Word(NamedTuple):
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)


class Problems(NamedTuple):
    """The counts a rendered PDF is judged by."""
    overlaps: int
    hashes: int
    pages: int


@dataclass
class Report:
    """Every overprinted pair and `###` cell of one PDF, with its page (1-based)."""
    pages: int = 0
    overlaps: list[tuple[int, str, str]] = field(default_factory=list)
    hashes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def counts(self) -> Problems:
        return Problems(len(self.overlaps), len(self.hashes), self.pages)

    def examples(self, n: int = 6) -> str:
        """A few of the problems, for a test's failure message."""
        shown = [f"p{p}: {a!r} over {b!r}" for p, a, b in self.overlaps[:n]]
        shown += [f"p{p}: {t}" for p, t in self.hashes[:n]]
        return "; ".join(shown)


def pages(pdf: Path) -> Iterator[list[Word]]:
    """The words of each page of `pdf`, with their boxes in points."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    for page in fromstring(xml).iter(f"{XHTML}page"):
        yield [Word(float(w.get("xMin", 0)), float(w.get("yMin", 0)), float(w.get("xMax", 0)), float(w.get("yMax", 0)),
                    (w.text or "").strip()) for w in page.iter(f"{XHTML}word")]


def covered(a: Word, b: Word) -> float:
    """The part of the smaller box that the two boxes share."""
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
    if dx <= 0 or dy <= 0:
        return 0.0
    return dx * dy / (min(a.area, b.area) or 1)


def overprinted(words: Sequence[Word]) -> list[tuple[Word, Word]]:
    """Every pair of words drawn over each other (a sweep along x: only words that meet are compared)."""
    ordered = sorted(words)
    starts = [w.x0 for w in ordered]
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:bisect_left(starts, a.x1, lo=i + 1)]:
            if covered(a, b) > COVERED:
                pairs.append((a, b))
    return pairs


def check(pdf: Path) -> Report:
    """The overprinted words and `###` cells of every page of `pdf`."""
    report = Report()
    for n, words in enumerate(pages(pdf), 1):
        report.pages = n
        report.overlaps += [(n, a.text, b.text) for a, b in overprinted(words)]
        report.hashes += [(n, w.text) for w in words if HASHES.fullmatch(w.text)]
    return report


def problems(pdf: Path) -> Problems:
    """(overlapping word pairs, `###` cells, pages) of a rendered PDF: (0, 0, n) is a clean print."""
    return check(pdf).counts


# -- rendering -------------------------------------------------------------------------------------
@dataclass
class Rendered:
    source: Path
    pdf: Path
    pngs: list[Path]
    report: Report


def to_pdf(files: Sequence[Path], outdir: Path) -> list[Path]:
    """Each workbook as LibreOffice prints it (its print areas, scaling and page setup), one soffice for all;
    a PDF already made (the `--pdf` board) is copied as it is."""
    outdir = Path(outdir)
    books = [Path(f) for f in files if Path(f).suffix.lower() != ".pdf"]
    made = iter(convert(books, "pdf", outdir) if books else [])
    out = []
    for f in map(Path, files):
        if f.suffix.lower() == ".pdf":
            outdir.mkdir(parents=True, exist_ok=True)
            if f.resolve() != (outdir / f.name).resolve():
                shutil.copyfile(f, outdir / f.name)
            out.append(outdir / f.name)
        else:
            out.append(next(made))
    return out


def to_png(pdf: Path, dpi: int = DPI) -> list[Path]:
    """One PNG per page beside the PDF: NAME-1.png, NAME-2.png ... (pdftoppm pads the number to the page count)."""
    stem = pdf.with_suffix("")
    for old in pdf.parent.glob(f"{glob.escape(stem.name)}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(stem)], check=True, capture_output=True)
    return sorted(pdf.parent.glob(f"{glob.escape(stem.name)}-*.png"))


def render(workbooks: Sequence[Path], outdir: Path, dpi: int = DPI) -> list[Rendered]:
    """Render `workbooks` to PDF and PNG in `outdir`, each with its check."""
    pdfs = to_pdf(workbooks, outdir)
    return [Rendered(Path(src), pdf, to_png(pdf, dpi), check(pdf)) for src, pdf in zip(workbooks, pdfs)]


# -- the demo's pictures (make pictures) ---------------------------------------------------------
def demo_files(workspace: Path, into: Path) -> list[Path]:
    """What `make pictures` shows of a demo workspace, copied into `into` under the names the README uses:
    a project's blank workbook, the same workbook filled as it came in, returned with its problems, the
    last month's master and its `--pdf` board. The master and the board are made again from the month's
    inbox on a copy of the ledger (as the code now writes them; the workspace stays as it was)."""
    from .consolidate import consolidate
    from .register import read_register
    from .spec import load_spec
    from .workspace import load
    ws = load(workspace)
    month_dir = sorted((ws.root / "months").iterdir())[-1]
    master = next(month_dir.glob("master_*.xlsx"))
    fy, month = (int(x) for x in master.stem.split("_")[1:3])
    returned = sorted((month_dir / "returned").glob("*.xlsx"))[0]
    code = returned.name.split("_")[0]
    picked = {"blank": next(ws.root.glob(f"workbooks/*/{glob.escape(code)}_*.xlsx")),
              "filled": next((month_dir / "inbox").glob(f"{glob.escape(code)}_*.xlsx")),
              "returned": returned}
    into.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ws.ledger, into / "ledger.sqlite")
    projects = read_register(ws.register, load_spec(), fy).projects
    consolidate(month_dir / "inbox", projects=projects, fy=fy, month=month, out_dir=into / "month",
                ledger_path=into / "ledger.sqlite", pdf=True)
    picked["master"] = into / "month" / master.name
    picked["board"] = into / "month" / f"{master.stem}_summary.pdf"
    for name, src in picked.items():
        shutil.copyfile(src, into / f"{name}{src.suffix}")
    return [into / f"{name}{src.suffix}" for name, src in picked.items()]


def main(argv: list[str]) -> int:
    """`OUTDIR FILE...`, or `--demo WORKSPACE OUTDIR`: render, print each PNG and one line per file; 1 when
    anything overprints."""
    from .issues import issue
    if len(argv) < 2 or (argv[0] == "--demo" and len(argv) != 3):
        print("usage: python -m progress_xl.render OUTDIR FILE.xlsx|FILE.pdf... | --demo WORKSPACE OUTDIR",
              file=sys.stderr)
        return 2
    try:
        if argv[0] == "--demo":
            outdir = Path(argv[2])
            files = demo_files(Path(argv[1]), outdir / "sources")
        else:
            outdir, files = Path(argv[0]), [Path(a) for a in argv[1:]]
        done = render(files, outdir)
    except (OfficeError, OSError, subprocess.CalledProcessError) as e:
        print(issue("O010", path=" ".join(argv[1:]), reason=str(e).strip()[-300:]), file=sys.stderr)
        return 1
    for r in done:
        print("\n".join(map(str, r.pngs)))
        print(_counts(r))
    return 1 if any(r.report.overlaps or r.report.hashes for r in done) else 0


def _counts(r: Rendered) -> str:
    from .issues import render as message
    o, h, p = r.report.counts
    th, en = message("O009", path=str(r.pdf), overlaps=o, hashes=h, pages=p)
    return f"{th} / {en}" + (f": {r.report.examples(3)}" if o or h else "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
