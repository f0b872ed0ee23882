"""What a reader sees: the master and the `--pdf` board rendered through LibreOffice, held to
`render.problems` (no word printed over another, no `###`), the board one A4 page also for a city
of 70 agencies, and what the printed pages carry (labels, not keys; numbers as people write them;
errors first; the provenance and the inputs off the paper)."""
from __future__ import annotations

import re
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from helpers import fold

from progress_xl import render
from progress_xl.consolidate import consolidate
from progress_xl.ledger import Ledger
from progress_xl.master import SHEETS, UNPRINTED, write_board
from progress_xl.master_data import POINTS, SEVERITIES, MasterData, severity_label
from progress_xl.office import soffice
from progress_xl.render import Word, covered, overprinted
from progress_xl.register import Project
from progress_xl.simulate import ledger_rows, received_at, simulate_month

EXPONENT = re.compile(r"(?<![0-9A-Za-z.])\d+(\.\d+)?E[+-]?\d+(?![0-9A-Za-z])")    # 2.5E+6, never a hash's 5e4
DISTRICTS = ("พระนคร ดุสิต หนองจอก บางรัก บางเขน บางกะปิ ปทุมวัน ป้อมปราบศัตรูพ่าย พระโขนง มีนบุรี ลาดกระบัง ยานนาวา "
             "สัมพันธวงศ์ พญาไท ธนบุรี บางกอกใหญ่ ห้วยขวาง คลองสาน ตลิ่งชัน บางกอกน้อย บางขุนเทียน ภาษีเจริญ หนองแขม "
             "ราษฎร์บูรณะ บางพลัด ดินแดง บึงกุ่ม สาทร บางซื่อ จตุจักร บางคอแหลม ประเวศ คลองเตย สวนหลวง จอมทอง ดอนเมือง "
             "ราชเทวี ลาดพร้าว วัฒนา บางแค หลักสี่ สายไหม คันนายาว สะพานสูง วังทองหลาง คลองสามวา บางนา ทวีวัฒนา ทุ่งครุ "
             "บางบอน").split()
DEPARTMENTS = {  # the name, and the short name the register carries (as the BMA writes it)
    "สำนักการแพทย์": "สนพ.", "สำนักอนามัย": "สนอ.", "สำนักการศึกษา": "สนศ.", "สำนักการโยธา": "สนย.",
    "สำนักการระบายน้ำ": "สนน.", "สำนักสิ่งแวดล้อม": "สสล.", "สำนักการจราจรและขนส่ง": "สจส.", "สำนักเทศกิจ": "สนท.",
    "สำนักป้องกันและบรรเทาสาธารณภัย": "สปภ.", "สำนักพัฒนาสังคม": "สพส.", "สำนักวัฒนธรรม กีฬาและการท่องเที่ยว": "สวท.",
    "สำนักการคลัง": "สนค.", "สำนักงบประมาณกรุงเทพมหานคร": "สงม.", "สำนักยุทธศาสตร์และประเมินผล": "สยป.",
    "สำนักผังเมือง": "สผม.", "สำนักงานเลขานุการผู้ว่าราชการกรุงเทพมหานคร": "สลป.",
    "สำนักปลัดกรุงเทพมหานคร": "สปส.", "สำนักงานเลขานุการสภากรุงเทพมหานคร": "สลส.",
    "สำนักงานการเจ้าหน้าที่": "สกจ.", "สำนักงานการต่างประเทศ": "สตป."}


# -- the check itself, on boxes -------------------------------------------------------------------
def _w(x0, x1, text="w", y0=0.0, y1=10.0):
    return Word(x0, y0, x1, y1, text)


