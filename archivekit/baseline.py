"""Baselines: findings accepted on an old collection, reported as known, not failing.

A CI gate can then be adopted on an existing dump and tightened later: only new
findings fail. An entry is keyed on where the article is, the rule and the JSON
pointer; the same key may be recorded several times (it is a multiset). For an
article read from a WARC the place is ``file.warc.gz#<target URI>`` rather than
the record's byte offset, which changes whenever the WARC is rewritten.

The file is JSON, sorted, so it diffs well under version control::

    {"archivekit_baseline": 1,
     "findings": [{"path": "dump/a.html", "rule": "image.credit.missing",
                   "pointer": "/images/0/credit", "count": 1}, ...]}
"""

from __future__ import annotations

import json
import os
from collections import Counter

from archivekit.atomic import write_text
from archivekit.errors import InputError
from archivekit.jsonfile import read_json
from archivekit.locations import parse_location
from archivekit.record import Finding, Result

FORMAT_VERSION = 1
Key = tuple[str, str, str]


class BaselineError(InputError, ValueError):
    """A baseline file that cannot be read or is not an archivekit baseline."""


def place(result: Result) -> str:
    location = parse_location(result.path)
    if location is not None and result.uri:
        return f"{location.file}#{result.uri}"
    return result.path


def key(result: Result, finding: Finding) -> Key:
    return (place(result), finding.rule, finding.pointer)


class Baseline:
    def __init__(self, entries: Counter | None = None):
        self.entries: Counter = entries if entries is not None else Counter()

    @classmethod
    def load(cls, path: str | os.PathLike) -> Baseline:
        data = read_json(path, "baseline", BaselineError)
        if not isinstance(data, dict) or data.get("archivekit_baseline") != FORMAT_VERSION:
            raise BaselineError(f"{path}: not an archivekit baseline (version {FORMAT_VERSION})")
        entries: Counter = Counter()
        try:
            for item in data["findings"]:
                entries[(item["path"], item["rule"], item.get("pointer", ""))] += int(item.get("count", 1))
        except (KeyError, TypeError, ValueError) as exc:
            raise BaselineError(f"{path}: malformed baseline entry ({exc})") from None
        return cls(entries)

    def apply(self, result: Result) -> Result:
        """Move the findings this baseline records from ``findings`` to ``known``."""
        remaining = Counter()
        fresh: list[Finding] = []
        for finding in result.findings:
            k = key(result, finding)
            if self.entries[k] - remaining[k] > 0:
                remaining[k] += 1
                result.known.append(finding)
            else:
                fresh.append(finding)
        result.findings = fresh
        return result

    def record(self, result: Result) -> None:
        for finding in [*result.known, *result.findings]:
            self.entries[key(result, finding)] += 1

    def write(self, path: str | os.PathLike) -> None:
        """Write atomically: a temporary file beside the target, renamed when complete."""
        items = [{"path": p, "rule": r, "pointer": ptr, "count": n}
                 for (p, r, ptr), n in sorted(self.entries.items()) if n > 0]
        text = json.dumps({"archivekit_baseline": FORMAT_VERSION, "findings": items},
                          indent=1, ensure_ascii=False) + "\n"
        write_text(path, text)


def apply_baseline(results, baseline: Baseline | None = None, writer: Baseline | None = None):
    """Pass results through, marking known findings and recording for a new baseline.

    With ``writer`` every finding is recorded and, since the new baseline will hold
    it, reported as known too: a run with ``--write-baseline`` passes.
    """
    for result in results:
        if baseline is not None:
            baseline.apply(result)
        if writer is not None:
            writer.record(result)
            result.known.extend(result.findings)
            result.findings = []
        yield result
