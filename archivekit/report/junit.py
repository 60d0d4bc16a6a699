"""JUnit XML: one testcase per article (classname = the collection), for CI dashboards.

Valid against both schemas CI tools read it with: Jenkins' (``jenkins-junit-10.xsd``)
and the Ant-style one (``windyroad-JUnit.xsd``), which asks for ``timestamp``,
``hostname``, ``time``, ``id`` and ``package`` on the suite, ``time`` on every testcase,
the ``properties``, ``system-out`` and ``system-err`` elements, and no ``system-out``
inside a testcase: warnings therefore go to the suite's ``system-out``.
"""

from __future__ import annotations

import re
import socket
import time
from datetime import UTC, datetime

from lxml import etree

from archivekit import __version__
from archivekit.record import ERROR, Finding, Result
from archivekit.report.base import Reporter, Summary


class JunitReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._cases: list[etree._Element] = []
        self._warnings: list[str] = []
        self._failures = 0
        self._started = time.monotonic()
        self._timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    def result(self, result: Result) -> None:
        case = etree.Element("testcase", name=_xml(result.path), classname=_xml(self.collection),
                             time="0")
        errors = [f for f in result.findings if f.severity == ERROR]
        if errors:
            self._failures += 1
            failure = etree.SubElement(case, "failure", type=errors[0].rule,
                                       message=f"{len(errors)} error findings")
            failure.text = _xml("\n".join(_describe(f) for f in errors))
        self._warnings += [f"{_xml(result.path)}: {_xml(_describe(f))}"
                           for f in result.findings if f.severity != ERROR]
        self._cases.append(case)

    def finish(self, summary: Summary) -> None:
        suites = etree.Element("testsuites")
        suite = etree.SubElement(
            suites, "testsuite", name=_xml(self.collection) or "archivekit",
            timestamp=self._timestamp, hostname=_xml(socket.gethostname()) or "localhost",
            tests=str(len(self._cases)), failures=str(self._failures),
            errors=str(len(summary.input_errors)), skipped="0",
            time=f"{time.monotonic() - self._started:.3f}", package=f"archivekit.{self.verb}", id="0")
        props = etree.SubElement(suite, "properties")
        for name, value in (("archivekit.version", __version__), ("archivekit.verb", self.verb),
                            ("errors", str(summary.errors)), ("warnings", str(summary.warnings))):
            etree.SubElement(props, "property", name=name, value=value)
        suite.extend(self._cases)
        etree.SubElement(suite, "system-out").text = "\n".join(self._warnings)
        etree.SubElement(suite, "system-err").text = "\n".join(_xml(e) for e in summary.input_errors)
        self.stream.write(etree.tostring(suites, pretty_print=True, xml_declaration=True,
                                         encoding="UTF-8").decode("utf-8"))


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    """Text XML can hold: a non-UTF-8 file name's bytes (lone surrogates) and control
    characters become visible escapes instead of making lxml raise."""
    return _NOT_XML.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def _describe(f: Finding) -> str:
    where = f":{f.line}" if f.line is not None else ""
    return f"{f.severity} {f.rule}{where} {f.pointer}: {f.message}"
