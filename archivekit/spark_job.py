"""``check`` on Apache Spark, for collections beyond one machine (extra ``archivekit[spark]``).

The shape of Common Crawl's cc-pyspark: a text file lists the inputs (one per line:
a WARC file, a page file or a directory, as a local path or as a URL that fsspec
reads: ``s3a://``, ``hdfs://``, ``gs://``, ``file://``...), the list is cut into partitions, each
partition is mapped with the same per-article code as the local pool
(:func:`archivekit.checker.check_one`), and each partition writes one NDJSON file of
results (``DIR/results/part-NNNNN``, the objects of ``check --format json``) and, with
``warc=True``, one WARC of its articles (``DIR/warc/part-NNNNN/``, written by the same
:class:`archivekit.archive.Archiver` as ``archivekit export --warc``).
Accumulators count articles, findings, failing articles and unreadable inputs; the
counts are written to ``DIR/counters.json`` when the job ends.

Runs in ``local[*]`` with no cluster, or under ``spark-submit`` (see docs/scale.md).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from archivekit.atomic import write_text
from archivekit.checker import Checker, CheckerRecipe, check_one
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES
from archivekit.report.jsonl import result_line
from archivekit.sources import (
    SourceError,
    collect_paths,
    expand_url,
    is_url,
    is_warc_name,
    read_documents,
    read_url,
)


class SparkJobError(RuntimeError):
    """The job cannot start: pyspark or Java missing, output already there, bad input list."""


@dataclass
class SparkCounts:
    articles: int = 0
    findings: int = 0
    failures: int = 0  # articles with findings of severity error
    input_errors: int = 0  # list entries or records that could not be read at all
    partitions: int = 0


def read_input_list(input_list: str, *, expand_dirs: bool = True) -> list[str]:
    """The entries of a local input list; directories (paths or URLs) become their files.

    Blank lines and lines starting with ``#`` are skipped. Expanding directories in
    the driver spreads a directory of pages over every partition; WARC files stay
    one entry each (one partition reads one WARC, as in cc-pyspark).
    """
    try:
        lines = Path(input_list).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SparkJobError(f"{input_list}: cannot read input list: {exc.strerror or exc}") from None
    entries = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not expand_dirs:
        return entries
    out: list[str] = []
    for entry in entries:
        if is_url(entry):
            out.extend(expand_url(entry))
        elif os.path.isdir(entry):
            out.extend(p for p in collect_paths([entry], on_error=lambda _e: None)
                       if isinstance(p, str))
        else:
            out.append(entry)
    return out


def check_partition(entries: Iterable[str], recipe: CheckerRecipe, counters=None, *,
                    warc_dir: str | None = None, index: int = 0) -> Iterator[str]:
    """Check every article of a partition's entries; yields NDJSON lines.

    With ``warc_dir``, the partition's articles also go into one WARC under
    ``warc_dir/part-NNNNN/`` (the result lines then carry export's fingerprints).
    Plain Python (no Spark), so the tests and the local pool can call it too.
    """
    checker = recipe.build()
    archiver = _partition_archiver(warc_dir, index, checker) if warc_dir else None
    for entry in entries:
        errors: list[str] = []
        if is_url(entry):
            documents = read_url(entry, max_page_bytes=checker.max_page_bytes)
        else:
            paths = collect_paths([entry], on_error=lambda exc, note=errors.append: note(str(exc)))
            documents = read_documents(paths, max_page_bytes=checker.max_page_bytes)
        for document in documents:
            result = archiver.process(document) if archiver else check_one(document, checker)
            if counters is not None:
                counters.articles.add(1)
                counters.findings.add(len(result.findings))
                counters.failures.add(0 if result.valid else 1)
                counters.input_errors.add(1 if result.io_error else 0)
            yield result_line(result)
        for message in errors:
            if counters is not None:
                counters.input_errors.add(1)
            yield json.dumps({"path": entry, "input_error": message}, ensure_ascii=False)
    if archiver is not None:
        archiver.finish()  # the WARC is renamed to its final name only now


def _partition_archiver(warc_dir: str, index: int, checker: Checker):
    from archivekit.archive import Archiver, ArchiveSettings
    from archivekit.export.warc import WarcOptions

    name = f"part-{index:05d}"
    settings = ArchiveSettings(out_dir=Path(warc_dir) / name, warc=True, jsonld=False,
                               report=False, warc_options=WarcOptions(prefix=f"archivekit-{name}"))
    return Archiver(settings, checker)


@dataclass
class _Accumulators:
    articles: object
    findings: object
    failures: object
    input_errors: object


def run_spark_job(input_list: str, output_dir: str, *, master: str | None = None,
                  partitions: int | None = None, checker: Checker | None = None,
                  app_name: str = "archivekit-check", log_level: str = "WARN",
                  console_progress: bool = True, warc: bool = False) -> SparkCounts:
    """Run ``check`` over the inputs listed in ``input_list``; results under ``output_dir``
    (and one WARC per partition under ``output_dir/warc`` with ``warc``)."""
    checker = checker or Checker(max_page_bytes=DEFAULT_MAX_PAGE_BYTES)
    out = Path(output_dir)
    results_dir = out / "results"
    if results_dir.exists():
        raise SparkJobError(f"{results_dir} already exists; choose another -o or remove it")
    entries = read_input_list(input_list)
    if not entries:
        raise SparkJobError(f"{input_list}: lists no inputs")
    # Executors must run this interpreter to find archivekit and its dependencies.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    try:
        from pyspark import SparkConf, SparkContext
    except ImportError:
        raise SparkJobError("pyspark is not installed: pip install 'archivekit[spark]'") from None

    conf = SparkConf().setAppName(app_name)
    if master:
        conf.setMaster(master)
    elif not conf.contains("spark.master"):
        conf.setMaster("local[*]")  # not under spark-submit: no cluster
    conf.set("spark.ui.enabled", "false")
    conf.set("spark.ui.showConsoleProgress", "true" if console_progress and sys.stderr.isatty() else "false")
    try:
        sc = SparkContext.getOrCreate(conf)
    except Exception as exc:  # Java missing or the JVM failed to start
        raise SparkJobError(f"cannot start Spark: {str(exc).strip().splitlines()[0][:300]}") from None
    try:
        sc.setLogLevel(log_level)
        acc = _Accumulators(sc.accumulator(0), sc.accumulator(0), sc.accumulator(0),
                            sc.accumulator(0))
        slices = partitions or max(1, min(len(entries), sc.defaultParallelism * 4))
        # A WARC is worth many pages: give each WARC file a partition of its own first.
        warcs = sum(is_warc_name(e) for e in entries)
        slices = max(slices, min(warcs, len(entries))) if partitions is None else slices
        recipe = CheckerRecipe.of(checker)
        warc_dir = str((out / "warc").resolve()) if warc else None
        rdd = sc.parallelize(entries, slices).mapPartitionsWithIndex(
            lambda index, part: check_partition(part, recipe, acc, warc_dir=warc_dir, index=index))
        out.mkdir(parents=True, exist_ok=True)
        rdd.saveAsTextFile(str(results_dir))
        counts = SparkCounts(acc.articles.value, acc.findings.value, acc.failures.value,
                             acc.input_errors.value, rdd.getNumPartitions())
    finally:
        sc.stop()
    write_text(out / "counters.json", json.dumps(asdict(counts), indent=1) + "\n")
    return counts


def read_results(output_dir: str) -> Iterator[dict]:
    """Every result object a job wrote under ``output_dir/results``."""
    for part in sorted((Path(output_dir) / "results").glob("part-*")):
        with open(part, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)




def main(argv: list[str] | None = None) -> None:
    """Entry point for ``spark-submit .../archivekit/spark_job.py INPUT_LIST -o DIR``."""
    from archivekit.cli import app

    app(args=["spark-job", *(sys.argv[1:] if argv is None else argv)], prog_name="archivekit")


if __name__ == "__main__":
    main()


__all__ = ["SourceError", "SparkCounts", "SparkJobError", "check_partition", "read_input_list",
           "read_results", "run_spark_job"]
