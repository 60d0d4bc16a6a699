"""Validate a record against the article schema and turn errors into findings.

The rule of a finding is the ``x-rule`` of the deepest schema node on the failing
path, so rule ids live in the schema and a user who edits the schema edits the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from archivekit.errors import UsageError
from archivekit.jsonfile import read_json
from archivekit.record import ERROR, Extraction, Finding
from archivekit.resources import schema_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

GENERIC_RULE = "schema.violation"


class SchemaLoadError(UsageError, ValueError):
    """The schema given with ``--schema`` cannot be used."""


@dataclass(frozen=True, slots=True)
class ArticleSchema:
    schema: dict[str, Any]
    source: str
    # jsonschema-rs, when installed: a yes/no answer ~50x faster. Only records it
    # rejects go through jsonschema for the detailed errors that become findings.
    fast: Any = None
    # jsonschema's Draft 2020-12 validator; for the shipped schema made (and jsonschema
    # imported: ~13% of the CLI's start-up CPU) only when a record needs its errors.
    _validator: Any = field(default=None, compare=False, repr=False)

    @property
    def validator(self):
        if self._validator is None:
            object.__setattr__(self, "_validator", _validator_for(self.schema))
        return self._validator

    def rules(self) -> dict[str, dict[str, str]]:
        """Every rule the schema names: id -> severity and message."""
        found: dict[str, dict[str, str]] = {}
        for node in _walk(self.schema):
            if "x-rule" in node:
                found.setdefault(node["x-rule"], {
                    "severity": node.get("x-severity", ERROR),
                    "message": node.get("x-message", node["x-rule"]),
                })
        return found


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@cache
def load_schema(path: str | None = None) -> ArticleSchema:
    source = path or str(schema_path())
    schema = read_json(source, "schema", SchemaLoadError)
    fast = _fast_validator(schema)
    if path is None and fast is not None:
        # The shipped schema (tests/test_schema.py checks it): nothing to refuse at load.
        return ArticleSchema(schema=schema, source=source, fast=fast)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
        validator = _validator_for(schema)
        _check_refs(schema, validator)
        # A $ref loop that consumes no instance (``{"$ref": "#"}``) shows on any instance.
        for probe in ({}, {"headline": "", "images": [{}]}, None):
            validator.is_valid(probe)
    except SchemaError as exc:
        raise SchemaLoadError(f"{source}: not a valid Draft 2020-12 schema: {exc.message}") from None
    except RecursionError:
        raise SchemaLoadError(f"{source}: not usable as a schema: nested too deeply or a $ref "
                              "loop") from None
    except _ref_errors() as exc:
        raise SchemaLoadError(f"{source}: {_ref_message(exc)}") from None
    except SchemaLoadError as exc:
        raise SchemaLoadError(f"{source}: {exc}") from None
    return ArticleSchema(schema=schema, source=source, fast=fast, _validator=validator)


def _validator_for(schema: dict):
    """jsonschema's validator, formats checked; every $ref resolves offline: the registry's
    retrieve refuses the network (and any URI it does not hold), so a remote $ref is an
    error, never a request."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema, registry=_offline_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"archivekit does not fetch schemas: {uri}")


def _refuse(uri: str):
    raise NoRetrieval(uri)


class NoRetrieval(SchemaLoadError):
    """A $ref to a URI the registry does not hold: archivekit never fetches schemas."""


@cache
def _offline_registry():
    from referencing import Registry

    return Registry(retrieve=_refuse)


def _ref_errors() -> tuple[type[BaseException], ...]:
    from referencing.exceptions import Unresolvable

    return (Unresolvable, NoRetrieval)


def _ref_message(exc: BaseException) -> str:
    cause = exc
    while cause is not None and not isinstance(cause, NoRetrieval):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, NoRetrieval):
        return f"$ref {cause.args[0]} is not in the schema and archivekit does not fetch schemas"
    ref = getattr(exc, "ref", None)
    return f"unresolvable $ref {ref!r}" if ref else f"unresolvable $ref: {exc}"


