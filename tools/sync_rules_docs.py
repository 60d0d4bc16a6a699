"""Rewrite the README's rules table and docs/rules.md from the rule catalogue.

Run after adding or changing a rule: ``python tools/sync_rules_docs.py``. The tests in
tests/test_catalogue.py fail while either is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's archivekit, not whichever one is installed

from archivekit.catalogue import markdown_table, rules_page  # noqa: E402


def main() -> None:
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    start = readme.index("\n", readme.index("<!-- rules-table")) + 1
    end = readme.index("<!-- /rules-table -->")
    readme_path.write_text(readme[:start] + markdown_table() + readme[end:], encoding="utf-8")
    (ROOT / "docs" / "rules.md").write_text(rules_page(), encoding="utf-8")


if __name__ == "__main__":
    main()
