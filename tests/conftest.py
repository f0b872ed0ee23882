import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from progress_xl.register import read_register
from progress_xl.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("ci", deadline=None, max_examples=200, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", deadline=None, max_examples=2000,        # by hand: --hypothesis-profile=long
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


def have_libreoffice() -> bool:
    return (shutil.which("soffice") is not None and shutil.which("pdftotext") is not None
            and subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True).returncode == 0)


IN_CI = os.environ.get("CI") == "true"
HAVE_LO = have_libreoffice()


def pytest_collection_modifyitems(config, items):
    # LibreOffice tests skip locally without it, but never under CI=true: there they run and fail.
    if HAVE_LO or IN_CI:
        return
    skip = pytest.mark.skip(reason="LibreOffice (libreoffice-calc-nogui, python3-uno, poppler-utils) not installed")
    for item in items:
        if "soffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path_factory, monkeypatch):
    """Every test runs in an empty folder of its own: none may depend on the current directory (a
    path is ROOT-based or the test's own), and none leaves a file in the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def spec():
    return load_spec()


@pytest.fixture(scope="session")
def projects(spec):
    return read_register(SAMPLES / "register.csv", spec, 2564).projects


@pytest.fixture(scope="session")
def seed_project(projects):
    return next(p for p in projects if p.code == "01000000-2462")


@pytest.fixture
def runner():
    return CliRunner()
