"""``check`` on Apache Spark, for collections beyond one machine (extra ``archivekit[spark]``).

The shape of Common Crawl's cc-pyspark: a text file lists the inputs (one per line:
a WARC file, a page file or a directory, as a local path or as a URL that fsspec
reads: ``s3://``, ``s3a://``, ``gs://``, ``hdfs://``, ``file://``...), the list is cut into
partitions, each partition is mapped with the same per-article code as the local pool
(:func:`archivekit.checker.check_one`), and each partition writes one NDJSON file of
results (``DIR/results/part-NNNNN``, the objects of ``check --format json``) and, with
``warc=True``, one WARC of its articles (``DIR/warc/part-NNNNN/``, written by the same
:class:`archivekit.archive.Archiver` as ``archivekit export --warc``). ``DIR`` is a local
directory (on storage every executor sees) or a URL (``s3://bucket/out``): the executors
write their files there themselves, through fsspec, so no Hadoop connector is needed.

Each partition returns its counts and where it ran; the driver adds them up into
``DIR/counters.json`` (exact: a retried task's counts are not added twice) and lists
the partitions in ``DIR/partitions.jsonl``.

Runs in ``local[*]`` with no cluster, or under ``spark-submit`` (see docs/spark.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archivekit.atomic import write_text
from archivekit.checker import Checker, CheckerRecipe, check_one
from archivekit.errors import InputError
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES
from archivekit.record import Document
from archivekit.report.jsonl import result_line
from archivekit.runner import DEFAULT_CHUNK, document_batches
from archivekit.sources import (
    SourceError,
    collect_paths,
    expand_url,
    is_url,
    is_warc_name,
    read_documents,
    read_url,
)


class SparkJobError(InputError, RuntimeError):
    """The job cannot start or finish: pyspark or Java missing, output already there or
    not writable, bad input list, a partition that could not write its files."""


@dataclass
class SparkCounts:
    articles: int = 0
    findings: int = 0
    failures: int = 0  # articles with findings of severity error
    input_errors: int = 0  # list entries or records that could not be read at all
    partitions: int = 0

    def add(self, other: SparkCounts) -> None:
        self.articles += other.articles
        self.findings += other.findings
        self.failures += other.failures
        self.input_errors += other.input_errors
        self.partitions += other.partitions


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


# --- object-store settings ---------------------------------------------------------------

def parse_storage_options(items: Iterable[str] | None) -> dict[str, dict]:
    """``["s3.endpoint_url=http://...", 's3.config_kwargs={"retries": ...}']`` ->
    ``{"s3": {"endpoint_url": ..., "config_kwargs": {...}}}``. A value that reads as JSON
    (a number, ``true``, an object) is taken as JSON, anything else as a string."""
    options: dict[str, dict] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        protocol, dot, name = key.strip().partition(".")
        if not sep or not dot or not protocol or not name:
            raise SparkJobError(f"--storage-option {item!r}: expected PROTOCOL.KEY=VALUE, "
                                "e.g. s3.endpoint_url=http://127.0.0.1:9000")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        options.setdefault(protocol.lower(), {})[name] = parsed
    return options


def apply_storage_options(options: dict[str, dict] | None) -> None:
    """Make ``options`` fsspec's configuration in this process (driver or executor), so
    every URL of a protocol is opened with them (fsspec also reads ``FSSPEC_S3_...``
    environment variables and its config files by itself)."""
    if not options:
        return
    import fsspec.config

    for protocol, values in options.items():
        fsspec.config.conf.setdefault(protocol, {}).update(values)


# --- the output directory: a local path or a URL ---------------------------------------

class OutputDir:
    """Where the job writes: a local directory (made absolute, so executors whose working
    directory differs find it) or a URL written through fsspec. Pickles as its name."""

    def __init__(self, location: str):
        self.url = is_url(location)
        self.location = location.rstrip("/") if self.url else str(Path(location).resolve())
        self._fs = None

    def __getstate__(self):
        return {"url": self.url, "location": self.location}

    def __setstate__(self, state):
        self.__dict__.update(state, _fs=None)

    def __str__(self) -> str:
        return self.location

    def join(self, *parts: str) -> str:
        return "/".join([self.location, *parts]) if self.url else str(Path(self.location, *parts))

    def _filesystem(self):
        if self._fs is None:
            import fsspec

            self._fs, _ = fsspec.core.url_to_fs(self.location)
        return self._fs

    def _path(self, *parts: str) -> str:
        import fsspec

        return fsspec.core.url_to_fs(self.join(*parts))[1]

    def exists(self, *parts: str) -> bool:
        if not self.url:
            return os.path.lexists(self.join(*parts))
        return self._filesystem().exists(self._path(*parts))

    def write_text(self, text: str, *parts: str) -> None:
        if not self.url:
            Path(self.join(*parts)).parent.mkdir(parents=True, exist_ok=True)
            write_text(Path(self.join(*parts)), text)
        else:
            self._filesystem().pipe_file(self._path(*parts), text.encode("utf-8"))

    @contextmanager
    def lines(self, *parts: str):
        """A ``write(line)`` for one file, there under its name only when the block ends
        without error: written to a temporary name and renamed on a filesystem, written
        to a local temporary file and uploaded in one piece to a store. Lines are encoded
        as ``check``'s standard output encodes them (lone surrogates backslash-escaped)."""
        if self.url:
            fd, name = tempfile.mkstemp(prefix="archivekit-results-")
            os.close(fd)
            temp, final = Path(name), None
        else:
            final = Path(self.join(*parts))
            final.parent.mkdir(parents=True, exist_ok=True)
            temp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        try:
            with open(temp, "wb") as handle:
                yield lambda line: handle.write(line.encode("utf-8", "backslashreplace") + b"\n")
            if final is None:
                self._filesystem().put_file(str(temp), self._path(*parts))
            else:
                os.replace(temp, final)
        finally:
            if temp.exists():
                temp.unlink()

    def put_tree(self, local: Path, *parts: str) -> None:
        """Upload the files under ``local`` to ``parts`` (URL outputs only)."""
        fs = self._filesystem()
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            fs.put_file(str(path), self._path(*parts, *path.relative_to(local).parts))

    def read_lines(self, *parts: str) -> Iterator[str]:
        if self.url:
            with self._filesystem().open(self._path(*parts), "rb") as handle:
                for raw in handle:
                    yield raw.decode("utf-8", "replace").rstrip("\n")
        else:
            with open(self.join(*parts), "rb") as handle:
                for raw in handle:
                    yield raw.decode("utf-8", "replace").rstrip("\n")

    def glob(self, *parts: str) -> list[str]:
        """The names (last component) of the files matching ``parts``, sorted."""
        if self.url:
            return sorted(p.rsplit("/", 1)[-1] for p in self._filesystem().glob(self._path(*parts)))
        return sorted(p.name for p in Path(self.location).glob("/".join(parts)))


