"""The generated workbook, one module per part of it (as XlsxWriter has one module per part of the file).

`base.Book` is what every part shares (the workbook, its formats, the spec, the project and the
values); `instructions`, `project`, `monthly`, `print_form`, `checks` (a returned workbook's first
sheet) and `hidden` (the list and `_meta` sheets) each write their sheet; `twins` holds what a
client computes for the formulas we write. `progress_xl.generate` puts them together.
"""