def _check_refs(schema: Any, validator) -> None:
    """Resolve every ``$ref`` of the root resource now, so a bad one is a load error."""
    resolver = validator._resolver  # the validator's own (registry + the schema as root)
    for node in _walk_scope(schema, top=True):
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                resolver.lookup(ref)
            except _ref_errors() as exc:
                if isinstance(exc, NoRetrieval) or "archivekit does not fetch" in _ref_message(exc):
                    raise
                raise SchemaLoadError(f"unresolvable $ref {ref!r}") from None


def _walk_scope(node: Any, top: bool = False) -> Iterator[dict]:
    """Nodes of the root resource, not descending into sub-schemas with an ``$id`` of
    their own (their relative refs resolve against that id)."""
    if isinstance(node, dict):
        if "$id" in node and not top:
            return
        yield node
        for value in node.values():
            yield from _walk_scope(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_scope(value)


def _fast_validator(schema: dict) -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=True, retriever=_no_retrieval)
    except Exception:  # any schema jsonschema-rs cannot compile: use jsonschema alone
        return None


def validate(extraction: Extraction, schema: ArticleSchema) -> list[Finding]:
    if schema.fast is not None and schema.fast.is_valid(extraction.data):
        return []
    findings: dict[tuple[str, str], Finding] = {}
    try:
        for error in schema.validator.iter_errors(extraction.data):
            finding = _to_finding(error, schema.schema, extraction)
            findings.setdefault((finding.rule, finding.pointer), finding)
    except RecursionError:
        raise SchemaLoadError(f"{schema.source}: not usable as a schema: a $ref loop") from None
    except _ref_errors() as exc:
        raise SchemaLoadError(f"{schema.source}: {_ref_message(exc)}") from None
    return sorted(findings.values(), key=_finding_order)


def _finding_order(f: Finding) -> tuple:
    return (f.line if f.line is not None else 0, f.pointer, f.rule)


def _ruled_node(root: dict, schema_path) -> tuple[dict | None, int]:
    """The deepest node carrying an x-rule on ``schema_path``, and its depth."""
    node: Any = root
    ruled, depth = (root, 0) if "x-rule" in root else (None, -1)
    for index, step in enumerate(schema_path, start=1):
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "x-rule" in node:
            ruled, depth = node, index
    return ruled, depth


def _to_finding(error: ValidationError, root: dict, extraction: Extraction) -> Finding:
    ruled, depth = _ruled_node(root, error.absolute_schema_path)
    if error.validator in ("anyOf", "oneOf") and error.context:
        # No branch matched: a rule named inside a branch says more than one above it.
        for sub in error.context:
            sub_ruled, sub_depth = _ruled_node(root, sub.absolute_schema_path)
            if sub_ruled is not None and sub_depth > depth:
                ruled, depth = sub_ruled, sub_depth
                break
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        # A missing property: the rule is the one on that property's own node.
        missing = next((n for n in error.validator_value if n not in error.instance), None)
        prop = _properties_at(root, error.absolute_schema_path).get(missing, {})
        if isinstance(prop, dict) and "x-rule" in prop:
            ruled = prop
        if missing is not None:
            path.append(missing)
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    if ruled is None:
        rule, severity, message = GENERIC_RULE, ERROR, error.message
    else:
        rule = ruled["x-rule"]
        severity = ruled.get("x-severity", ERROR)
        message = ruled.get("x-message", error.message)
    detail = extraction.details.get(pointer)
    if detail:
        message = f"{message}: {detail}"
    return Finding(rule=rule, severity=severity, message=message, pointer=pointer,
                   line=_line_for(pointer, extraction.lines))


def _properties_at(root: dict, schema_path) -> dict:
    node: Any = root
    for step in list(schema_path)[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return {}
    return node.get("properties", {}) if isinstance(node, dict) else {}


def _line_for(pointer: str, lines: dict[str, int]) -> int | None:
    while True:
        if pointer in lines:
            return lines[pointer]
        if not pointer:
            return None
        pointer = pointer.rsplit("/", 1)[0]
