"""The hidden sheets: the dropdowns' choice lists, and the veryHidden `_meta` (template, project and
where each field is), which the reader trusts only after the document properties."""
from __future__ import annotations

from .. import __version__
from ..spec import column_letter
from .base import Book
from .twins import quote


def lists(b: Book) -> None:
    ws = b.wb.add_worksheet(b.names["lists"])
    for c, (name, choices) in enumerate(b.spec.choices.items()):
        ws.write_string(0, c, name)
        for r, choice in enumerate(choices, start=1):
            ws.write_string(r, c, choice.value)
        col = column_letter(c)
        b.define_name(f"px_list_{name}", f"{quote(b.names['lists'])}!${col}$2:${col}${len(choices) + 1}")
    ws.hide()
    b.protect(ws)


def meta(b: Book) -> None:
    s, p, names = b.spec, b.project, b.names
    ws = b.wb.add_worksheet(names["meta"])
    rows = [("key", "value"), ("template_id", s.id), ("template_version", str(s.version)),
            ("project_code", p.code), ("fiscal_year", str(b.fy)), ("generator", f"progress_xl {__version__}")]
    rows += [(f"field.{x.key}", f"{names['project']}!{x.cell}") for x in s.project_fields]
    rows += [(f"field.{x.key}", f"{names['monthly']}!{x.column}{s.monthly.first_row}:{x.column}{s.monthly.last_row}")
             for x in s.monthly_fields]
    rows.append(("label.monthly_header_th", f"{names['monthly']}!{s.monthly.header_th_row}"))
    for r, (key, value) in enumerate(rows):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.very_hidden()
    b.protect(ws)