@pytest.mark.parametrize("a, b, over", [
    (_w(0, 10), _w(20, 30), False),                     # apart
    (_w(0, 10), _w(10, 20), False),                     # side by side, touching
    (_w(0, 10), _w(9.5, 20), False),                    # a kerned pair: a sliver shared
    (_w(0, 10), _w(5, 20), True),                       # half of the smaller word under the other
    (_w(0, 40), _w(10, 14), True),                      # a short word inside a long one
    (_w(0, 10), _w(0, 10, y0=10, y1=20), False),        # the next line
    (_w(0, 10), _w(0, 10, y0=5, y1=15), True),          # two lines squeezed into one row
    (_w(0, 10), _w(4, 4), False),                       # a zero-width mark (pdftotext boxes Thai marks so)
], ids=["apart", "touching", "sliver", "half", "inside", "next line", "squeezed", "mark"])
def test_a_pair_overprints_when_it_shares_a_quarter_of_the_smaller_word(a, b, over):
    assert (covered(a, b) > render.COVERED) == over
    assert bool(overprinted([a, b])) == over and bool(overprinted([b, a])) == over


def test_the_sweep_finds_what_comparing_every_pair_finds():
    import random
    rng = random.Random(7)
    words = [_w(x, x + rng.uniform(1, 30), str(i), y0=y, y1=y + 10)
             for i, (x, y) in enumerate((rng.uniform(0, 400), rng.choice((0, 4, 12, 30))) for _ in range(300))]
    every = {frozenset((a.text, b.text)) for i, a in enumerate(words) for b in words[i + 1:]
             if covered(a, b) > render.COVERED}
    assert every and {frozenset((a.text, b.text)) for a, b in overprinted(words)} == every


# -- the master's cells (no LibreOffice) ------------------------------------------------------------
@pytest.fixture(scope="module")
def month(tmp_path_factory, spec, projects):
    """The sample register's month 6 as the demo's agencies send it (their mistakes, a resubmission,
    a corrupt file, a workbook not ours), consolidated with the board as a PDF where LibreOffice is
    (the tests of the cells need none: without it they run, those of the PDF skip)."""
    tmp = tmp_path_factory.mktemp("render")
    simulate_month(spec, projects, 6, tmp / "inbox")
    run = consolidate(tmp / "inbox", projects=projects, fy=2564, month=6, out_dir=tmp / "out",
                      pdf=soffice() is not None)
    return run, tmp


def test_changes_and_provenance_name_fields_by_their_labels(month, spec):
    run, _ = month
    wb = openpyxl.load_workbook(run.master, read_only=True)
    prov = list(wb[SHEETS["provenance"]].iter_rows(min_row=3, values_only=True))
    labels = {f.key: f.label() for f in spec.fields}
    assert prov and {r[3] for r in prov} >= {labels["progress"], labels["disbursed"], labels["plan_status"]}
    assert {r[3] for r in prov} <= set(labels.values())
    changes = list(wb[SHEETS["changes"]].iter_rows(min_row=3, values_only=True))
    assert changes and {r[6] for r in changes} <= set(labels.values())


def test_issues_come_errors_first_with_their_severity_in_thai_and_english(month):
    run, _ = month
    wb = openpyxl.load_workbook(run.master, read_only=True)
    shown = [r[4] for r in wb[SHEETS["issues"]].iter_rows(min_row=3, values_only=True)]
    order = [severity_label(s) for s in SEVERITIES]
    assert shown[0] == severity_label("error") and set(shown) > {severity_label("error"), severity_label("note")}
    assert [order.index(s) for s in shown] == sorted(order.index(s) for s in shown)
    notes = shown.index(severity_label("note"))
    area = openpyxl.load_workbook(run.master)[SHEETS["issues"]].print_area
    assert area.endswith(f"$J${2 + notes}")                    # the reading notes stay on the screen


def test_no_number_shows_in_exponent_form(month):
    """Every number cell has a format that writes it out (`#,##0`, `0.0 %`...), never General (which shows
    2.5E+6 in a narrow column); no text carries a number in exponent form."""
    run, _ = month
    wb = openpyxl.load_workbook(run.master)
    numbers = [(ws.title, c.coordinate, c.number_format) for ws in wb.worksheets for row in ws.iter_rows()
               for c in row if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    assert numbers and [n for n in numbers if n[2] == "General"] == []
    texts = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and EXPONENT.search(c.value)]
    assert texts == []


