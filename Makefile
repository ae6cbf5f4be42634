# One obvious way to run everything. `make html` and `make test` set up the
# local virtual environment (.venv) themselves on first use.

# Two supported stacks: Python 3.11 with Sphinx 9.0.4 (pins: constraints.txt) and
# Python 3.13 with Sphinx 9.2.0 (pins: constraints-3.13.txt). The interpreter picks
# the pins and the environment: `make test PYTHON=python3.13` uses .venv-3.13.
PYTHON ?= python3
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
CONSTRAINTS := $(if $(filter 3.11 3.12,$(PYTHON_VERSION)),constraints.txt,constraints-3.13.txt)
VENV := $(if $(filter 3.11,$(PYTHON_VERSION)),.venv,.venv-$(PYTHON_VERSION))
BIN := $(VENV)/bin
SPHINXOPTS ?= -W --keep-going
BUILDDIR := _build
HOST ?= 127.0.0.1
PORT ?= 8000
COMMENTS_PORT ?= 8001
# The comment server's own environment: Isso needs a C compiler (misaka), the site does not.
COMMENTS_PYTHON ?= python3
COMMENTS_VENV := .venv-comments
COMMENTS_BIN := $(COMMENTS_VENV)/bin

.PHONY: html serve prod-preview comments comments-env comments-backup comments-restore screenshots vendor-bootstrap page-weight check new import-blogger bench-import bench-build bench-check bench-related bench-production bench-search bench-pages test test-env test-fast clean distclean

# The environment, and which Python made it: an environment another Python made
# (a VENV= given with another PYTHON=) is made anew, never reused.
$(VENV)/.python-$(PYTHON_VERSION):
	@test -n "$(PYTHON_VERSION)" || { $(PYTHON) --version; \
		echo "make: '$(PYTHON)' does not run: install Python 3.11 or 3.13, or give PYTHON=/path/to/python3.x" >&2; exit 1; }
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$(PYTHON_VERSION)" ]; then \
		echo "$(VENV) was made by another Python than $(PYTHON) ($(PYTHON_VERSION)): making it anew"; rm -rf $(VENV); fi
	test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip; }
	touch $@

# Reinstall only when the pins or the environment change.
$(VENV)/.site-installed: requirements.txt $(CONSTRAINTS) $(VENV)/.python-$(PYTHON_VERSION)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c $(CONSTRAINTS)
	touch $@

$(COMMENTS_BIN)/python:
	$(COMMENTS_PYTHON) -m venv $(COMMENTS_VENV)
	$(COMMENTS_BIN)/python -m pip install --quiet --upgrade pip

$(COMMENTS_VENV)/.installed: comments/requirements.txt comments/constraints.txt | $(COMMENTS_BIN)/python
	$(COMMENTS_BIN)/python -m pip install --quiet -r comments/requirements.txt -c comments/constraints.txt
	touch $@

## comments-env: the comment server's own environment, .venv-comments (needs gcc: Isso's misaka is compiled)
comments-env: $(COMMENTS_VENV)/.installed

$(VENV)/.test-installed: requirements-test.txt $(CONSTRAINTS) $(VENV)/.site-installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt -c $(CONSTRAINTS)
	touch $@

## html: build the site into _build/html, warnings are errors
html: $(VENV)/.site-installed
	$(BIN)/sphinx-build -b html $(SPHINXOPTS) . $(BUILDDIR)/html

## serve: live preview on http://127.0.0.1:8000 (drafts shown) with a local comment server on :8001
serve: $(VENV)/.site-installed comments-env
	$(BIN)/python -m techblog serve --host $(HOST) --port $(PORT) --comments-port $(COMMENTS_PORT) \
		--builddir $(BUILDDIR)/preview

## prod-preview: the built site as in production: nginx with deploy/nginx/ on http://127.0.0.1:8080/techblog/, Isso with moderation [PORT=8080]
prod-preview: PORT = 8080
prod-preview: COMMENTS_PORT = 8081
prod-preview: html comments-env
	$(BIN)/python -m techblog.tools.prod_preview --port $(PORT) --comments-port $(COMMENTS_PORT) --html $(BUILDDIR)/html

## comments: the Isso comment server alone, with production settings (comments/isso.cfg)
comments: comments-env
	$(COMMENTS_BIN)/python -m techblog.tools.comment_server $(ARGS)

## comments-backup: copy the comment database safely while Isso runs: make comments-backup DEST=/backups/ [DB=/var/lib/techblog-comments/comments.db] [ARGS="--keep 14"]
# Standard library only: any python3 runs these two, no environment needed.
comments-backup:
	$(if $(DEST),,$(error DEST=file-or-folder is required))
	$(PYTHON) -m techblog.tools.comment_backup backup $(if $(DB),--db "$(DB)") $(ARGS) "$(DEST)"

## comments-restore: put a backup back, keeping the current database (stop the server first): make comments-restore SRC=/backups/comments-20261201T031700Z.db [DB=...]
comments-restore:
	$(if $(SRC),,$(error SRC=backup-file is required))
	$(PYTHON) -m techblog.tools.comment_backup restore $(if $(DB),--db "$(DB)") "$(SRC)"

