# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := FLASK_APP=oversight $(VENV)/bin/flask
PYTEST_ARGS ?=

.PHONY: run test install install-test debian-packages fonts lint bench

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages the tests use: Chromium for the browser tests (Playwright drives it; it never downloads a
# browser), LibreOffice and poppler to prove generated contracts open and convert to PDF, Japanese fonts.
debian-packages:
	@command -v chromium >/dev/null 2>&1 && command -v libreoffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium libreoffice-writer-nogui poppler-utils fonts-ipaexfont fonts-noto-cjk >/dev/null; }

# The fonts the receipt PDF embeds: IPAexGothic (without it a receipt is refused with 503, the app runs on), Noto
# Sans CJK and DejaVu Sans for the characters IPAex lacks (𠮷, emoji; without them: printed as 〈U+20BB7〉).
FONT_FILES := /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
	/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
fonts:
	@ls $(FONT_FILES) >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    fonts-ipaexfont fonts-noto-cjk fonts-dejavu-core >/dev/null; } || \
	  echo "warning: could not install fonts-ipaexfont fonts-noto-cjk fonts-dejavu-core: receipt PDFs need them" >&2

# The web server, ONE clock (`flask scheduler`) and the background worker (`flask worker`, its queue a SQLite file in
# instance/) side by side, all stopped by Ctrl-C (oversight/launcher.py).
HOST ?= 127.0.0.1
PORT ?= 5000
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: install fonts
	$(FLASK) db upgrade
	$(FLASK) load-demo --if-empty
	$(FLASK) run-demo --host $(HOST) --port $(PORT)

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (.ci/run sets it). The job tests run a real worker on
# the SQLite queue, and on Redis too when one answers (TEST_REDIS_URL, set by .ci/run, makes it required).
test: install-test debian-packages fonts
	env -u TEST_DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "=== again on PostgreSQL ==="; $(PY) -m pytest $(PYTEST_ARGS); fi

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test
	$(PY) -m bench
