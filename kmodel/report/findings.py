"""``kmodel check`` reports: text, JSON, SARIF 2.1.0 and JUnit XML. Deterministic byte for byte.

JSON schema (stable; additions only)::

    {"kmodel": VERSION, "summary": {"errors": N, "warnings": N, "objects": N, "checks": [ids]},
     "findings": [{"id", "severity", "object": {"kind", "namespace", "name"}, "file", "line",
                   "message", "field"?, "trace"?: [...]}],
     "notes": [text]}

SARIF follows the 2.1.0 schema as GitHub code scanning reads it: one run, rules with their docs
and default level, results with the offending field's line as ``physicalLocation`` and the trace
(when there is one) as a ``codeFlow``. JUnit: one test case per check per object it examines,
failed when the check found something there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import PurePath
from xml.sax.saxutils import escape, quoteattr

from kmodel.checks import Check, Finding, Inventory, ObjectId

__all__ = ["render_text", "render_json", "render_sarif", "render_junit", "FORMATS"]

VERSION = "0.1.0"
INFO_URI = "https://github.com/kmodel/kmodel"


def _summary(findings: Sequence[Finding], checks: Sequence[Check], inventory: Inventory) -> dict:
    return {
        "errors": sum(1 for f in findings if f.severity == "error"),
        "warnings": sum(1 for f in findings if f.severity == "warning"),
        "objects": len(inventory.documents),
        "checks": [c.id for c in checks],
    }


def render_json(findings: Sequence[Finding], checks: Sequence[Check], inventory: Inventory,
                notes: Sequence[str] = ()) -> str:
    doc = {"kmodel": VERSION, "summary": _summary(findings, checks, inventory),
           "findings": [f.to_dict() for f in findings], "notes": list(notes)}
    return json.dumps(doc, indent=2) + "\n"


def render_text(findings: Sequence[Finding], checks: Sequence[Check], inventory: Inventory,
                notes: Sequence[str] = ()) -> str:
    lines: list[str] = []
    by_file: dict[str, dict[ObjectId, list[Finding]]] = {}
    for f in findings:
        by_file.setdefault(f.file or "-", {}).setdefault(f.object, []).append(f)
    for file in sorted(by_file):
        lines.append(file)
        for obj in sorted(by_file[file], key=lambda o: min((x.line or 0) for x in by_file[file][o])):
            lines.append(f"  {obj}")
            for f in by_file[file][obj]:
                where = f"{f.line}: " if f.line else ""
                lines.append(f"    {where}{f.severity} {f.check}: {f.message}")
                for step in f.trace:
                    lines.append(f"        {step.get('step', '')}. {step.get('action', '')}")
        lines.append("")
    s = _summary(findings, checks, inventory)
    for note in notes:
        lines.append(f"note: {note}")
    lines.append(f"{s['errors']} error{'s' if s['errors'] != 1 else ''}, {s['warnings']} warning"
                 f"{'s' if s['warnings'] != 1 else ''} in {s['objects']} objects ({len(checks)} checks)")
    return "\n".join(lines) + "\n"


def _uri(file: str | None) -> str:
    if not file or file == "-":
        return "stdin"
    if os.path.isabs(file):
        try:
            file = os.path.relpath(file)
        except ValueError:
            return PurePath(file).as_uri()
    return PurePath(file).as_posix()


def render_sarif(findings: Sequence[Finding], checks: Sequence[Check], inventory: Inventory,
                 notes: Sequence[str] = ()) -> str:
    rules = []
    index = {}
    for i, c in enumerate(checks):
        index[c.id] = i
        rules.append({
            "id": c.id,
            "name": "".join(w.capitalize() for w in c.id.split("-")),
            "shortDescription": {"text": c.summary},
            "fullDescription": {"text": c.doc},
            "help": {"text": f"{c.doc}\n\nFailing:\n{c.failing}\n\nPassing:\n{c.passing}",
                     "markdown": f"{c.doc}\n\n**Failing**\n```yaml\n{c.failing}\n```\n\n**Passing**\n"
                                 f"```yaml\n{c.passing}\n```"},
            "defaultConfiguration": {"level": c.severity},
            "properties": {"engine": c.engine, "tags": ["kubernetes", c.engine]},
        })
    results = []
    for f in findings:
        location = {
            "physicalLocation": {"artifactLocation": {"uri": _uri(f.file)},
                                 "region": {"startLine": f.line or 1}},
            "logicalLocations": [{"fullyQualifiedName": str(f.object), "kind": "object"}],
        }
        result = {
            "ruleId": f.check,
            "level": f.severity,
            "message": {"text": f.message},
            "locations": [location],
            "partialFingerprints": {"kmodelObject/v1": f"{f.check}:{f.object}:{f.field}"},
        }
        if f.check in index:
            result["ruleIndex"] = index[f.check]
        if f.trace:
            result["codeFlows"] = [{"threadFlows": [{"locations": [
                {"location": {"message": {"text": f"{step.get('step')}. {step.get('action')}"}}}
                for step in f.trace]}]}]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kmodel", "version": VERSION, "informationUri": INFO_URI, "rules": rules}},
            "results": results,
            "columnKind": "utf16CodeUnits",
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_junit(findings: Sequence[Finding], checks: Sequence[Check], inventory: Inventory,
                 notes: Sequence[str] = ()) -> str:
    found: dict[tuple[str, ObjectId], list[Finding]] = {}
    for f in findings:
        found.setdefault((f.check, f.object), []).append(f)
    cases = []
    for c in checks:
        objects = sorted({ObjectId(d.kind, d.namespace, d.name) for d in inventory.documents if d.kind in c.kinds})
        for obj in objects:
            cases.append((c, obj, found.pop((c.id, obj), [])))
    # Findings on objects outside the check's kinds (e.g. ignore-without-reason) still count.
    for (cid, obj), fs in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        cases.append((None, obj, fs))
    failures = sum(1 for _, _, fs in cases if fs)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="kmodel" tests="{len(cases)}" failures="{failures}" errors="0">',
           f'  <testsuite name="kmodel check" tests="{len(cases)}" failures="{failures}" errors="0" skipped="0">']
    for check, obj, fs in cases:
        cid = check.id if check is not None else fs[0].check
        name = quoteattr(str(obj))
        if not fs:
            out.append(f'    <testcase classname={quoteattr(cid)} name={name}/>')
            continue
        body = []
        for f in fs:
            body.append(f"{f.file}:{f.line}: {f.severity} {f.check}: {f.message}")
            body.extend(f"  {s.get('step')}. {s.get('action')}" for s in f.trace)
        out.append(f'    <testcase classname={quoteattr(cid)} name={name}>')
        out.append(f'      <failure message={quoteattr(fs[0].message)} type={quoteattr(cid)}>'
                   f'{escape(chr(10).join(body))}</failure>')
        out.append('    </testcase>')
    out.append('  </testsuite>')
    out.append('</testsuites>')
    return "\n".join(out) + "\n"


FORMATS = {"text": render_text, "json": render_json, "sarif": render_sarif, "junit": render_junit}
