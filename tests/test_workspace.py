"""The workspace: `progress-xl init`, the settings checked on load, found like git finds its repository,
and the settings as every command's defaults (the coordinator's month, item 1)."""
from __future__ import annotations

import tomllib

import click
import pytest

from progress_xl.cli import _workspace_defaults, main
from progress_xl.issues import ProgressXLError, render
from progress_xl.workspace import SETTINGS_NAME, advance_fiscal_year, init, load, locate

from conftest import SAMPLES

REGISTER = SAMPLES / "register.csv"


@pytest.fixture
def ws_dir(tmp_path):
    folder = tmp_path / "งานติดตาม"
    init(folder, register=REGISTER, fy=2564, sender="coordinator@bangkok.go.th")
    return folder


def test_init_writes_commented_settings_and_folders(ws_dir):
    settings = ws_dir / SETTINGS_NAME
    text = settings.read_text(encoding="utf-8")
    assert tomllib.loads(text)["fiscal_year"] == 2564
    assert "ทะเบียนโครงการ" in text and "the project register" in text          # Thai and English comments
    assert "PROGRESS_XL_SMTP_PASSWORD" in text and "password =" not in text      # passwords only from the environment
    assert (ws_dir / "mail").is_dir() and (ws_dir / "months").is_dir()
    ws = load(ws_dir)
    assert (ws.register, ws.fiscal_year, ws.ledger) == (REGISTER, 2564, ws_dir.resolve() / "ledger.sqlite")
    assert ws.imap is None and ws.smtp.host == "" and ws.sender.address == "coordinator@bangkok.go.th"
    assert (ws.reply.day, ws.reply.months_after) == (25, 1)
    assert ws.month_dir(2564, 6) == ws_dir.resolve() / "months" / "2564-03"


def test_init_never_overwrites(ws_dir):
    before = (ws_dir / SETTINGS_NAME).read_bytes()
    with pytest.raises(ProgressXLError) as caught:
        init(ws_dir, register=REGISTER, fy=2565)
    assert [i.code for i in caught.value.issues] == ["W007"]
    assert (ws_dir / SETTINGS_NAME).read_bytes() == before


def test_a_register_inside_the_workspace_is_kept_relative(tmp_path):
    (tmp_path / "ws").mkdir()
    register = tmp_path / "ws" / "ทะเบียน.csv"
    register.write_bytes(REGISTER.read_bytes())
    init(tmp_path / "ws", register=register, fy=2564)
    assert tomllib.loads((tmp_path / "ws" / SETTINGS_NAME).read_text(encoding="utf-8"))["register"] == "ทะเบียน.csv"
    moved = tmp_path / "moved"
    (tmp_path / "ws").rename(moved)                 # the workspace moves whole: its register comes along
    assert load(moved).register == moved.resolve() / "ทะเบียน.csv"


def _edit(folder, old: str, new: str) -> None:
    path = folder / SETTINGS_NAME
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(folder, needle: str) -> str:
    lines = (folder / SETTINGS_NAME).read_text(encoding="utf-8").splitlines()
    return str(next(n for n, line in enumerate(lines, 1) if line.startswith(needle)))


BAD = [  # (old, new, code, key, the line that holds the problem)
    ("day = 25", "day = 25\ncolour = 3", "W002", "reply.colour", "colour ="),
    ("ledger = ", "ledgr = 1\nledger = ", "W002", "ledgr", "ledgr ="),
    ("[reply]", "[replies]\nday = 3\n[reply]", "W002", "[replies]", "[replies]"),
    ("port = 587", 'port = "587"', "W003", "smtp.port", 'port = "587"'),
    ('user = ""\n\n[sender]', 'user = 7\n\n[sender]', "W003", "smtp.user", "user = 7"),
    ("folders = []", "folders = [1, 2]", "W003", "mail.folders", "folders ="),
    ("fiscal_year = 2564", "fiscal_year = true", "W003", "fiscal_year", "fiscal_year ="),
    ("fiscal_year = 2564", "fiscal_year = 2021", "W010", "fiscal_year", "fiscal_year ="),
    ("day = 25", "day = 0", "W010", "reply.day", "day ="),
    ('security = "ssl"', 'security = "tls"', "W010", "imap.security", 'security = "tls"'),
]


@pytest.mark.parametrize("old, new, code, key, needle", BAD, ids=[f"{c}-{k}" for _, _, c, k, _ in BAD])
def test_a_bad_setting_is_one_line_naming_key_file_and_line(ws_dir, old, new, code, key, needle):
    _edit(ws_dir, old, new)
    with pytest.raises(ProgressXLError) as caught:
        load(ws_dir)
    [problem] = caught.value.issues
    assert problem.code == code and problem.context["key"] == key, problem
    assert problem.file == str((ws_dir / SETTINGS_NAME).resolve())
    if needle:
        assert problem.context["line"] == _line_of(ws_dir, needle), problem


def test_every_bad_setting_is_reported_at_once(ws_dir):
    _edit(ws_dir, "day = 25", "day = 99\nextra = 1")
    _edit(ws_dir, "port = 587", 'port = "x"')
    with pytest.raises(ProgressXLError) as caught:
        load(ws_dir)
    assert sorted(i.code for i in caught.value.issues) == ["W002", "W003", "W010"]


