"""Code blocks have a copy button (sphinx-copybutton): it copies the code, not
the prompt or the output, and works with the keyboard."""

from __future__ import annotations

import pytest

POST = "posts/2019/ceph-block-storage-for-cinder.html"


@pytest.fixture(scope="module")
def origin(site, serve_dir):
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


def test_a_code_block_has_a_button_that_copies_its_code(origin, new_page, browser):
    page, watch = new_page(origin)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.goto(f"{origin}/{POST}")
    block = page.locator("div.highlight").first
    code = block.locator("pre").inner_text()
    # Found by its role and accessible name, as a screen reader finds it.
    button = block.get_by_role("button", name="Copy to clipboard")
    assert button.count() == 1
    button.focus()  # reachable without a mouse
    page.keyboard.press("Enter")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == code.strip() and copied.strip()
    assert watch.errors == [] and watch.foreign_requests == []
