"""README statements held to behaviour: the JSON example, the profile order, the formats,
the rules listed, and "every verb has --help with examples" (tests/test_cli_habits.py)."""

from __future__ import annotations

import json
import re

from conftest import FIXTURES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_json_example_is_what_check_prints(run_cli):
    block = re.search(r"Each JSON result.*?```json\n(.*?)```", README, re.S).group(1)
    path = re.search(r'"path": "([^"]+)"', block).group(1)
    proc = run_cli("check", path, "-f", "json", cwd=ROOT)
    result = json.loads(proc.stdout)
    assert f'"valid": {json.dumps(result["valid"])}' in block
    assert f'"profile": "{result["profile"]}"' in block
    finding = result["findings"][0]
    for key in ("rule", "severity", "message", "pointer"):
        assert f'"{key}": "{finding[key]}"' in block, key
    assert f'"line": {finding["line"]}' in block


def test_profile_flag_wins_over_url_and_banner(run_cli):
    assert "`--profile ID` forces" in README and "wins over everything" in README
    page = FIXTURES / "html" / "au-2018-valid.html"
    picked = json.loads(run_cli("check", page, "-f", "json").stdout)
    forced = json.loads(run_cli("check", page, "-f", "json", "--profile", "huffpost-ca").stdout)
    assert (picked["profile"], forced["profile"]) == ("huffpost-au", "huffpost-ca")


def test_every_format_is_in_the_readme():
    from archivekit.report import FORMATS

    for name in FORMATS:
        assert f"`{name}`" in README, name


def test_warc_truncated_is_listed_everywhere(run_cli):
    assert "| `warc.truncated` |" in README
    assert re.search(r"^warc\.truncated\s+error", run_cli("schema", "--rules").stdout, re.M)
