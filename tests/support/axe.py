"""Checking a page in a real browser with the project's pinned axe-core (tools/axe-core).

The pages' content security policy allows only their own scripts, so axe is not added
with a <script> tag: its source is evaluated through Playwright, which the policy does
not govern, and then `axe.run` checks the document as the browser laid it out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

TOOL = Path(__file__).resolve().parents[2] / "tools" / "axe-core"
SOURCE = TOOL / "node_modules" / "axe-core" / "axe.min.js"

# The rules the desk and reader pages are held to: WCAG 2.x A and AA, and axe's own
# best practices (landmarks, one main, heading order, region).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


@cache
def _source() -> str:
    assert SOURCE.exists(), "make axe-core installs it (npm ci in tools/axe-core)"
    return SOURCE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands (empty when there are none)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found: list[dict[str, Any]] = page.evaluate(_RUN, TAGS)
    return found


def describe(found: list[dict[str, Any]]) -> str:
    """The violations as lines a person can act on: rule, impact, help, then each element."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation on the page; the failure lists every one found."""
    found = violations(page)
    assert found == [], f"axe-core violations on {page.url}:\n{describe(found)}"
