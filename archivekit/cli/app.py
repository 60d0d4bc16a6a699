"""The typer application that every verb module registers on."""

from __future__ import annotations

import functools
import gc

import typer

from archivekit.cli.helpstyle import install as _help_as_words

_help_as_words()


class _Verbs(typer.Typer):
    """The app: each verb it registers runs through :func:`_start_up_set_aside`."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorate(function):
            register(_start_up_set_aside(function))
            return function

        return decorate


def _start_up_set_aside(verb):
    """The verb, run once start-up's objects are out of the collector's way.

    What exists when a verb starts (the modules, and typer's adapters for its options,
    pydantic's schemas) lives to the end. ``gc.freeze()`` moves it aside, so neither the
    collections during the run nor the interpreter's at exit walk it: at exit they were
    ~0.15 s of a one-page ``check``'s ~0.7 s. Objects made after are collected as ever.
    """

    @functools.wraps(verb)
    def run(*args, **kwargs):
        gc.freeze()
        return verb(*args, **kwargs)

    return run


app = _Verbs(
    name="archivekit",
    help=(
        "Check, fingerprint and export collections of archived news articles.\n\n"
        "PATH is a file, a directory (read recursively), a .warc/.warc.gz, or - for "
        "standard input. Exit codes: 0 all valid, 1 findings of severity error "
        "(or warnings with --strict), 2 usage error, 3 input that could not be read."
    ),
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
    rich_markup_mode="markdown",
)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", "-V", help="Print the version and exit."),
) -> None:
    if version:
        from archivekit import __version__

        typer.echo(f"archivekit {__version__}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
