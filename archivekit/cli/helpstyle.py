"""Help that reads as words: metavars (PATH, FILE, N), never Python types.

Recent typer versions print an option's or argument's Python type where it has no
``metavar`` (``--strict <bool>``, ``PATH <list[str]>``) and write a required argument as
``{PATH}...`` on the usage line. The verbs give every value option a metavar; this module
makes typer show nothing for flags and arguments (the argument's name is its metavar) and
``PATH...`` on the usage line. Typer versions without these hooks are left as they are.
"""

from __future__ import annotations

import typer.core


def _option_type(self, ctx):
    if self.metavar is not None:
        return self.metavar
    if getattr(self, "is_flag", False) or getattr(self, "count", False):
        return None  # a flag takes no value: show none
    label = _ORIGINAL_OPTION(self, ctx)
    return label.strip("<>").upper() if isinstance(label, str) else label


def _argument_type(self, ctx):
    return None  # the argument's name column already says PATH (its metavar)


def _usage_name(self) -> str:
    name = self.display_name_raw
    if self.nargs != 1:
        name += "..."
    return name if self.required else f"[{name}]"


_ORIGINAL_OPTION = getattr(typer.core.TyperOption, "display_type_rich", None)


def install() -> None:
    """Apply the three hooks (idempotent; a no-op on typers that lack them)."""
    if _ORIGINAL_OPTION is not None:
        typer.core.TyperOption.display_type_rich = _option_type
    if hasattr(typer.core.TyperArgument, "display_type_rich"):
        typer.core.TyperArgument.display_type_rich = _argument_type
    if hasattr(typer.core.TyperArgument, "_usage_display_name"):
        typer.core.TyperArgument._usage_display_name = _usage_name
