"""Installed from a wheel, offline, into a fresh venv: the specs and samples are package data, a new
template version is one TOML file, and `progress-xl demo` runs from another folder."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from progress_xl.spec import available_versions, templates_dir

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "progress_xl", "workbook_templates", "samples")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The source tree as it is, plus one new template version (a copy of the newest, renumbered)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    newest = max(available_versions())
    text = (templates_dir() / f"progress_report.v{newest}.toml").read_text(encoding="utf-8")
    text, n = re.subn(rf"(?m)^version = {newest}$", f"version = {newest + 1}", text)
    assert n == 1
    (src / "workbook_templates" / f"progress_report.v{newest + 1}.toml").write_text(text, encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory):
    out = tmp_path_factory.mktemp("wheelhouse")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(out), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    found, = out.glob("progress_xl-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory):
    """A fresh venv with the wheel installed offline (--no-index --find-links): pip resolves its declared
    dependencies (bounds included) against this test run's, seen through a .pth file pointing at links to
    them (never to progress_xl itself or its editable install: that one is the wheel's)."""
    venv, deps = tmp_path_factory.mktemp("venv"), tmp_path_factory.mktemp("deps")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("progress_xl", "__editable__", "_progress_xl")) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index",
                           "--find-links", str(wheel.parent), "progress_xl"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return venv


def _clean_env():
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PROGRESS_XL_TEMPLATES",
                                                             "PROGRESS_XL_WORKSPACE")}


def test_the_wheel_holds_every_package_every_spec_and_the_samples(wheel, source):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    packages = {str(p.parent.relative_to(source)) for p in (source / "progress_xl").rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= names          # no package left out of setup.cfg
    specs = {p.name for p in (source / "workbook_templates").glob("*.toml")}
    assert {f"progress_xl/workbook_templates/{n}" for n in specs} <= names and len(specs) >= 4
    samples = {str(p.relative_to(source)) for p in (source / "samples").rglob("*") if p.is_file()}
    assert {f"progress_xl/{n}" for n in samples} <= names and "progress_xl/samples/register.csv" in names


def test_installed_it_reads_its_own_specs_and_a_new_version_needs_no_setup_line(venv, tmp_path):
    newest = max(available_versions()) + 1
    code = ("import progress_xl, progress_xl.spec as s; "
            "print(progress_xl.__file__); print(s.templates_dir()); print(s.available_versions()); "
            "print(s.load_spec().version)")
    done = subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env=_clean_env())
    assert done.returncode == 0, done.stderr
    module, folder, versions, loaded = done.stdout.splitlines()
    assert Path(module).is_relative_to(venv) and Path(folder).is_relative_to(venv)
    assert versions == str(tuple(range(1, newest + 1))) and loaded == str(newest)


def test_installed_the_demo_runs_from_another_folder(venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([venv / "bin" / "progress-xl", "demo", "--out", "demo", "--months", "1"],
                          capture_output=True, text=True, cwd=elsewhere, env=_clean_env(), timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert list((elsewhere / "demo").rglob("master_2564_01.xlsx"))