def test_a_number_in_exponent_form_in_the_ledger_is_written_out(tmp_path, month, spec):
    """A Decimal('2E+1') progress (as the ledger may hand it back) and 2.5E+6 baht show as 20 and 2,500,000."""
    from progress_xl.master import as_written, text_of
    assert (text_of(Decimal("2E+1"), None), text_of(Decimal("2.5E+6"), "money"), text_of(12.5, None)) == \
        ("20", "2,500,000", "12.5")
    assert as_written(Decimal("2E+1")) == as_written(2_500_000) == "#,##0_)" and as_written(12.5) == "#,##0.0###_)"


def test_the_progress_chart_has_a_series_per_state_and_the_on_plan_diagonal(month, spec, projects):
    run, _ = month
    with Ledger(run.ledger) as ledger:
        points = MasterData(ledger, projects, 2564, 6, run.outcomes).points()
    with zipfile.ZipFile(run.master) as zf:
        scatter = next(zf.read(n).decode() for n in zf.namelist() if "scatterChart" in zf.read(n).decode())
    names = re.findall(r"<c:tx>.*?<c:v>([^<]*)</c:v>", scatter)
    expected = [f"{POINTS[k][0]} / {POINTS[k][1]}" for k, p in points.items() if p]
    assert len(expected) >= 3 and names[:-1] == expected and "on-plan" in names[-1]
    wb = openpyxl.load_workbook(run.master, read_only=True)
    refs = re.findall(r"<c:f>[^<]*!\$([A-Z]+)\$(\d+):\$\1\$(\d+)</c:f>", scatter)
    ws = wb[SHEETS["summary"]]
    cells = {(c.column_letter, c.row): c.value for row in ws.iter_rows() for c in row if c.value is not None}
    plotted = [[cells[(col, r)] for r in range(int(a), int(b) + 1)] for col, a, b in refs]
    assert plotted[-2:] == [[0, 100], [0, 100]]                                  # the diagonal
    assert [list(zip(x, y)) for x, y in zip(plotted[:-2:2], plotted[1:-2:2])] == [p for p in points.values() if p]


# -- rendered ----------------------------------------------------------------------------------------
def _city(spec, projects, n_agencies=70, per_agency=2):
    """A city of 50 district offices and 20 departments, two projects each, from the sample's projects."""
    names = [(f"สำนักงานเขต{d}", f"เขต{d}") for d in DISTRICTS] + list(DEPARTMENTS.items())
    assert len(names) == n_agencies
    city = []
    for a, (name, short) in enumerate(names):
        for k in range(per_agency):
            base = projects[(a * per_agency + k) % len(projects)]
            city.append(Project({**base.values, "project_code": f"{20 + a:02d}000000-{3000 + k}", "agency": name,
                                 "agency_short": short}, planned=base.planned))
    return city


def _ledger_of(path, spec, city):
    """Month 6 of every project of `city` recorded as consolidate records it."""
    with Ledger(path) as ledger, ledger.transaction():
        for i, p in enumerate(city):
            rows = ledger_rows(p, spec, 6)
            ledger.record(sha256=f"{i:064x}", name=f"{p.code}.xlsx", project_code=p.code, fy=2564, month=6,
                          template_version=spec.version, state="accepted", received_at=received_at(p, 6, 2564),
                          values=rows)


@pytest.fixture(scope="module")
def rendered(month, spec, projects, tmp_path_factory):
    """The master, the board of a 70-agency city and a workbook made to fail, through one LibreOffice start."""
    run, tmp = month
    city = _city(spec, projects)
    _ledger_of(tmp / "city.sqlite", spec, city)
    with Ledger(tmp / "city.sqlite") as ledger:
        data = MasterData(ledger, city, 2564, 6, outcomes=[])
        board = write_board(tmp / "city_board.xlsx", data)
        names = [a.name for _, a in sorted(data.agencies.items())]
    started = time.perf_counter()
    pdfs = render.to_pdf([run.master, board, _made_to_fail(tmp / "faulty.xlsx")], tmp / "pdf")
    seconds = time.perf_counter() - started
    return dict(zip(("master", "city", "faulty"), pdfs), names=names, seconds=seconds,
                board=run.master.with_name(run.master.stem + "_summary.pdf"))


