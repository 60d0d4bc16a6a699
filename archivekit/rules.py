"""The type of one entry of the rule catalogue.

Every rule id archivekit can emit has one ``Rule``: the schema's ``x-rule`` nodes, and the
``RULES`` tables of the modules that emit rules of their own (fixity, bag, WARC). The
catalogue that gathers them all is ``archivekit.catalogue``.
"""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    id: str
    severity: str  # "error" | "warning"
    message: str  # one line: what is wrong
    help: str = ""  # what fires it and how to fix it (a few sentences)
