"""The codebase keeps the shape the next maintainer can change safely: short functions of low
complexity, mypy-clean in its default mode, every field key the code names present in the spec,
every message code of the catalogue produced somewhere and mentioned in a test.

Each allowlist below names what is over the line today, whose it is and why; an entry must go once
its cause is gone (the test says so), so the lists only get shorter.
"""
from __future__ import annotations

import ast
import difflib
import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from progress_xl.issues import CATALOG
from progress_xl.register import REGISTER_ONLY
from progress_xl.spec import all_field_keys

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "progress_xl"
MAX_LINES, MAX_COMPLEXITY = 60, 15

#: module:function -> why it is still over the limits (and whose it is). Each must shrink.
OVERSIZE: dict[str, str] = {}
#: module -> mypy errors it still has (default mode), and whose they are; none may be added.
MYPY_ERRORS: dict[str, int] = {}
#: catalogue codes no module produces (issues.py's owner: remove them or produce them; codes are never reused)
NEVER_PRODUCED: dict[str, str] = {}
#: catalogue codes no test mentions: each needs a test that makes it happen and asserts it
UNTESTED: set[str] = set()


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _functions():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, node


def _complexity() -> dict[str, int]:
    """module:function -> cyclomatic complexity, for those over the limit (ruff's C901, mccabe)."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "C901", "--config",
                           f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "--output-format", "json", str(PACKAGE)],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    found = {}
    for item in json.loads(done.stdout):
        name, value = re.fullmatch(r"`(.+)` is too complex \((\d+) > \d+\)", item["message"]).groups()
        found[f"{_name(Path(item['filename']))}:{name}"] = int(value)
    return found


def test_every_function_is_short_and_simple():
    long = {f"{_name(path)}:{node.name}": node.end_lineno - min([node.lineno] + [d.lineno for d in node.decorator_list]) + 1
            for path, node in _functions()}
    over = {k: f"{n} lines" for k, n in long.items() if n > MAX_LINES}
    for k, n in _complexity().items():
        over[k] = f"{over[k]}, " if k in over else ""
        over[k] += f"complexity {n}"
    assert not {k: v for k, v in over.items() if k not in OVERSIZE}, f"over {MAX_LINES} lines or complexity {MAX_COMPLEXITY}"
    assert not set(OVERSIZE) - set(over), "fixed: remove from OVERSIZE"


def test_mypy_default_mode(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "setup.cfg"), "--cache-dir",
                           str(tmp_path), "--no-error-summary", "--no-pretty", str(PACKAGE)],
                          capture_output=True, text=True, cwd=ROOT)
    errors: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        if ": error:" in line:
            errors.setdefault(line.split(":")[0], []).append(line)
    over = {m: lines for m, lines in errors.items() if len(lines) > MYPY_ERRORS.get(m, 0)}
    assert not over, "\n".join(line for lines in over.values() for line in lines)
    assert done.returncode in (0, 1), done.stderr


# -- field keys ------------------------------------------------------------------------------------
KNOWN = all_field_keys() | set(REGISTER_ONLY)
PROJECT_LIKE = {"p", "project", "P", "pv", "proj_ref"}      # names that hold a Project or a dict by field key
KEY_CALLS = {"field", "monthly_cell", "total_cell", "stated"}     # spec.field(key), form.field(label, key, ...)


def _named_keys():
    """(where, key) of every string the code uses as a field key: a Project's or a by-key dict's subscript,
    and the key argument of the spec's lookups."""
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{_name(path)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                value = node.value
                name = value.id if isinstance(value, ast.Name) else value.attr if isinstance(value, ast.Attribute) else None
                if name in PROJECT_LIKE and isinstance(node.slice.value, str):
                    yield where, node.slice.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in KEY_CALLS:
                args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if args:
                    yield where, args[1] if node.func.attr == "field" and len(args) > 1 else args[0]


def _key_like():
    """(where, text) of every string constant in a key position: a subscript, `.get`, `.pop`, `.setdefault`."""
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = None
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                text = node.slice.value
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("get", "pop", "setdefault") and node.args
                  and isinstance(node.args[0], ast.Constant)):
                text = node.args[0].value
            if isinstance(text, str):
                yield f"{_name(path)}:{node.lineno}", text


def test_every_key_the_code_names_is_in_the_spec():
    names = list(_named_keys())
    assert len(names) > 50                                          # the scan sees the code
    assert [(where, key) for where, key in names if key not in KNOWN] == []


def test_no_key_is_one_typo_away_from_a_field():
    """`"progres"` or `"agency_shrot"` in a key position reads as nothing: it is refused here."""
    typos = [(where, text, close[0]) for where, text in _key_like() if text not in KNOWN
             and (close := difflib.get_close_matches(text, KNOWN, n=1, cutoff=0.86))]
    assert typos == []


def test_a_typo_in_a_project_key_raises(seed_project):
    for key in ("agency_short", "head_position", "stage"):        # a field, a register column, a monthly key
        seed_project[key]
    with pytest.raises(KeyError, match="agency_shrot"):
        seed_project["agency_shrot"]


# -- the catalogue ---------------------------------------------------------------------------------
def _codes_in(paths) -> set[str]:
    return {c for p in paths for c in re.findall(r"\b[A-Z]\d{3}\b", p.read_text(encoding="utf-8"))}


def test_every_catalogue_code_is_produced_and_tested():
    produced = _codes_in(p for p in _modules() if p.name != "issues.py")
    tested = _codes_in(p for p in Path(__file__).parent.glob("*.py") if p.name != Path(__file__).name)
    codes = set(CATALOG)
    assert sorted(codes - produced - set(NEVER_PRODUCED)) == [], "produce it, or list it in NEVER_PRODUCED with why"
    assert sorted(codes - tested - UNTESTED) == [], "a new code comes with a test that makes it happen"
    assert sorted((set(NEVER_PRODUCED) | UNTESTED) - codes) == [], "listed but no longer in the catalogue"
    assert sorted(set(NEVER_PRODUCED) & produced) == [], "produced now: remove it from NEVER_PRODUCED"
    assert sorted(UNTESTED & tested) == [], "tested now: remove it from UNTESTED"


#: what each way of raising an issue fills in itself: `issue()` the value and the sheet; `Context.at` also
#: the field's labels and the report number
IMPLIED = {"issue": {"value", "sheet"}, "at": {"value", "sheet", "label_th", "label_en", "k"}, "render": set(),
           "_render": set()}


def test_every_message_raised_is_given_what_it_names():
    """A placeholder left out shows as `{month_en}` to the reader (the formatter is lenient, so a run never
    fails on a message): every call that names a code and its context by keyword gives each placeholder
    its message names (calls passing **context are checked where that context is built, by the tests)."""
    formatter, missing = string.Formatter(), []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            code = node.args[0].value
            if name not in IMPLIED or code not in CATALOG or any(k.arg is None for k in node.keywords):
                continue
            entry = CATALOG[code]
            named = {f for text in (entry.th, entry.en) for _, f, _, _ in formatter.parse(text) if f}
            given = {k.arg for k in node.keywords} | IMPLIED[name]
            if named - given:
                missing.append(f"{_name(path)}:{node.lineno} {code} lacks {sorted(named - given)}")
    assert missing == []