# --- the input list -----------------------------------------------------------------------

def read_input_list(input_list: str, *, expand_dirs: bool = True) -> list[str]:
    """The entries of an input list (a local file or a URL); directories (paths or URLs)
    become their files, relative local paths become absolute ones.

    Blank lines and lines starting with ``#`` are skipped. Expanding directories in
    the driver spreads a directory of pages over every partition; WARC files stay
    one entry each (one partition reads one WARC, as in cc-pyspark).
    """
    try:
        if is_url(input_list):
            import fsspec

            with fsspec.open(input_list, "rb") as handle:
                text = handle.read().decode("utf-8")
        else:
            text = Path(input_list).read_text(encoding="utf-8")
    except OSError as exc:
        raise SparkJobError(f"{input_list}: cannot read input list: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - fsspec drivers raise their own kinds
        raise SparkJobError(f"{input_list}: cannot read input list: {_first_line(exc)}") from None
    entries = [line.strip() for line in text.splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
    if not expand_dirs:
        return entries
    out: list[str] = []
    for entry in entries:
        if is_url(entry):
            out.extend(expand_url(entry))
        elif os.path.isdir(entry):
            out.extend(os.path.abspath(p) for p in collect_paths([entry], on_error=lambda _e: None)
                       if isinstance(p, str))
        else:
            out.append(os.path.abspath(entry))
    return out


# --- one partition -------------------------------------------------------------------------

def check_partition(entries: Iterable[str], recipe: CheckerRecipe, counts: SparkCounts | None = None,
                    *, warc_dir: str | Path | None = None, index: int = 0,
                    warc_date: datetime | None = None) -> Iterator[str]:
    """Check every article of a partition's entries; yields NDJSON lines and adds to
    ``counts``.

    With ``warc_dir``, the partition's articles also go into one WARC under
    ``warc_dir/part-NNNNN/`` (the result lines then carry export's fingerprints).
    Plain Python (no Spark), so the tests and the local pool can call it too.
    """
    checker = recipe.build()
    archiver = _partition_archiver(Path(warc_dir), index, checker, warc_date) if warc_dir else None
    batch_size = archiver.batch if archiver is not None else DEFAULT_CHUNK
    for entry in entries:
        errors: list[str] = []
        if is_url(entry):
            documents = read_url(entry, max_page_bytes=checker.max_page_bytes)
        else:
            paths = collect_paths([entry], on_error=lambda exc, note=errors.append: note(str(exc)))
            documents = read_documents(paths, max_page_bytes=checker.max_page_bytes)
        for batch in document_batches(documents, batch_size):
            yield from _batch_lines(batch, checker, archiver, counts)
        for message in errors:
            if counts is not None:
                counts.input_errors += 1
            yield json.dumps({"path": entry, "input_error": message}, ensure_ascii=False)
    if archiver is not None:
        archiver.finish()  # the WARC is renamed to its final name only now


def _batch_lines(batch: list[Document], checker: Checker, archiver, counts: SparkCounts | None
                 ) -> Iterator[str]:
    results = archiver.process_many(batch) if archiver else [check_one(d, checker) for d in batch]
    for result in results:
        if counts is not None:
            counts.articles += 1
            counts.findings += len(result.findings)
            counts.failures += 0 if result.valid else 1
            counts.input_errors += 1 if result.io_error else 0
        yield result_line(result)


def _partition_archiver(warc_dir: Path, index: int, checker: Checker, date: datetime | None):
    from archivekit.archive import Archiver, ArchiveSettings
    from archivekit.export.warc import WarcOptions

    name = f"part-{index:05d}"
    settings = ArchiveSettings(out_dir=warc_dir / name, warc=True, jsonld=False, report=False,
                               warc_options=WarcOptions(prefix=f"archivekit-{name}", date=date))
    return Archiver(settings, checker)


@dataclass
class PartitionTask:
    """What every partition needs (pickled into the tasks)."""

    recipe: CheckerRecipe
    output: OutputDir
    warc: bool = False
    warc_date: datetime | None = None
    storage_options: dict = field(default_factory=dict)

    def __call__(self, index: int, entries: Iterable[str]) -> Iterator[dict]:
        yield run_partition(self, index, list(entries))


def _where() -> dict:
    """The executor this runs in: its host, its id where the cluster manager tells it
    (standalone, YARN, Kubernetes), its working directory."""
    env = os.environ
    found = re.search(r"executorId=([^&]+)", env.get("SPARK_LOG_URL_STDERR", ""))
    executor = (found.group(1) if found else None) or env.get("SPARK_EXECUTOR_ID") \
        or env.get("CONTAINER_ID") or "driver"
    return {"host": socket.gethostname(), "executor": executor, "workdir": os.getcwd(),
            "pid": os.getpid()}


def run_partition(task: PartitionTask, index: int, entries: list[str]) -> dict:
    """Check one partition and write its files; returns its counts and where it ran. An
    error writing the outputs comes back as ``error`` (one line), not as a failed task."""
    apply_storage_options(task.storage_options)
    name = f"part-{index:05d}"
    counts = SparkCounts(partitions=1)
    summary = {"partition": index, "entries": len(entries), **_where(),
               "results": f"results/{name}", "warc": None}
    scratch = None
    try:
        warc_dir: Path | None = None
        if task.warc:
            if task.output.url:  # written locally, uploaded when complete
                scratch = Path(tempfile.mkdtemp(prefix=f"archivekit-{name}-"))
                warc_dir = scratch
            else:
                warc_dir = Path(task.output.join("warc"))
                shutil.rmtree(warc_dir / name, ignore_errors=True)  # a failed attempt's files
            summary["warc"] = f"warc/{name}"
        with task.output.lines("results", name) as write:
            for line in check_partition(entries, task.recipe, counts, warc_dir=warc_dir,
                                        index=index, warc_date=task.warc_date):
                write(line)
        if scratch is not None:
            task.output.put_tree(scratch / name, "warc", name)
    except Exception as exc:  # noqa: BLE001 - a store's or a disk's error, reported by the driver
        summary["error"] = f"cannot write {task.output.join('results', name)}: {_first_line(exc)}"
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    summary.update({k: v for k, v in asdict(counts).items() if k != "partitions"})
    return summary


# --- the driver ----------------------------------------------------------------------------

def run_spark_job(input_list: str, output_dir: str, *, master: str | None = None,
                  partitions: int | None = None, checker: Checker | None = None,
                  app_name: str = "archivekit-check", log_level: str = "WARN",
                  console_progress: bool = True, warc: bool = False,
                  storage_options: dict[str, dict] | None = None) -> SparkCounts:
    """Run ``check`` over the inputs listed in ``input_list``; results under ``output_dir``
    (a local directory or a URL; one WARC per partition under ``output_dir/warc`` with
    ``warc``). ``storage_options`` (``{"s3": {"endpoint_url": ...}}``) configure fsspec in
    the driver and in every executor."""
    checker = checker or Checker(max_page_bytes=DEFAULT_MAX_PAGE_BYTES)
    storage_options = storage_options or {}
    apply_storage_options(storage_options)
    out = OutputDir(output_dir)
    try:
        there = out.exists("results")
    except Exception as exc:  # noqa: BLE001 - the store unreachable, denied, no driver for it
        raise SparkJobError(f"{out}: cannot reach the output: {_first_line(exc)}") from None
    if there:
        raise SparkJobError(f"{out.join('results')} already exists; choose another -o or remove it")
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

    try:
        # The JVM first (under spark-submit: its own), so that SparkConf reads the master
        # spark-submit or spark-defaults.conf set; a SparkConf made before it is empty.
        SparkContext._ensure_initialized()
        conf = SparkConf().setAppName(app_name)
        if master:
            conf.setMaster(master)
        elif not conf.contains("spark.master"):
            conf.setMaster("local[*]")  # no master from anywhere: no cluster
        conf.set("spark.ui.enabled", "false")
        conf.set("spark.ui.showConsoleProgress",
                 "true" if console_progress and sys.stderr.isatty() else "false")
        sc = SparkContext.getOrCreate(conf)
    except Exception as exc:  # Java missing or the JVM failed to start
        raise SparkJobError(f"cannot start Spark: {str(exc).strip().splitlines()[0][:300]}") from None
    try:
        sc.setLogLevel(log_level)
        slices = partitions or max(1, min(len(entries), sc.defaultParallelism * 4))
        # A WARC is worth many pages: give each WARC file a partition of its own first.
        warcs = sum(is_warc_name(e) for e in entries)
        slices = max(slices, min(warcs, len(entries))) if partitions is None else slices
        task = PartitionTask(CheckerRecipe.of(checker), out, warc,
                             datetime.now(UTC).replace(microsecond=0), storage_options)
        try:
            summaries = sc.parallelize(entries, slices).mapPartitionsWithIndex(task).collect()
        except Exception as exc:  # noqa: BLE001 - a lost executor, a stage that failed
            raise SparkJobError(f"the Spark job failed: {_java_cause(exc)}") from None
    finally:
        sc.stop()
    summaries.sort(key=lambda s: s["partition"])
    counts = SparkCounts()
    for s in summaries:
        counts.add(SparkCounts(s["articles"], s["findings"], s["failures"], s["input_errors"], 1))
    failed = [s["error"] for s in summaries if s.get("error")]
    try:
        out.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in summaries),
                       "partitions.jsonl")
        out.write_text(json.dumps(asdict(counts), indent=1) + "\n", "counters.json")
        if not failed:
            out.write_text("", "results", "_SUCCESS")
    except Exception as exc:  # noqa: BLE001
        raise SparkJobError(f"{out}: cannot write the counters: {_first_line(exc)}") from None
    if failed:
        more = f" (and {len(failed) - 1} more partitions)" if len(failed) > 1 else ""
        raise SparkJobError(failed[0] + more)
    return counts


def _java_cause(exc: BaseException) -> str:
    """The first line that says why, from a Py4J error's Java stack trace."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        if "Exception:" in line or "Error:" in line:
            return line[:300]
    return lines[0][:300] if lines else type(exc).__name__


def read_results(output_dir: str) -> Iterator[dict]:
    """Every result object a job wrote under ``output_dir/results``."""
    out = OutputDir(output_dir)
    for name in out.glob("results", "part-*"):
        for line in out.read_lines("results", name):
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``spark-submit .../archivekit/spark_job.py INPUT_LIST -o DIR``."""
    from archivekit.cli import app

    app(args=["spark-job", *(sys.argv[1:] if argv is None else argv)], prog_name="archivekit")


if __name__ == "__main__":
    main()


__all__ = ["OutputDir", "SourceError", "SparkCounts", "SparkJobError", "apply_storage_options",
           "check_partition", "parse_storage_options", "read_input_list", "read_results",
           "run_spark_job"]
