"""JUnit XML: one testcase per article (classname = the collection), for CI dashboards."""

from __future__ import annotations

import re

from lxml import etree

from archivekit.record import ERROR, Result
from archivekit.report.base import Reporter, Summary


class JunitReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._cases: list[etree._Element] = []
        self._failures = 0

    def result(self, result: Result) -> None:
        case = etree.Element("testcase", classname=_xml(self.collection), name=_xml(result.path))
        errors = [f for f in result.findings if f.severity == ERROR]
        warnings = [f for f in result.findings if f.severity != ERROR]
        if errors:
            self._failures += 1
            failure = etree.SubElement(case, "failure", type=errors[0].rule,
                                       message=f"{len(errors)} error findings")
            failure.text = _xml("\n".join(_describe(f) for f in errors))
        if warnings:
            out = etree.SubElement(case, "system-out")
            out.text = _xml("\n".join(_describe(f) for f in warnings))
        self._cases.append(case)

    def finish(self, summary: Summary) -> None:
        suites = etree.Element("testsuites", name=_xml(f"archivekit {self.verb}"))
        suite = etree.SubElement(suites, "testsuite", name=_xml(self.collection),
                                 tests=str(len(self._cases)), failures=str(self._failures),
                                 errors="0", skipped="0")
        suite.extend(self._cases)
        self.stream.write(etree.tostring(suites, pretty_print=True, xml_declaration=True,
                                         encoding="UTF-8").decode("utf-8"))


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    """Text XML can hold: a non-UTF-8 file name's bytes (lone surrogates) and control
    characters become visible escapes instead of making lxml raise."""
    return _NOT_XML.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def _describe(f) -> str:
    where = f":{f.line}" if f.line is not None else ""
    return f"{f.severity} {f.rule}{where} {f.pointer}: {f.message}"
