# Bulletin — the two commands: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
BENCH_SIZES ?= 100000
# pytest-xdist workers for `make test`: one more than the cores, since a third of the suite's
# time is waiting on browsers, servers and subprocesses (2 cores: 12.0 min against 15.9 with
# two). A test that restarts PostgreSQL waits for the server to itself
# (tests/support/postgres_turns.py).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: serve test lint format bench install install-test clean chromium dovecot spamassassin postfix html-validate axe-core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## serve: create the venv, install, migrate, run on the embedded default (SQLite + mail catcher)
serve: install
	$(BIN)/bulletin db upgrade
	$(BIN)/bulletin serve --host $(HOST) --port $(PORT)

CHROMIUM ?= /usr/bin/chromium

## chromium: the browser tests drive Debian's Chromium (Playwright never downloads one)
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && apt-get install -y -qq chromium; \
	  else \
	    echo "$(CHROMIUM) is missing: the browser tests need Debian's Chromium." >&2; \
	    echo "Install it with: sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; \
	fi

DOVECOT ?= /usr/sbin/dovecot

## dovecot: the mailbox tests poll a real IMAP server, Debian's Dovecot, on loopback
dovecot:
	@if [ ! -x $(DOVECOT) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's dovecot-imapd for the mailbox tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; \
	  else \
	    echo "$(DOVECOT) is missing: the mailbox tests need Debian's Dovecot." >&2; \
	    echo "Install it with: sudo apt-get install -y dovecot-imapd" >&2; \
	    exit 1; \
	  fi; \
	fi

SPAMASSASSIN ?= /usr/bin/spamassassin

## spamassassin: the spam-score tests run Debian's SpamAssassin with its local rules only
spamassassin:
	@if [ ! -x $(SPAMASSASSIN) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's spamassassin for the spam-score tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spamassassin; \
	  else \
	    echo "$(SPAMASSASSIN) is missing: the spam-score tests need Debian's SpamAssassin." >&2; \
	    echo "Install it with: sudo apt-get install -y spamassassin" >&2; \
	    exit 1; \
	  fi; \
	fi

SMTP_SINK ?= /usr/sbin/smtp-sink

## postfix: Postfix's smtp-sink and smtp-source, for `bulletin bench fanout --sink smtp-sink` (no mail system configured)
postfix:
	@if [ ! -x $(SMTP_SINK) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's postfix for smtp-sink and smtp-source (no mail system configured)"; \
	    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix; \
	  else \
	    echo "$(SMTP_SINK) is missing: the smtp-sink benchmark needs Debian's postfix." >&2; \
	    echo "Install it with: sudo apt-get install -y postfix" >&2; \
	    exit 1; \
	  fi; \
	fi

HTML_VALIDATE := tools/html-validate

## html-validate: the pinned html-validate (package-lock.json) that validates every email and archive page
html-validate: $(HTML_VALIDATE)/node_modules/.installed

$(HTML_VALIDATE)/node_modules/.installed: $(HTML_VALIDATE)/package.json $(HTML_VALIDATE)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the HTML validation tests need Node.js 20.19+ and npm." >&2; exit 1; }
	cd $(HTML_VALIDATE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

AXE_CORE := tools/axe-core

## axe-core: the pinned axe-core (package-lock.json) that the browser tests run on every page they visit
axe-core: $(AXE_CORE)/node_modules/.installed

$(AXE_CORE)/node_modules/.installed: $(AXE_CORE)/package.json $(AXE_CORE)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the browser tests' accessibility checks need Node.js 20.19+ and npm." >&2; exit 1; }
	cd $(AXE_CORE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## test: install what the tests need and run them all (browser, accessibility, mailbox, spam-score, HTML validation and smtp-sink benchmark tests included)
test: install-test chromium dovecot spamassassin postfix html-validate axe-core
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

## lint: ruff (lint and format check), then mypy over src and tests (pyproject's [tool.mypy])
lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src tests

## bench: the delivery benchmark (figures as JSON lines; not part of `make test`)
bench: install
	$(BIN)/python bench/fanout.py $(BENCH_SIZES)

format: install-test
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache .mypy_cache