def _made_to_fail(path):
    """A number wider than its column (###) and a label its neighbour cuts (printed under it)."""
    import xlsxwriter
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet()
        ws.set_column(0, 0, 4)
        ws.write_number(0, 0, 2_500_000_000, wb.add_format({"num_format": "#,##0"}))
        ws.write_string(1, 0, "งบประมาณที่ได้รับทั้งหมด")
        ws.write_string(1, 1, "Allocated")
    return path


@pytest.mark.soffice
def test_the_check_sees_a_cut_label_and_a_hash_cell(rendered):
    overlaps, hashes, pages = render.problems(rendered["faulty"])
    assert (hashes, pages) == (1, 1) and overlaps >= 1


@pytest.mark.soffice
def test_the_master_prints_with_nothing_over_anything(rendered):
    report = render.check(rendered["master"])
    assert (len(report.overlaps), len(report.hashes)) == (0, 0), report.examples()


@pytest.mark.soffice
def test_the_board_is_one_clean_page(rendered):
    report = render.check(rendered["board"])
    assert report.counts == (0, 0, 1), report.examples()
    text = fold(render_text(rendered["board"]))
    assert fold("Progress vs time elapsed") in text and fold("on-plan line") in text


@pytest.mark.soffice
def test_a_city_of_70_agencies_fits_one_page_with_every_agency_named(rendered):
    report = render.check(rendered["city"])
    assert report.counts == (0, 0, 1), report.examples()
    text = fold(render_text(rendered["city"]))
    assert [n for n in rendered["names"] if fold(n) not in text] == []


@pytest.mark.soffice
def test_provenance_and_inputs_stay_off_the_paper(rendered):
    """Each printed page names its sheet in the footer: every sheet but those two prints."""
    printed = {fold(p) for p in re.findall(r"progress_xl · (.+?)(?:\s{2,}|$)", render_text(rendered["master"]), re.M)}
    assert printed == {fold(SHEETS[k]) for k in SHEETS if k not in UNPRINTED}


def render_text(pdf) -> str:
    import subprocess
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_board_workbook_holds_one_printable_sheet(month, projects):
    run, tmp = month
    with Ledger(run.ledger) as ledger:
        board = write_board(tmp / "board_only.xlsx", MasterData(ledger, projects, 2564, 6, run.outcomes))
    wb = openpyxl.load_workbook(board)
    assert wb.sheetnames == [SHEETS["summary"]] and wb.active.print_area


@pytest.mark.soffice
def test_the_command_line_prints_each_picture_and_its_counts(rendered, tmp_path, capsys):
    """`python -m progress_xl.render OUT FILE...` (what `make pictures` runs): a PNG per page, the counts in
    one line per file; exit 1 when anything overprints."""
    from progress_xl.issues import render as message
    assert render.main([str(tmp_path), str(rendered["faulty"]), str(rendered["board"])]) == 1
    out = capsys.readouterr().out.splitlines()
    board = tmp_path / rendered["board"].name
    th, en = message("O009", path=str(board), overlaps=0, hashes=0, pages=1)
    png = tmp_path / f"{board.stem}-1.png"
    assert f"{th} / {en}" in out and str(png) in out and png.is_file()
    faulty = next(line for line in out if line.startswith(str(tmp_path / "faulty.pdf")))
    assert "###" in faulty and "1 ###" in faulty


def test_without_libreoffice_the_command_line_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    from progress_xl import office
    from progress_xl.issues import CATALOG
    monkeypatch.setattr(office, "soffice", lambda: None)
    assert render.main([str(tmp_path), str(tmp_path / "master.xlsx")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[O010]" in err[0] and CATALOG["O010"].en.split(" (")[0].format(
        path=str(tmp_path / "master.xlsx")) in err[0]
