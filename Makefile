# One obvious way to run everything. `make html` and `make test` set up the
# local virtual environment (.venv) themselves on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SPHINXOPTS ?= -W --keep-going
BUILDDIR := _build
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: html serve check new import-blogger bench-import test clean distclean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the pins change.
$(VENV)/.site-installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt constraints.txt $(VENV)/.site-installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt -c constraints.txt
	touch $@

## html: build the site into _build/html, warnings are errors
html: $(VENV)/.site-installed
	$(BIN)/sphinx-build -b html $(SPHINXOPTS) . $(BUILDDIR)/html

## serve: live-reloading preview on http://127.0.0.1:8000, drafts shown
serve: $(VENV)/.site-installed
	$(BIN)/sphinx-autobuild -b html --host $(HOST) --port $(PORT) \
		--ignore "$(BUILDDIR)/*" --ignore "$(VENV)/*" --ignore "tests/*" \
		-D techblog_show_drafts=1 . $(BUILDDIR)/preview

## check: check posts' front matter without building (all posts, or FILES="posts/2024/a.md ...")
check: $(VENV)/.site-installed
	$(BIN)/python -m techblog check $(FILES)

## new: start a draft post: make new TITLE="My post" AUTHOR=alice CATEGORY=operations [TAGS="ceph, rbd"] [DATE=2026-12-01]
new: $(VENV)/.site-installed
	$(BIN)/python -m techblog new "$(TITLE)" \
		$(if $(AUTHOR),--author "$(AUTHOR)") $(if $(CATEGORY),--category "$(CATEGORY)") \
		$(if $(TAGS),--tags "$(TAGS)") $(if $(DATE),--date "$(DATE)")

## import-blogger: import the old blog: make import-blogger EXPORT=legacy/_export/blog-11-24-2026.xml [ARGS="--dry-run"]
EXPORT ?= legacy/_export/blog-11-24-2026.xml
import-blogger: $(VENV)/.site-installed
	$(BIN)/python -m techblog import-blogger "$(EXPORT)" $(ARGS)

## bench-import: time the importer on a generated 2,000-post, 10,000-comment export
bench-import: $(VENV)/.site-installed
	$(BIN)/python bench/import_blogger.py

## test: run the test suite (includes a full -W build of the site)
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

clean:
	rm -rf $(BUILDDIR)

distclean: clean
	rm -rf $(VENV)
