"""The rule catalogue: every rule id archivekit can emit, each a :class:`~archivekit.rules.Rule`.

It gathers the shipped schema's ``x-rule`` nodes (with the help texts below, which the schema
has no keyword for), the generic ``schema.violation``, and the ``RULES`` tables of the modules
that emit rules of their own: ``fixity.*`` (:mod:`archivekit.verify`), ``bag.*``
(:mod:`archivekit.export.bagit`) and ``warc.*`` (:mod:`archivekit.warccheck`). ``schema
--rules``, SARIF's rule metadata, the README's rules table and ``docs/rules.md`` all come from
here (the tests hold the last two to it): ``python -m archivekit.catalogue`` prints the page.
"""

from __future__ import annotations

import functools

from archivekit.record import ERROR
from archivekit.rules import Rule

# What fires each schema rule and how to fix it (the schema carries id, severity, message).
SCHEMA_HELP = {
    "parse.unreadable": "The bytes are not a page: binary, empty, truncated past use, or over "
    "--max-page-size. Check the file; raise --max-page-size if the page is just large.",
    "parse.encoding": "Undecodable bytes, or mojibake such as 'â€™' (UTF-8 read as cp1252). "
    "Re-save the page in its real encoding, or declare the charset it uses.",
    "banner.missing": "No archive banner ('This article exists as part of the online archive "
    "for ...') was found. Check the page is an archived article; a template of its own needs "
    "selectors in its profile.",
    "banner.mismatch": "The banner names another edition or closing year than the page's "
    "profile. Check the profile picked (--profile), or the banner text.",
    "banner.position": "The banner comes after the headline. Move it before the headline.",
    "footer.missing": "No closing archive notice was found. Restore the footer, or add its "
    "pattern to the profile.",
    "headline.missing": "No headline was found. Restore it, or give the profile a headline "
    "selector.",
    "body.missing": "No body text was found. Restore it, or give the profile a body selector.",
    "attribution.missing": "No byline, and no wire service or agency credited in the byline or "
    "the prose. Add the byline or the credit line.",
    "image.caption.missing": "An image without caption. Add one (a figcaption).",
    "image.credit.missing": "An image without credit line. Add the credit (photographer or "
    "agency).",
    "image.credit.malformed": "A credit line that fits no known form ('Name / Agency', 'X via "
    "Agency', '(AP Photo/Name)'). Rewrite it in one of them.",
    "date.after_closure": "The publication date is after the edition closed: a wrong date, or "
    "the wrong profile. Fix the date or the profile.",
    "date.malformed": "The publication date is not an RFC 3339 date-time. Write it like "
    "2018-05-01T10:00:00+10:00.",
    "url.malformed": "The article URL is not an absolute URI. Give the full https:// URL.",
    "profile.unknown": "No profile matches the page's URL or banner, so only the generic checks "
    "apply. Force one with --profile, or add a profile file with --profile-dir.",
}
SCHEMA_VIOLATION = Rule(
    "schema.violation", ERROR, "the record breaks a schema node that names no rule",
    "A custom schema (--schema) failed at a node without x-rule; the message is the JSON Schema "
    "validator's. Give that node an x-rule, x-severity and x-message.")


@functools.cache
def all_rules() -> dict[str, Rule]:
    """Every rule id archivekit can emit, sorted by id."""
    from archivekit.export.bagit import RULES as BAG_RULES
    from archivekit.validate import load_schema
    from archivekit.verify import RULES as FIXITY_RULES
    from archivekit.warccheck import RULES as WARC_RULES

    found: dict[str, Rule] = {}
    for rule_id, info in load_schema().rules().items():
        found[rule_id] = Rule(rule_id, info["severity"], info["message"], SCHEMA_HELP.get(rule_id, ""))
    found[SCHEMA_VIOLATION.id] = SCHEMA_VIOLATION
    for table in (FIXITY_RULES, BAG_RULES, WARC_RULES):
        for rule_id, rule in table.items():
            if rule_id in found:
                raise ValueError(f"rule id {rule_id} defined twice")
            found[rule_id] = rule
    return dict(sorted(found.items()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(rules: dict[str, Rule] | None = None) -> str:
    """The README's rules table: rule, severity, message."""
    rows = ["| rule | severity | fires when |", "|---|---|---|"]
    rows += [f"| `{r.id}` | {r.severity} | {_cell(r.message)} |"
             for r in (rules or all_rules()).values()]
    return "\n".join(rows) + "\n"


def rules_page() -> str:
    """``docs/rules.md``: every rule with its severity, message and help."""
    out = ["# Rules", "",
           "Every rule id archivekit can emit. Generated from `archivekit.catalogue` "
           "(`python -m archivekit.catalogue > docs/rules.md`); a test holds it to the catalogue.",
           ""]
    group = None
    for rule in all_rules().values():
        family = rule.id.split(".")[0]
        if family != group:
            group = family
            out += [f"## {family}.*", ""]
        # An explicit anchor: SARIF rules link here (helpUri) by report.sarif.rule_anchor.
        anchor = "rule-" + rule.id.replace(".", "-").replace("_", "-")
        out += [f'<a id="{anchor}"></a>', "", f"### `{rule.id}` ({rule.severity})", "",
                rule.message + ".", ""]
        if rule.help:
            out += [rule.help, ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - prints docs/rules.md
    print(rules_page(), end="")
