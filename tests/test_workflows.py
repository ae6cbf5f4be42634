"""The CI workflow files pass their schemas (check-jsonschema's builtin ones,
which ship inside the package), checked without the network: any download
would go to a proxy on a closed loopback port and fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GITHUB = "vendor.github-workflows"
GITLAB = "vendor.gitlab-ci"
WORKFLOWS = [(GITHUB, path) for path in sorted((REPO / ".github" / "workflows").glob("*.yml"))]
WORKFLOWS.append((GITLAB, REPO / ".gitlab-ci.yml"))
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens there


def check(schema: str, path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    options = ["--builtin-schema", schema]
    if schema == GITLAB:
        options += ["--data-transform", "gitlab-ci"]  # GitLab's !reference tags
    offline = {"HTTP_PROXY": CLOSED, "HTTPS_PROXY": CLOSED, "http_proxy": CLOSED, "https_proxy": CLOSED,
               "NO_PROXY": "", "no_proxy": "", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "check_jsonschema", *options, str(path)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **offline})


def test_there_are_workflows_for_both_ci_services():
    assert [schema for schema, _ in WORKFLOWS].count(GITHUB) >= 1
    assert (REPO / ".gitlab-ci.yml").is_file()


@pytest.mark.parametrize(("schema", "path"), WORKFLOWS, ids=[str(p.relative_to(REPO)) for _, p in WORKFLOWS])
def test_each_workflow_file_passes_its_schema(schema, path, tmp_path):
    proc = check(schema, path, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "validation done" in proc.stdout


@pytest.mark.parametrize(("schema", "path", "good", "bad"), [
    (GITHUB, REPO / ".github" / "workflows" / "pages.yml", "runs-on:", "runs_on:"),
    (GITHUB, REPO / ".github" / "workflows" / "pages.yml", "steps:", "step:"),
    (GITLAB, REPO / ".gitlab-ci.yml", "  script:", "  scripts:"),
    (GITLAB, REPO / ".gitlab-ci.yml", "stages:", "stage:"),
], ids=["github-runs_on", "github-step", "gitlab-scripts", "gitlab-stage"])
def test_a_misspelt_key_fails_the_check(schema, path, good, bad, tmp_path):
    text = path.read_text(encoding="utf-8")
    assert good in text
    broken = tmp_path / path.name
    broken.write_text(text.replace(good, bad, 1), encoding="utf-8")
    proc = check(schema, broken, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Schema validation errors" in proc.stdout + proc.stderr


def test_the_check_would_notice_a_download(tmp_path):
    """The offline setting works: a schema that must be fetched is not."""
    workflow = REPO / ".github" / "workflows" / "pages.yml"
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                           "https://json.schemastore.org/github-workflow.json", str(workflow)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HTTPS_PROXY": CLOSED, "https_proxy": CLOSED, "NO_PROXY": "",
                               "no_proxy": "", "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode != 0
    assert "validation done" not in proc.stdout
