"""The CI check suite behind ``kmodel check``.

Each check has a stable kebab-case id, a severity (``error`` or ``warning``), the engine that
decides it (``static``: cross-object reading of the manifests; ``scheduler``: the modelled
scheduler; ``explore``: bounded model checking of the control plane), a one-paragraph doc and a
failing and a passing example (rendered into ``docs/checks.md`` and checked by the tests).

Checks read an :class:`Inventory`: every Kubernetes document of the input as written
(:class:`kmodel.manifests.Document`, of any kind, with field lines), the modelled objects, and
the *assumptions*: objects that exist outside the input (an IngressClass, a StorageClass, an
operator-made Secret), so that reference checks neither false-alarm nor pass silently.

Findings can be switched off per object with the annotations ``kmodel.dev/ignore: id1,id2`` and
``kmodel.dev/ignore-reason: <why>`` (an ignore without a reason still applies, and is itself
reported as ``ignore-without-reason``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.errors import InvalidArgument
from kmodel.manifests import Document, LoadResult

__all__ = ["Check", "Finding", "Inventory", "ObjectId", "all_checks", "run_checks", "SEVERITIES", "check_by_id"]

SEVERITIES = ("error", "warning")
IGNORE_ANNOTATION = "kmodel.dev/ignore"
IGNORE_REASON_ANNOTATION = "kmodel.dev/ignore-reason"


@dataclass(frozen=True, order=True)
class ObjectId:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Finding:
    """One problem: which check, how bad, on which object, where, what, and (for dynamic checks)
    the shortest trace that shows it."""

    check: str
    severity: str
    object: ObjectId
    file: str | None
    line: int | None
    message: str
    field: str = ""
    trace: tuple[dict[str, Any], ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file or "", self.line or 0, self.check, self.object, self.message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.check,
            "severity": self.severity,
            "object": {"kind": self.object.kind, "namespace": self.object.namespace, "name": self.object.name},
            "file": self.file,
            "line": self.line,
            "message": self.message,
        }
        if self.field:
            out["field"] = self.field
        if self.trace:
            out["trace"] = list(self.trace)
        return out


@dataclass(frozen=True)
class Inventory:
    """What the checks read: the input's documents, the modelled objects, the assumptions."""

    documents: tuple[Document, ...]
    loaded: LoadResult | None = None
    assumed: tuple[Document, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Analyses shared by several checks (e.g. the capacity analysis), computed once per input."""

    def of_kind(self, *kinds: str) -> list[Document]:
        return [d for d in self.documents if d.kind in kinds]

    def find(self, kind: str, namespace: str, name: str) -> Document | None:
        for d in self.documents:
            if d.kind == kind and d.name == name and d.namespace == namespace:
                return d
        return None

    def exists(self, kind: str, namespace: str, name: str) -> bool:
        """In the input or assumed to exist (an assumption without a namespace holds for all)."""
        if self.find(kind, namespace, name) is not None:
            return True
        return any(d.kind == kind and d.name == name and d.namespace in (namespace, "", "*")
                   for d in self.assumed)


@dataclass(frozen=True)
class Check:
    """A check: ``run(inventory, options)`` yields findings."""

    id: str
    severity: str
    engine: str
    summary: str
    doc: str
    failing: str
    passing: str
    run: Callable[[Inventory, dict[str, Any]], Iterable[Finding]] = field(repr=False, compare=False)
    kinds: tuple[str, ...] = ()
    """The kinds of object it examines (one JUnit test case per check per such object)."""


def finding(check: Check, doc: Document, message: str, path: str = "") -> Finding:
    """A finding of ``check`` on ``doc``, located at the field ``path`` (or the object)."""
    return Finding(check.id, check.severity, ObjectId(doc.kind, doc.namespace, doc.name), doc.source.file,
                   doc.line(path) if path else doc.source.line, message, path)


def all_checks() -> tuple[Check, ...]:
    """Every check, in documentation order."""
    from kmodel.checks import capacity, dynamics, references, scheduling, validation

    return references.CHECKS + validation.CHECKS + scheduling.CHECKS + capacity.CHECKS + dynamics.CHECKS


def check_by_id() -> dict[str, Check]:
    return {c.id: c for c in all_checks()}


def _ignored(doc: Document | None) -> tuple[set[str], bool]:
    if doc is None:
        return set(), True
    annotations = doc.get("metadata.annotations") or {}
    raw = annotations.get(IGNORE_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(raw, str):
        return set(), True
    ids = {part.strip() for part in raw.split(",") if part.strip()}
    return ids, bool(str(annotations.get(IGNORE_REASON_ANNOTATION, "")).strip())


def run_checks(inventory: Inventory, *, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
               severity: dict[str, str] | None = None, options: dict[str, Any] | None = None) -> list[Finding]:
    """Run the selected checks; findings sorted by file, line and id.

    Raises
    ------
    InvalidArgument
        For an unknown check id in ``select``, ``ignore`` or ``severity``.
    """
    known = check_by_id()
    for name, ids in (("--select", select or ()), ("--ignore", ignore), ("severity", (severity or {}).keys())):
        for i in ids:
            if i not in known:
                raise InvalidArgument(f"{name}: unknown check id {i!r}; known: {', '.join(sorted(known))}")
    for i, sev in (severity or {}).items():
        if sev not in SEVERITIES:
            raise InvalidArgument(f"severity of {i}: {sev!r} is not one of {', '.join(SEVERITIES)}")
    chosen = [c for c in known.values() if (select is None or c.id in select) and c.id not in ignore]
    findings: list[Finding] = []
    for check in chosen:
        for f in check.run(inventory, options or {}):
            if severity and check.id in severity:
                f = Finding(f.check, severity[check.id], f.object, f.file, f.line, f.message, f.field, f.trace)
            findings.append(f)
    by_object = {(d.kind, d.namespace, d.name): d for d in inventory.documents}
    kept = []
    for f in findings:
        doc = by_object.get((f.object.kind, f.object.namespace, f.object.name))
        ids, has_reason = _ignored(doc)
        if f.check in ids:
            if not has_reason and doc is not None:
                kept.append(Finding("ignore-without-reason", "warning", f.object, doc.source.file,
                                    doc.line(f"metadata.annotations[\"{IGNORE_ANNOTATION}\"]"),
                                    f"{f.check} is ignored by annotation without a "
                                    f"{IGNORE_REASON_ANNOTATION} annotation saying why"))
            continue
        kept.append(f)
    unique = {(f.sort_key(), f.severity): f for f in kept}
    return sorted(unique.values(), key=Finding.sort_key)
