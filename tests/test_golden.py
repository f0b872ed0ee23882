"""Golden copies, reviewed in their diffs: every XML part of the seed project's workbook per template
version, and the text of the master of the mixed inbox. `scripts/update_golden.py` rewrites them.
Neither needs LibreOffice."""
import io
from pathlib import Path

import pytest
from helpers import text_dump, xml_parts
from scenarios import mixed_inbox

from progress_xl.consolidate import consolidate
from progress_xl.generate import generate_workbook
from progress_xl.spec import available_versions, load_spec

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("version", available_versions())
def test_golden_xml_parts(version, seed_project):
    """Every XML part equals the reviewed golden copy."""
    golden = GOLDEN / f"seed_v{version}"
    buf = io.BytesIO()
    generate_workbook(load_spec(version), seed_project, buf)
    parts = xml_parts(buf.getvalue())
    expected = sorted(str(p.relative_to(golden))[:-4] for p in golden.rglob("*.txt"))
    assert sorted(parts) == expected
    for name, text in parts.items():
        assert text == (golden / (name + ".txt")).read_text(encoding="utf-8"), name


def test_master_matches_the_reviewed_text_dump(tmp_path, spec, projects):
    mixed_inbox(tmp_path / "inbox", spec, projects[:10])
    run = consolidate(tmp_path / "inbox", projects=projects[:10], fy=2564, month=3, out_dir=tmp_path / "out")
    assert text_dump(run.master) == (GOLDEN / "master_mixed.txt").read_text(encoding="utf-8")
