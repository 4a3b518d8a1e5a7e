#!/usr/bin/env python3
"""Checks a JUnit report the way CI front ends read it (tests/suite.rs).

    check_junit.py REPORT.xml

Validates it against our Jenkins-structured schema (junit-jenkins.xsd beside
this file) with xmlschema, reads it back with junitparser, and prints one JSON
object: the suites with their properties, and each test case's name, class
name, result (passed/failure/error/skipped), message and system-out. Exit 1
when the schema rejects the report.
"""
import json
import pathlib
import sys

import xmlschema
from junitparser import Error, Failure, JUnitXml, Skipped

here = pathlib.Path(__file__).resolve().parent
schema = xmlschema.XMLSchema(str(here / "junit-jenkins.xsd"))
path = sys.argv[1]
errors = [str(e) for e in schema.iter_errors(path)]
if errors:
    print(json.dumps({"schema_errors": errors}))
    sys.exit(1)

xml = JUnitXml.fromfile(path)
suites = []
for suite in xml:
    cases = []
    for case in suite:
        result, message = "passed", None
        for r in case.result:
            if isinstance(r, Failure):
                result, message = "failure", r.message
            elif isinstance(r, Error):
                result, message = "error", r.message
            elif isinstance(r, Skipped):
                result, message = "skipped", r.message
        cases.append({"name": case.name, "classname": case.classname,
                      "result": result, "message": message,
                      "system_out": case.system_out})
    suites.append({"name": suite.name, "tests": suite.tests,
                   "failures": suite.failures, "errors": suite.errors,
                   "properties": {p.name: p.value for p in suite.properties()},
                   "system_out": suite._elem.findtext("system-out"),
                   "cases": cases})
print(json.dumps({"tests": xml.tests, "failures": xml.failures,
                  "errors": xml.errors, "suites": suites}))
