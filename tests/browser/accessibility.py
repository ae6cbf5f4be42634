"""axe-core run in a page: one way for every browser test.

Serious and critical violations, and two moderate rules about headings that
every page of the blog keeps (Lighthouse counts heading-order): screen reader
users move by headings; one that skips a level leaves them wondering what
they missed, a page without an h1 where its content starts.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
MODERATE_RULES = ["heading-order", "page-has-heading-one"]


def axe_violations(page) -> list[dict]:
    assert AXE.is_file(), "axe-core is missing: make test installs it (npm ci --prefix tests/browser)"
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (moderate) => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations
            .filter(v => v.impact === "serious" || v.impact === "critical" || moderate.includes(v.id))
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
    }""", MODERATE_RULES)
