"""``archivekit spark-job``: ``check`` over a list of inputs on Apache Spark."""

from __future__ import annotations

from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    MaxPageOpt,
    ProfileDirOpt,
    ProfileOpt,
    QuietOpt,
    SchemaOpt,
    fail,
)
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES


@app.command("spark-job", epilog=(
    "Examples:\n\n  archivekit spark-job inputs.txt -o out/ --master 'local[2]'\n\n"
    # In backticks: markdown help would take __file__ for bold and print "m.file".
    "  `spark-submit --master yarn \"$(python -c 'import archivekit.spark_job as m; print(m.__file__)')\" "
    "inputs.txt -o /shared/out`\n\n"
    "inputs.txt lists one WARC file, page file or directory per line."))
def spark_job(
    input_list: Annotated[str, typer.Argument(
        metavar="LIST", help="A text file listing the inputs, one per line.", show_default=False)],
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="DIR", help="Output directory or URL (s3://...): results/part-* "
        "(NDJSON, one file per partition), counters.json and partitions.jsonl.",
        show_default=False)],
    master: Annotated[str | None, typer.Option(
        "--master", metavar="URL", help="Spark master URL, e.g. local[2]; default: "
        "spark-submit's, else local[*].", show_default=False)] = None,
    partitions: Annotated[int | None, typer.Option(
        "--partitions", min=1, metavar="N", help="Number of partitions (default: 4 per core, at "
        "least one per WARC file).", show_default=False)] = None,
    schema: SchemaOpt = None,
    profile: ProfileOpt = None,
    profile_dir: ProfileDirOpt = None,
    max_page_size: MaxPageOpt = DEFAULT_MAX_PAGE_BYTES,
    warc: Annotated[bool, typer.Option(
        "--warc", help="Also write one WARC 1.1 file of each partition's articles under "
        "DIR/warc/part-NNNNN/.")] = False,
    storage_option: Annotated[list[str] | None, typer.Option(
        "--storage-option", metavar="PROTOCOL.KEY=VALUE", help="An fsspec setting for the URLs "
        "of one protocol, in the driver and every executor (repeatable), e.g. "
        "s3.endpoint_url=http://127.0.0.1:9000; a value that reads as JSON is JSON.",
        show_default=False)] = None,
    quiet: QuietOpt = False,
) -> None:
    """Check every article listed in LIST on Apache Spark (needs the spark extra: pyspark and Java)."""
    from archivekit.checker import Checker
    from archivekit.spark_job import SparkJobError, parse_storage_options, run_spark_job

    checker = Checker.from_options(schema=schema, profile=profile, profile_dir=profile_dir,
                                   max_page_bytes=max_page_size)
    try:
        storage_options = parse_storage_options(storage_option)
    except SparkJobError as exc:
        raise fail(str(exc)) from None
    try:
        counts = run_spark_job(input_list, output, master=master, partitions=partitions,
                               checker=checker, log_level="ERROR" if quiet else "WARN",
                               console_progress=not quiet, warc=warc,
                               storage_options=storage_options)
    except SparkJobError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    typer.echo(f"{counts.articles:,} articles in {counts.partitions} partitions: "
               f"{counts.articles - counts.failures:,} valid, {counts.failures:,} with errors, "
               f"{counts.findings:,} findings, {counts.input_errors:,} unreadable inputs; "
               f"results in {output}/results" + (f", WARCs in {output}/warc" if warc else ""))
    if counts.input_errors:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if counts.failures else EXIT_OK)
