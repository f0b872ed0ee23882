# progress_xl: `make demo` and `make test` are the whole quick start.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEBS   := libreoffice-calc-nogui python3-uno fonts-thai-tlwg poppler-utils
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT    ?= out

.PHONY: demo demo-rollover test bench pictures libreoffice dovecot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

# LibreOffice is what the tests open every workbook in; install it when it is missing.
libreoffice:
	@if command -v soffice >/dev/null && /usr/bin/python3 -c 'import uno' 2>/dev/null \
	    && command -v pdftotext >/dev/null && fc-list | grep -qi laksaman; then \
	    echo "LibreOffice: $$(soffice --version 2>/dev/null | head -n1)"; \
	elif command -v apt-get >/dev/null; then \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEBS) >/dev/null && \
	    echo "LibreOffice installed: $$(soffice --version | head -n1)"; \
	else \
	    echo "LibreOffice not installed and no apt-get: its tests will skip (they fail under CI=true)"; \
	fi

# Dovecot is the IMAP server the IMAP tests start on 127.0.0.1 (their own configuration and ports;
# a system-wide Dovecot the package may start is left alone and never used).
dovecot:
	@if command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; then \
	    echo "Dovecot: $$(PATH="$$PATH:/usr/sbin" dovecot --version)"; \
	elif command -v apt-get >/dev/null; then \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dovecot-imapd >/dev/null && \
	    echo "Dovecot installed: $$(PATH="$$PATH:/usr/sbin" dovecot --version)"; \
	else \
	    echo "Dovecot not installed and no apt-get: the IMAP tests will skip (they fail under CI=true)"; \
	fi

# The demo makes a workspace in out/demo (progress-xl init) and runs each simulated month as
# `progress-xl month` does; afterwards `cd out/demo && progress-xl month 'มี.ค. 2564'` reruns one.
demo: $(VENV)/.installed
	$(BIN)/progress-xl demo --out $(OUT)/demo

# The turn of the year (apart, so `make demo` stays quick): the demo's whole FY 2564 (twelve months,
# about 45 s), then next year's register drafted from it beside a copy of the sample register
# (`rollover` prints where), and FY 2565's workbooks generated from the draft.
DEMO_ROLLOVER := $(OUT)/demo-rollover
demo-rollover: $(VENV)/.installed
	$(BIN)/progress-xl demo --out $(DEMO_ROLLOVER) --months 12
	cp samples/register.csv $(DEMO_ROLLOVER)/register.csv
	$(BIN)/progress-xl rollover $(DEMO_ROLLOVER)/register.csv --to 2565 --ledger $(DEMO_ROLLOVER)/ledger.sqlite
	$(BIN)/progress-xl generate $(DEMO_ROLLOVER)/register_2565.csv --fy 2565 --ledger $(DEMO_ROLLOVER)/ledger.sqlite \
	    --out $(DEMO_ROLLOVER)/workbooks_2565

# What a reader sees: the demo's blank, filled and returned workbook of one project, the last month's
# master and its --pdf board, rendered by LibreOffice to out/pictures/*.png (70 dpi), one line per file
# with its pages, overprinted word pairs and ### cells (progress_xl/render.py). Reuses out/demo while
# nothing that writes the files changed since it was made (the code, the templates, the samples).
DEMO_SOURCES := $(wildcard progress_xl/*.py progress_xl/sheets/*.py workbook_templates/*.toml samples/*)
$(OUT)/demo/.pictures: $(VENV)/.installed $(DEMO_SOURCES)
	rm -rf $(OUT)/demo
	$(BIN)/progress-xl demo --out $(OUT)/demo >/dev/null
	touch $@

pictures: $(OUT)/demo/.pictures libreoffice
	$(BIN)/python -m progress_xl.render --demo $(OUT)/demo $(OUT)/pictures

test: $(VENV)/.installed-test libreoffice dovecot
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
