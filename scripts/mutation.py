"""Mutation testing of one core module with mutmut 3, against that module's fast tests only.

    nice -n 19 .venv/bin/python scripts/mutation.py values        # values, fiscal, safety, ledger, validate, read
    nice -n 19 .venv/bin/python scripts/mutation.py values --sample 60

mutmut 3 copies the code it mutates into a `mutants/` folder beside its `setup.cfg`. So that a run
neither sees nor disturbs edits made in the checkout meanwhile, each module runs in a snapshot of its
own, `out/mutation/<module>/` (the package, the tests, the samples and templates, and `setup.cfg` with
a `[mutmut]` section for that module alone). The last line printed is the caught figure:
killed + timeout (a mutant that hangs is caught) over every mutant that ran; "no tests" counts as survived.
`--sample N` runs N mutants picked evenly through the module (for a module whose full run is too long);
`--before` leaves out the test files written from its findings (tests/test_mutants_*.py, test_ledger.py).
"""
import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")

# each module's fast test files (no LibreOffice, no mail server)
TESTS = {
    "values": ["tests/test_values.py", "tests/test_values_text.py", "tests/test_mutants_values.py"],
    "fiscal": ["tests/test_fiscal.py", "tests/test_mutants_fiscal.py"],
    "safety": ["tests/test_read.py", "tests/test_collect_kinds.py", "tests/test_mutants_safety.py"],
    "ledger": ["tests/test_ledger.py"],
    "validate": ["tests/test_validate.py", "tests/test_mutants_validate.py"],
    "read": ["tests/test_read.py", "tests/test_odd_values.py", "tests/test_mutants_read.py"],
}
COPIED = ["progress_xl", "tests", "samples", "workbook_templates", "setup.cfg"]
#: the test files written from mutation testing's findings; `--before` runs without them
ADDED = ("tests/test_mutants_", "tests/test_ledger.py")


def snapshot(module: str, before: bool = False) -> Path:
    """A fresh copy of what the run needs, with the module's [mutmut] section in its setup.cfg."""
    tests = [t for t in TESTS[module] if (ROOT / t).exists() and not (before and t.startswith(ADDED))]
    if not tests:                   # pytest would run the whole suite
        raise SystemExit(f"{module}: no test file to run")
    where = ROOT / "out" / "mutation" / (module + ("-before" if before else ""))
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, where / name)
    section = ["", "[mutmut]",
               "source_paths = progress_xl",
               f"only_mutate = progress_xl/{module}.py",
               "also_copy =\n    samples\n    workbook_templates",
               "pytest_add_cli_args = -p no:cacheprovider -q -x",
               "pytest_add_cli_args_test_selection =\n" + "\n".join(f"    {t}" for t in tests),
               "use_git_change_detection = false", ""]
    with open(where / "setup.cfg", "a", encoding="utf-8") as f:
        f.write("\n".join(section))
    return where


def names(where: Path) -> list[str]:
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=where, capture_output=True, text=True)
    return [line.split(":")[0].strip() for line in out.stdout.splitlines() if ":" in line]


def sample(all_names: list[str], n: int) -> list[str]:
    step = max(1, len(all_names) / n)
    return [all_names[int(i * step)] for i in range(min(n, len(all_names)))]


def tally(where: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=where, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if ":" in line:
            status = line.rsplit(":", 1)[1].strip()
            counts[status] = counts.get(status, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(TESTS))
    parser.add_argument("--sample", type=int, default=0, help="run only N mutants, picked evenly")
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--before", action="store_true", help="without the tests mutation testing led to")
    args = parser.parse_args()
    where = snapshot(args.module, args.before)
    run = [MUTMUT, "run", "--max-children", str(args.max_children)]
    if args.sample:
        subprocess.run([MUTMUT, "run", "--max-children", "1", "nothing.matches.this"], cwd=where,
                       capture_output=True)
        run += sample(names(where), args.sample)
    with open(where.with_suffix(".log"), "w", encoding="utf-8") as log:    # mutmut's progress lines
        subprocess.run(run, cwd=where, stdout=log, stderr=subprocess.STDOUT, check=False)
    counts = tally(where)
    ran = sum(v for k, v in counts.items() if k not in ("not checked", "skipped"))
    caught = counts.get("killed", 0) + counts.get("timeout", 0)
    print(json.dumps(counts, sort_keys=True))
    print(f"{args.module}: {caught} of {ran} mutants caught ({100 * caught / max(ran, 1):.0f} %)")


if __name__ == "__main__":
    main()