## check: check posts' front matter without building (all posts, or FILES="posts/2024/a.md ...")
check: $(VENV)/.site-installed
	$(BIN)/python -m techblog check $(FILES)

## new: start a draft post: make new TITLE="My post" AUTHOR=alice CATEGORY=operations [TAGS="ceph, rbd"] [SERIES=key] [DATE=2026-12-01]
new: $(VENV)/.site-installed
	$(BIN)/python -m techblog new "$(TITLE)" \
		$(if $(AUTHOR),--author "$(AUTHOR)") $(if $(CATEGORY),--category "$(CATEGORY)") \
		$(if $(TAGS),--tags "$(TAGS)") $(if $(SERIES),--series "$(SERIES)") $(if $(DATE),--date "$(DATE)")

## import-blogger: import the old blog: make import-blogger EXPORT=legacy/_export/blog-11-24-2026.xml [ARGS="--dry-run"]
EXPORT ?= legacy/_export/blog-11-24-2026.xml
import-blogger: $(VENV)/.site-installed
	$(BIN)/python -m techblog import-blogger "$(EXPORT)" $(if $(filter legacy/_export/blog-11-24-2026.xml,$(EXPORT)),--images download --images-from legacy/_export/images) $(ARGS)

## bench-import: time the importer on a generated 2,000-post, 10,000-comment export
bench-import: $(VENV)/.site-installed
	$(BIN)/python bench/import_blogger.py

## bench-build: time clean, no-op and incremental builds of generated 100- and 1,000-post sites, and Pelican [ARGS="--sizes 10000 --jobs auto"]
bench-build: $(VENV)/.site-installed
	$(BIN)/python bench/build_speed.py $(ARGS)

## bench-production: 60 s of readers and comment posts through nginx and Isso (deploy/), Isso killed and restarted, a backup restored [ARGS="--seconds 60 --readers 16"]
bench-production: $(VENV)/.test-installed comments-env
	$(BIN)/python bench/production_load.py $(ARGS)

## bench-related: time choosing every post's related posts at 100 and 1,000 posts (target < 0.5 s at 1,000) [ARGS="--sizes 100 1000 5000"]
bench-related: $(VENV)/.site-installed
	$(BIN)/python bench/related_posts.py $(ARGS)

## bench-search: bytes one search fetches (Chromium, sizes as sent with gzip) on generated 100- and 1,000-post sites [ARGS="--sizes 100 1000 --query 'ceph upgrade'"]
bench-search: $(VENV)/.test-installed
	$(BIN)/python bench/search_bytes.py $(ARGS)

.PHONY: bench-serve
## bench-serve: edit-to-reload in `make serve` (save a post, Chromium shows the change) on generated 100- and 1,000-post sites [ARGS="--sizes 100 --edits 5"]
bench-serve: $(VENV)/.test-installed comments-env
	$(BIN)/python bench/serve_reload.py $(ARGS)

## bench-check: time `python -m techblog check` on the real site and a generated 1,000-post one [ARGS="--sizes 100 1000 --repeat 5"]
bench-check: $(VENV)/.site-installed
	$(BIN)/python bench/check_speed.py $(ARGS)

## bench-pages: Lighthouse 12.2.3 (mobile) scores and first-visit bytes of home, a post and a tag page, behind nginx with gzip (deploy/nginx/) [ARGS="--pages about.html"]
LIGHTHOUSE := bench/lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE): bench/lighthouse/package.json bench/lighthouse/package-lock.json
	npm ci --prefix bench/lighthouse --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

bench-pages: $(VENV)/.test-installed $(LIGHTHOUSE) comments-env
	$(BIN)/python bench/lighthouse_pages.py $(ARGS)

# axe-core, which the browser tests inject into pages (pinned in its lock file).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

## screenshots: the README's pictures (home page and a post, light and dark) into screenshots/
screenshots: $(VENV)/.test-installed
	$(BIN)/python tests/browser/screenshots.py

## vendor-bootstrap: rebuild _static/vendor/bootstrap/ (Bootstrap's Tooltip and Dropdown) from assets/bootstrap/ with esbuild (pinned in its lock file)
vendor-bootstrap:
	npm ci --prefix assets/bootstrap --no-audit --no-fund --ignore-scripts --loglevel=error
	npm run --prefix assets/bootstrap --silent build

## page-weight: bytes a first visit to a post fetches (HTML, CSS, JS, fonts, images) [ARGS="--posts 1000 -D techblog_trim_assets=0"]
page-weight: $(VENV)/.test-installed
	$(BIN)/python bench/page_weight.py $(ARGS)

## test: run the test suite (includes a full -W build of the site and browser tests in Chromium) [PYTEST_ARGS='-m "not browser"']
test: test-env
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-env: what `make test` needs, made and nothing run (the site's and tests' packages, axe-core, the comment server's environment)
test-env: $(VENV)/.test-installed $(AXE) comments-env

## test-fast: the tests that take seconds, not minutes (no browser, nothing marked slow)
test-fast: $(VENV)/.test-installed
	$(BIN)/python -m pytest -m "not browser and not slow"

clean:
	rm -rf $(BUILDDIR)

distclean: clean
	rm -rf .venv .venv-3.* $(VENV) $(COMMENTS_VENV)
