"""``summary.json``: the totals of an ``archive`` run and the outputs it wrote."""

from __future__ import annotations

from pathlib import Path

from archivekit import __version__
from archivekit.report.base import Summary


def summary_dict(s: Summary, outcome, out: Path) -> dict:
    """The content of ``summary.json`` (``outcome``: the run's ArchiveOutcome)."""
    return {
        "software": f"archivekit/{__version__}",
        "articles": s.articles, "valid": s.valid, "failed": s.failed_articles,
        "errors": s.errors, "warnings": s.warnings, "by_rule": dict(sorted(s.by_rule.items())),
        "exported": outcome.exported, "skipped": outcome.skipped,
        "input_errors": s.input_errors,
        "outputs": {
            "warc": [str(p.relative_to(out)) for p in outcome.warc_files],
            "jsonld": str(outcome.jsonld_dir.relative_to(out)) if outcome.jsonld_dir else None,
            "wacz": outcome.wacz_file.name if outcome.wacz_file else None,
            "bag": outcome.bag_dir.name if outcome.bag_dir else None,
            "report": "report.jsonl",
            "report_html": "report.html",
        },
    }