def test_toml_syntax_error_names_its_line(ws_dir):
    _edit(ws_dir, "[smtp]", "[smtp")
    with pytest.raises(ProgressXLError) as caught:
        load(ws_dir)
    [problem] = caught.value.issues
    assert problem.code == "W001" and problem.context["line"] == _line_of(ws_dir, "[smtp")


def test_missing_register_setting_and_missing_register_file(ws_dir):
    path = ws_dir / SETTINGS_NAME
    text = path.read_text(encoding="utf-8")
    register_line = next(line for line in text.splitlines() if line.startswith("register ="))
    path.write_text(text.replace(register_line, "# register removed"), encoding="utf-8")
    with pytest.raises(ProgressXLError) as caught:
        load(ws_dir)
    assert [(i.code, i.context["key"]) for i in caught.value.issues] == [("W004", "register")]
    path.write_text(text.replace(register_line, 'register = "nowhere.csv"'), encoding="utf-8")
    with pytest.raises(ProgressXLError) as caught:
        load(ws_dir)
    [problem] = caught.value.issues
    assert problem.code == "W005" and problem.context["line"] == _line_of(ws_dir, "register =")


@pytest.mark.parametrize("blank", ['""', '"   "'], ids=["empty", "spaces"])
def test_a_blank_register_setting_is_missing(ws_dir, blank):
    """`register = ""` is a register not given (W004), not the workspace folder read as one (it was an
    error of ours, O007, at the first command that read the register)."""
    path = ws_dir / SETTINGS_NAME
    text = path.read_text(encoding="utf-8")
    register_line = next(line for line in text.splitlines() if line.startswith("register ="))
    path.write_text(text.replace(register_line, f"register = {blank}"), encoding="utf-8")
    with pytest.raises(ProgressXLError) as caught:
        load(ws_dir)
    assert [(i.code, i.context["key"]) for i in caught.value.issues] == [("W004", "register")]


def test_located_like_git_finds_its_repository(ws_dir, tmp_path):
    deep = ws_dir / "months" / "2564-03" / "mail"
    deep.mkdir(parents=True)
    assert locate(start=deep) == ws_dir.resolve()
    assert locate(start=tmp_path) is None
    assert locate(ws_dir) == ws_dir.resolve()
    with pytest.raises(ProgressXLError) as caught:
        locate(tmp_path)
    assert [i.code for i in caught.value.issues] == ["W024"]


def test_the_turn_of_the_year_moves_the_fiscal_year_and_keeps_the_comments(ws_dir):
    ws = load(ws_dir)
    before = (ws_dir / SETTINGS_NAME).read_text(encoding="utf-8")
    assert advance_fiscal_year(ws, 2563) is None and advance_fiscal_year(ws, 2564) is None
    assert advance_fiscal_year(ws, 2565) == 2564
    after = (ws_dir / SETTINGS_NAME).read_text(encoding="utf-8")
    assert load(ws_dir).fiscal_year == 2565
    assert after == before.replace("fiscal_year = 2564", "fiscal_year = 2565")


def test_workspace_defaults_name_real_parameters(ws_dir):
    """The settings reach the other commands through click's default_map, by parameter name: a
    renamed option would silently lose its setting."""
    for command, defaults in _workspace_defaults(load(ws_dir)).items():
        names = {p.name for p in main.commands[command].params}
        assert set(defaults) <= names, (command, set(defaults) - names)


def test_a_command_inside_the_workspace_takes_its_settings(ws_dir, runner, monkeypatch):
    monkeypatch.chdir(ws_dir / "months")
    res = runner.invoke(main, ["generate"])         # REGISTER, --fy and --out all from the workspace
    assert res.exit_code == 0, res.output
    assert list((ws_dir / "workbooks").rglob("*.xlsx"))         # into the workspace's workbooks/
    res = runner.invoke(main, ["generate", "--fy", "2026"])       # a flag still overrides, and is checked
    assert res.exit_code == 2


def test_a_broken_workspace_stops_every_command_with_its_lines(ws_dir, runner, monkeypatch):
    _edit(ws_dir, "day = 25", "day = 99")
    monkeypatch.chdir(ws_dir)
    res = runner.invoke(main, ["month"])
    assert res.exit_code == 1
    th, en = render("W010", line=_line_of(ws_dir, "day ="), key="reply.day", allowed="1-31", value="99")
    assert f"[W010] {th} / {en}" in res.stderr and "Traceback" not in res.output


def test_init_command(tmp_path, runner):
    res = runner.invoke(main, ["init", str(tmp_path / "ws"), "--register", str(REGISTER), "--fy", "2564"])
    assert res.exit_code == 0, res.output
    assert " / ".join(render("W015", settings=(tmp_path / "ws" / SETTINGS_NAME).resolve())) in res.stdout
    res = runner.invoke(main, ["init", str(tmp_path / "ws")])
    assert res.exit_code == 1 and "[W007]" in res.stderr


def test_month_outside_a_workspace_is_one_line(tmp_path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROGRESS_XL_WORKSPACE", raising=False)
    res = runner.invoke(main, ["month"])
    assert res.exit_code == 1
    th, en = render("W006")
    assert res.stderr.strip() == f"{tmp_path}: [W006] {th} / {en}"
    assert isinstance(main, click.Group)
